"""The Audit page names missing protections and, with the deep check, a tampered pool."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from tests.dashboard.conftest import DemoDb, open_page, shown, signed_in

SITE = "FR-lyon"


def _sql(db: DemoDb, *statements: str) -> None:
    """Statements run by someone with rights on the database file, not by the application."""
    engine = create_engine(f"sqlite:///{db.path}")
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def test_evaluator_sees_every_protection_in_place_and_every_pool_matching(
    shared_db: DemoDb,
) -> None:
    at = open_page(signed_in(shared_db, "evaluator"), "audit")
    at.button(key="audit_verify").click().run()
    chain, guards = [shown(s.value) for s in at.success]
    assert chain.startswith("The audit trail is intact")
    assert guards.startswith("The database refuses to change or delete audit events")
    at.button(key="audit_deep").click().run()
    assert not at.error and not at.exception
    assert any(shown(s.value).startswith(f"Site {SITE}: the pool (") for s in at.success)


def test_evaluator_sees_a_dropped_trigger_and_a_volunteer_edited_in_the_database(
    own_db: DemoDb,
) -> None:
    _sql(own_db, "DROP TRIGGER audit_event_no_update")
    engine = create_engine(f"sqlite:///{own_db.path}")
    with engine.connect() as connection:
        vid, features = connection.execute(
            text(
                "SELECT v.id, v.features FROM volunteer v JOIN site s ON s.id = v.site_id "
                "WHERE s.code = :site ORDER BY v.id LIMIT 1"
            ),
            {"site": SITE},
        ).one()
    engine.dispose()
    changed = {k: f"{v}-edited" for k, v in json.loads(features).items()}
    _sql(own_db, f"UPDATE volunteer SET features = '{json.dumps(changed)}' WHERE id = {vid}")

    at = open_page(signed_in(own_db, "evaluator"), "audit")
    at.button(key="audit_verify").click().run()
    assert shown(at.success[0].value).startswith("The audit trail is intact")
    (error,) = [shown(e.value) for e in at.error]
    assert error.startswith("The audit trail's protection audit_event_no_update is missing")
    at.button(key="audit_deep").click().run()
    (error,) = [shown(e.value) for e in at.error]
    assert error.startswith(f"Site {SITE}: the pool was changed behind the application's back")

    at = open_page(signed_in(own_db, "evaluator", lang="es"), "audit")
    at.button(key="audit_deep").click().run()
    (error,) = [shown(e.value) for e in at.error]
    assert error.startswith(f"Sede {SITE}: el grupo se modificó a espaldas de la aplicación")
