"""Schema 0006 (plan): sites keep their rows, become in-person sites of their whole country."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from recruitment import usecases as uc
from recruitment.db import downgrade, head_revision, make_engine, upgrade
from tests.recruitment.conftest import SITE, World


def test_0006_keeps_sites_and_checks_panel_sizes_by_kind_both_ways(world: World) -> None:
    url = world.db.url
    world.db.dispose()
    assert downgrade(url, "0005") == "0005"
    engine = make_engine(url)
    try:
        assert "kind" not in {c["name"] for c in inspect(engine).get_columns("site")}
        assert upgrade(url) == head_revision()
        with engine.connect() as c:
            row = c.execute(text("SELECT kind, regions, languages, panel_size FROM site")).one()
            assert (row[0], row[3]) == ("in_person", 50)
            assert [str(row[1]), str(row[2])] == ["[]", "[]"]
        with pytest.raises(IntegrityError), engine.begin() as c:
            c.execute(text("UPDATE site SET panel_size = 5000"))
        with engine.begin() as c:
            c.execute(text("UPDATE site SET kind = 'online', panel_size = 5000"))
        with pytest.raises(IntegrityError), engine.begin() as c:
            c.execute(text("UPDATE site SET kind = 'hybrid'"))
        with engine.begin() as c:
            c.execute(text("UPDATE site SET kind = 'in_person', panel_size = 60"))
        assert downgrade(url, "0005") == "0005"
        with pytest.raises(IntegrityError), engine.begin() as c:
            c.execute(text("UPDATE site SET panel_size = 5000"))
        assert upgrade(url) == head_revision()
    finally:
        engine.dispose()
    database = uc.start(url)
    try:
        assert [s.code for s in uc.list_sites(database, world.admin)] == [SITE]
    finally:
        database.dispose()
