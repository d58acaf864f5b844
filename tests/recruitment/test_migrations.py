"""Schema migrations: the models match the migrated schema; 0001 -> head -> 0001 keeps the data."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from recruitment import usecases as uc
from recruitment.db import downgrade, head_revision, make_engine, open_database, upgrade
from recruitment.models import Base
from tests.recruitment.conftest import PASSWORD


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_the_migrated_schema_is_what_the_models_say(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert _differences(engine) == []
    finally:
        engine.dispose()


# A deliberation, a site and a volunteer as schema 0001 stores them (raw SQL: no region).
ROWS_0001 = [
    "INSERT INTO organisation (id, name, created_at) VALUES (1, 'Org A', :t)",
    "INSERT INTO deliberation (id, name, description, created_at) VALUES (1, 'Day', '', :t)",
    "INSERT INTO country (id, deliberation_id, code, name) VALUES (1, 1, 'FR', 'France')",
    "INSERT INTO site (id, code, country_id, name, place, panel_size, partner_organisation_id, "
    "created_at) VALUES (1, 'FR-lyon', 1, 'Lyon', 'Lyon', 50, 1, :t)",
    "INSERT INTO volunteer (id, site_id, pseudonym, external_id, features, channel, consent, "
    "status, created_at) VALUES (1, 1, 'V-1', 'P1', '{\"gender\": \"female\"}', 'file', TRUE, "
    "'active', :t)",
]


def _insert_0001_data(engine: Engine) -> None:
    with engine.begin() as c:
        for statement in ROWS_0001:
            c.execute(text(statement), {"t": "2026-01-01 00:00:00+00:00"})


def _site_columns(engine: Engine) -> list[str]:
    return [c["name"] for c in inspect(engine).get_columns("site")]


def test_upgrade_from_0001_keeps_the_data_and_downgrade_drops_only_the_region(
    db_url: str,
) -> None:
    assert downgrade(db_url, "0001") == "0001"
    engine = make_engine(db_url)
    try:
        assert "region" not in _site_columns(engine)
        assert _differences(engine)  # the models are ahead of schema 0001
        _insert_0001_data(engine)
        assert upgrade(db_url) == head_revision()
        database = open_database(db_url)
        try:
            admin = uc.bootstrap_admin(database, "admin", PASSWORD)
            [site] = uc.list_sites(database, admin)
            assert (site.code, site.region, site.volunteers) == ("FR-lyon", None, 1)
            with database.unit_of_work() as session:
                session.execute(text("UPDATE site SET region = 'Auvergne-Rhône-Alpes'"))
            assert uc.list_sites(database, admin)[0].region == "Auvergne-Rhône-Alpes"
        finally:
            database.dispose()
        assert downgrade(db_url, "0001") == "0001"
        assert "region" not in _site_columns(engine)
        with engine.connect() as c:
            assert c.execute(text("SELECT code, place FROM site")).all() == [("FR-lyon", "Lyon")]
            assert c.execute(text("SELECT count(*) FROM volunteer")).scalar_one() == 1
        assert upgrade(db_url) == head_revision()
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_klero_db_downgrade_asks_for_confirmation_and_an_older_version(
    db_url: str, capsys: Any, monkeypatch: Any
) -> None:
    from klero.app import main
    from recruitment.db import current_revision, revisions_in_order

    monkeypatch.setenv("KLERO_DATABASE_URL", db_url)
    order = revisions_in_order()
    assert order[0] == "0001" and order[-1] == head_revision()
    older = order[-2]
    capsys.readouterr()
    assert main(["db", "downgrade", "--to", older]) == 2  # no --yes: nothing happens
    assert "--yes" in capsys.readouterr().err
    assert main(["db", "downgrade", "--to", "9999", "--yes"]) == 2
    assert "0001" in capsys.readouterr().err
    assert main(["db", "downgrade", "--to", head_revision(), "--yes"]) == 2
    assert "is not older" in capsys.readouterr().err
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == head_revision()
        assert main(["db", "downgrade", "--to", older, "--yes"]) == 0
        assert f"schema {older}" in capsys.readouterr().out
        assert current_revision(engine) == older
        assert main(["db", "upgrade"]) == 0
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_upgrade_from_0008_adds_table_plans_and_keeps_the_data(db_url: str) -> None:
    assert downgrade(db_url, "0008") == "0008"
    engine = make_engine(db_url)
    try:
        assert "table_plan" not in inspect(engine).get_table_names()
        _insert_0001_data(engine)
        assert upgrade(db_url) == head_revision()
        assert "table_plan" in inspect(engine).get_table_names()
        with engine.connect() as c:
            assert c.execute(text("SELECT code FROM site")).all() == [("FR-lyon",)]
            assert c.execute(text("SELECT count(*) FROM table_plan")).scalar_one() == 0
        assert _differences(engine) == []
    finally:
        engine.dispose()
