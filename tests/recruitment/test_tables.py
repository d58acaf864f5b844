"""A site's tables in the service: seat the panel, read the plan, move one person; audited.

Runs on SQLite and PostgreSQL. Names (a personal column) are shown to the site's partner
only, and never stored with the plan or in the audit trail.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from klero.app import main
from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.models import AuditEvent, TablePlan
from recruitment.permissions import PermissionDenied
from recruitment.reports.tables import sites_frame
from tests.recruitment.conftest import PASSWORD, SITE, SIZE, World

SETTINGS = uc.TableSettings(
    balance=("gender", "age"), table_size=8, rounds=2, seed=1, name_column="name"
)


def _events(world: World, action: str) -> list[AuditEvent]:
    with world.db.unit_of_work() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.execute(query).scalars())


def test_seat_read_and_move_one_person(selected_world: tuple[World, uc.RunSummary]) -> None:
    world, summary = selected_world
    panel = sorted(summary.selected)
    apart = ((panel[0], panel[1], panel[2]),)
    settings = uc.TableSettings(**{**SETTINGS.__dict__, "apart": apart})
    view = uc.seat_site(world.db, world.partner, SITE, settings)
    seating = view.seating
    assert view.run_id == summary.run_id and seating.table_count == 7
    assert sorted(seating.request.ids) == panel and len(panel) == SIZE
    for r in range(2):
        sizes = np.bincount(seating.tables[r])[1:]
        assert sorted(sizes.tolist()) == [7] * 6 + [8]
        assert len({int(seating.tables[r, seating.request.ids.index(p)]) for p in apart[0]}) == 3
    assert seating.figures.deviation < seating.random.deviation
    assert set(view.names.values()) <= {f"Person {i}" for i in range(200)} and view.names
    # others see pseudonyms only; another organisation's partner sees nothing
    shown = uc.site_tables(world.db, world.coordinator, SITE)
    assert shown.names == {} and np.array_equal(shown.seating.tables, seating.tables)
    assert "name" not in shown.rows()[0] and len(shown.rows()) == 2 * SIZE
    with pytest.raises(PermissionDenied):
        uc.site_tables(world.db, world.other_partner, SITE)
    with pytest.raises(PermissionDenied):
        uc.seat_site(world.db, world.coordinator, SITE, SETTINGS)
    # one person moved by hand: the figures follow, the move is audited
    person = seating.request.ids[0]
    before = int(seating.tables[1, 0])
    target = 1 if before != 1 else 2
    moved = uc.move_person(world.db, world.partner, SITE, person, 2, target)
    assert int(moved.seating.tables[1, 0]) == target and moved.moves == 1
    counts = np.bincount(moved.seating.tables[1])[1:]
    assert counts[target - 1] == np.bincount(seating.tables[1])[target] + 1
    (event,) = _events(world, "tables.move")
    assert event.before == {"pseudonym": person, "round": 2, "table": before}
    assert event.after is not None and event.after["table"] == target
    assert event.after["figures"] == moved.seating.figures.summary()
    (seated,) = _events(world, "tables.seat")
    assert seated.after is not None and seated.after["tables"] == 7
    assert uc.verify_audit(world.db, world.evaluator).ok
    # the global report counts each site's tables
    report = uc.deliberation_report(world.db, world.coordinator, "Global Day")
    assert sites_frame(report).set_index("site").loc[SITE, "tables"] == 7
    with world.db.unit_of_work() as session:
        stored = json.dumps([p.seats for p in session.execute(select(TablePlan)).scalars()])
    trail = json.dumps([e.after for e in [*_events(world, "tables.seat"), event]])
    assert "Person" not in stored and "Person" not in trail


def test_bad_requests(selected_world: tuple[World, uc.RunSummary]) -> None:
    world, _ = selected_world
    with pytest.raises(KleroError) as found:
        uc.site_tables(world.db, world.partner, SITE)
    assert found.value.code == "tables_no_plan"
    bad = uc.TableSettings(**{**SETTINGS.__dict__, "balance": ("colour",)})
    with pytest.raises(KleroError) as found:
        uc.seat_site(world.db, world.partner, SITE, bad)
    assert found.value.code == "tables_column_not_stored"
    uc.seat_site(world.db, world.partner, SITE, SETTINGS)
    with pytest.raises(KleroError) as found:
        uc.move_person(world.db, world.partner, SITE, "nobody", 1, 1)
    assert found.value.code == "tables_person_unknown"
    person = uc.site_tables(world.db, world.partner, SITE).seating.request.ids[0]
    with pytest.raises(KleroError) as found:
        uc.move_person(world.db, world.partner, SITE, person, 3, 1)
    assert (found.value.code, found.value.exit_code) == ("tables_move_invalid", 2)


def test_klero_tables_for_a_site(
    selected_world: tuple[World, uc.RunSummary],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world, _ = selected_world
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_USER", "alice")
    base = ["tables", "--site", SITE]
    args = [*base, "--balance", "gender,age", "--table-size", "10", "--rounds", "2"]
    out, plan = tmp_path / "tables.csv", tmp_path / "plan.html"
    assert main([*args, "--seed", "4", "--name-column", "name", "--out", str(out)]) == 0
    assert "50 people at 5 tables of up to 10 for 2 rounds, seed 4" in capsys.readouterr().out
    assert main([*base, "--plan", str(plan), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["tables"] == 5 and payload["moves"] == 0
    assert "Person " in plan.read_text(encoding="utf-8")
    person = pd.read_csv(out)["id"][0]
    assert main([*base, "--move", person, "--to", "5", "--in-round", "2"]) == 0
    assert "Moved by hand: 1 time since" in capsys.readouterr().out
    monkeypatch.setenv("KLERO_USER", "coord")
    assert main([*base, "--plan", str(plan)]) == 0
    assert "Person " not in plan.read_text(encoding="utf-8")
    assert main([*base, "--move", person, "--to", "1"]) == 4
    assert main([*base, "--move", person]) == 2
