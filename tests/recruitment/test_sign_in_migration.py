"""Schema 0005 (sign-in): going back below it forgets locks and second factors, keeps users."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.db import downgrade, head_revision, make_engine, revisions_in_order, upgrade
from tests.recruitment.conftest import PASSWORD, World


def test_downgrade_below_0005_drops_locks_and_factors_and_keeps_users(world: World) -> None:
    uc.enable_totp(world.db, world.coordinator)
    with pytest.raises(KleroError):
        uc.authenticate(world.db, "alice", "not the password at all")
    url = world.db.url
    world.db.dispose()
    order = revisions_in_order()
    before = order[order.index("0005") - 1]
    assert downgrade(url, before) == before
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert not {"sign_in_failure", "user_totp"} & tables
        with engine.connect() as c:
            logins = c.execute(text("SELECT login FROM user_account ORDER BY login")).scalars()
            assert list(logins) == ["admin", "alice", "bob", "coord", "eve"]
        assert upgrade(url) == head_revision()
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM user_totp")).scalar_one() == 0
            assert c.execute(text("SELECT count(*) FROM sign_in_failure")).scalar_one() == 0
    finally:
        engine.dispose()
    database = uc.start(url)
    try:
        assert uc.authenticate(database, "coord", PASSWORD).login == "coord"
    finally:
        database.dispose()
