"""Schema 0008 (registration): an older database upgrades with its pool; going back forgets
consent texts, dates and attempts, and is refused while volunteers came from paper."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, text

from recruitment import usecases as uc
from recruitment.db import downgrade, head_revision, make_engine, open_database, upgrade
from tests.recruitment.conftest import SITE, World


def test_0008_keeps_the_pool_both_ways_and_refuses_to_drop_paper_volunteers(
    ready: World,
) -> None:
    uc.set_consent_text(ready.db, ready.partner, SITE, "fr", "J'accepte.")
    uc.set_registration_dates(ready.db, ready.partner, SITE, date(2027, 1, 1), date(2027, 2, 1))
    url = ready.db.url
    ready.db.dispose()
    assert downgrade(url, "0007") == "0007"
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert not {"site_consent", "registration_attempt"} & tables
        columns = {c["name"] for c in inspect(engine).get_columns("site")}
        assert "registration_opens" not in columns
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM volunteer")).scalar_one() == 140
        assert upgrade(url) == head_revision()
    finally:
        engine.dispose()
    database = open_database(url)
    try:
        form = uc.registration_form(database, SITE, "fr")
        assert form.consent is None and form.opens is None  # forgotten, not half-kept
        person = uc.Person("F-1", {"gender": "male", "age": "60+", "region": "south"}, {})
        report = uc.register_people(database, ready.partner, SITE, [person], channel="paper")
        assert len(report.added) == 1
    finally:
        database.dispose()
    with pytest.raises(RuntimeError, match="1 volunteers came from paper forms"):
        downgrade(url, "0007")
    assert upgrade(url) == head_revision()
