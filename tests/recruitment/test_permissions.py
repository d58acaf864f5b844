"""Each role, each forbidden action: a clear PermissionDenied, and nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from recruitment import models
from recruitment import usecases as uc
from recruitment.permissions import Action, Actor, PermissionDenied, SiteRef, allowed
from sampling import SelectionSettings
from tests.recruitment.conftest import SITE, World, pool_frame, quotas_for, write_pool

TABLES = [
    models.Organisation,
    models.User,
    models.Deliberation,
    models.Country,
    models.Site,
    models.QuotaSet,
    models.Volunteer,
    models.VolunteerContact,
    models.SelectionRun,
    models.PanelSeat,
    models.AuditEvent,
]


def _counts(world: World) -> dict[str, int]:
    with world.db.unit_of_work() as session:
        counts = {
            m.__tablename__: session.execute(select(func.count()).select_from(m)).scalar_one()
            for m in TABLES
        }
        statuses = session.execute(select(models.PanelSeat.status).order_by(models.PanelSeat.id))
        counts["seat statuses"] = hash(tuple(statuses.scalars()))
        vols = session.execute(select(models.Volunteer.status).order_by(models.Volunteer.id))
        counts["volunteer statuses"] = hash(tuple(vols.scalars()))
        return counts


Call = Callable[[World, Actor, dict[str, Any]], object]

ACTIONS: dict[str, Call] = {
    "create organisation": lambda w, a, c: uc.create_organisation(w.db, a, "Org Z"),
    "create user": lambda w, a, c: uc.create_user(w.db, a, "zed", "password1234", "evaluator"),
    "create deliberation": lambda w, a, c: uc.create_deliberation(w.db, a, "Another"),
    "create country": lambda w, a, c: uc.create_country(w.db, a, "Global Day", "DE", "Germany"),
    "create site": lambda w, a, c: uc.create_site(
        w.db, a, uc.NewSite("Global Day", "FR", "FR-x", "X", 60, "Org B")
    ),
    "set quotas": lambda w, a, c: uc.set_quotas(w.db, a, SITE, quotas_for()),
    "import pool": lambda w, a, c: uc.import_pool(w.db, a, SITE, c["pool"]),
    "register volunteer": lambda w, a, c: uc.register_volunteer(
        w.db,
        a,
        SITE,
        "NEW1",
        {"gender": "female", "age": "60+", "region": "north"},
        {"email": "new@example.org"},
    ),
    "run selection": lambda w, a, c: uc.run_selection(w.db, a, SITE, SelectionSettings(seed=1)),
    "record status": lambda w, a, c: uc.record_seat_status(
        w.db, a, c["run"], c["member"], "invited"
    ),
    "export panel": lambda w, a, c: uc.export_panel(w.db, a, run_id=c["run"], write=lambda f: None),
    "erase volunteer": lambda w, a, c: uc.erase_volunteer(w.db, a, c["member"]),
    "export volunteer": lambda w, a, c: uc.export_volunteer_data(w.db, a, c["member"]),
    "rerun": lambda w, a, c: uc.rerun_selection(w.db, a, c["run"]),
    "verify audit": lambda w, a, c: uc.verify_audit(w.db, a),
    "check feasibility": lambda w, a, c: uc.check_feasibility(w.db, a, SITE),
    "set criteria": lambda w, a, c: uc.set_criteria(w.db, a, "Global Day", ["gender"]),
    "classify pool": lambda w, a, c: uc.classify_pool(w.db, a, SITE, feature_columns=["name"]),
}

FORBIDDEN: dict[str, list[str]] = {
    "coordinator": [
        "create organisation",
        "create user",
        "create deliberation",
        "create country",
        "import pool",
        "register volunteer",
        "run selection",
        "record status",
        "erase volunteer",
        "export volunteer",
        "classify pool",
    ],
    "evaluator": [
        "create organisation",
        "create user",
        "create deliberation",
        "create country",
        "create site",
        "set quotas",
        "import pool",
        "register volunteer",
        "run selection",
        "record status",
        "erase volunteer",
        "export volunteer",
        "set criteria",
        "classify pool",
    ],
    # bob is a partner of another organisation: nothing on FR-lyon
    "other_partner": [
        "create organisation",
        "create user",
        "create deliberation",
        "create country",
        "create site",
        "set quotas",
        "import pool",
        "register volunteer",
        "run selection",
        "record status",
        "export panel",
        "erase volunteer",
        "export volunteer",
        "rerun",
        "verify audit",
        "check feasibility",
        "set criteria",
        "classify pool",
    ],
    "partner": [
        "create organisation",
        "create user",
        "create deliberation",
        "create country",
        "create site",
        "verify audit",
        "set criteria",
    ],
}


@pytest.fixture
def selected(
    selected_world: tuple[World, uc.RunSummary], tmp_path: Path
) -> tuple[World, dict[str, Any]]:
    world, summary = selected_world
    pool = write_pool(tmp_path / "more.csv", pool_frame(5, seed=9, prefix="Q"))
    return world, {"run": summary.run_id, "member": summary.selected[0], "pool": pool}


@pytest.mark.parametrize("role", sorted(FORBIDDEN))
def test_every_forbidden_action_is_refused_and_changes_nothing(
    selected: tuple[World, dict[str, Any]], role: str
) -> None:
    world, context = selected
    actor: Actor = getattr(world, role)
    for name in FORBIDDEN[role]:
        before = _counts(world)
        with pytest.raises(PermissionDenied) as caught:
            ACTIONS[name](world, actor, context)
        message = caught.value.message
        assert actor.login in message and actor.role in message, name
        assert caught.value.code == "permission_denied"
        assert _counts(world) == before, name


def test_the_message_says_who_what_and_where(selected: tuple[World, dict[str, Any]]) -> None:
    world, context = selected
    with pytest.raises(PermissionDenied) as caught:
        uc.erase_volunteer(world.db, world.other_partner, context["member"])
    assert caught.value.message.startswith(
        "Permission denied: bob (partner) may not erase a volunteer for site FR-lyon."
    )


def test_allowed_actions_of_each_role_go_through(selected: tuple[World, dict[str, Any]]) -> None:
    world, context = selected
    for role in ("coordinator", "evaluator"):
        actor = getattr(world, role)
        for name in ("export panel", "rerun", "verify audit", "check feasibility"):
            ACTIONS[name](world, actor, context)
    uc.set_quotas(world.db, world.coordinator, SITE, quotas_for())
    ACTIONS["set criteria"](world, world.coordinator, context)
    ACTIONS["classify pool"](world, world.partner, context)
    ACTIONS["record status"](world, world.partner, context)
    ACTIONS["export volunteer"](world, world.partner, context)


def test_partners_see_only_their_own_sites(world: World) -> None:
    paris = uc.NewSite("Global Day", "FR", "FR-paris", "Paris", 100, "Org B")
    uc.create_site(world.db, world.admin, paris)
    assert [s.code for s in uc.list_sites(world.db, world.partner)] == [SITE]
    assert [s.code for s in uc.list_sites(world.db, world.other_partner)] == ["FR-paris"]
    assert [s.code for s in uc.list_sites(world.db, world.evaluator)] == [SITE, "FR-paris"]


def test_the_permission_table() -> None:
    own, other = SiteRef("a", 1), SiteRef("b", 2)
    partner = Actor(1, "p", "partner", 1)
    assert allowed(partner, Action.VIEW_CONTACTS, own)
    assert not allowed(partner, Action.VIEW_CONTACTS, other)
    for role in ("coordinator", "evaluator"):
        assert not allowed(Actor(2, "x", role, None), Action.VIEW_CONTACTS, own)
    assert all(allowed(Actor(3, "a", "admin", None), action, other) for action in Action)
