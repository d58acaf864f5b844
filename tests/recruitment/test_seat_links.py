"""Which seat each replacement fills: stored, shown, and migrated from the audit trail."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from klero.app import main
from quotas.problems import InvalidInput, KleroError
from recruitment import audit
from recruitment import usecases as uc
from recruitment.dashboard_support import run_details, suggest_replacement
from recruitment.db import downgrade, head_revision, make_engine, upgrade
from recruitment.models import PanelSeat, Volunteer
from recruitment.usecases.seats import SeatLine, current_panel, empty_seats, open_dropouts
from tests.recruitment.conftest import PASSWORD, SITE, World

Selected = tuple[World, uc.RunSummary]


def _links(world: World, run_id: int) -> dict[str, str]:
    """Replacement -> replaced, by pseudonym, as the database holds them."""
    status = uc.panel_status(world.db, world.coordinator, run_id=run_id)
    return {link["pseudonym"]: link["replaces"] for link in status.replacements}


def _decline(world: World, run_id: int, *people: str) -> None:
    for person in people:
        uc.record_seat_status(world.db, world.partner, run_id, person, "declined")


def _added(result: uc.ReplacementSummary) -> str:
    (added,) = result.added
    return str(added["pseudonym"])


def test_seat_lines_say_which_drop_outs_are_open() -> None:
    x = SeatLine("X", "selected", 1, "declined")
    y = SeatLine("Y", "selected", 2, "withdrawn")
    z = SeatLine("Z", "selected", 3, "confirmed")
    a = SeatLine("A", "alternate", 1, "declined", replaces="X")  # a replacement who left
    b = SeatLine("B", "alternate", 2, "invited", replaces="A")
    c = SeatLine("C", "alternate", 3, "declined")  # declined while on the reserve list
    d = SeatLine("D", "alternate", 4, "selected")
    lines = [x, y, z, a, b, c, d]
    assert open_dropouts(lines) == ["Y"]  # X is filled by A, A by B; C never held a seat
    assert empty_seats(4, lines) == 2  # Z and B hold two of four seats
    assert current_panel(lines, ["Y", "C"]) == ["Y", "Z", "B"]


def test_two_declined_one_replaced_leaves_the_other_seat_open(selected_world: Selected) -> None:
    world, summary = selected_world
    run = summary.run_id
    first, second = summary.selected[:2]
    _decline(world, run, first, second)
    replacement = _added(uc.replace_dropouts(world.db, world.partner, run, [first]))
    assert _links(world, run) == {replacement: first}
    status = uc.panel_status(world.db, world.coordinator, run_id=run)
    assert status.open_dropouts == [second] and status.vacancies == 1
    details = run_details(world.db, world.partner, SITE)
    assert details is not None
    shown = details.seats.set_index("pseudonym")
    assert shown.loc[first, "replaced_by"] == replacement and shown.loc[first, "replaces"] == ""
    assert shown.loc[replacement, "replaces"] == first
    assert shown.loc[second, "replaced_by"] == ""
    # The replaced seat is refused, by name, even though one seat is still empty.
    for attempt in (
        lambda: uc.replace_dropouts(world.db, world.partner, run, [first]),
        lambda: suggest_replacement(world.db, world.partner, run, [first]),
    ):
        with pytest.raises(KleroError) as raised:
            attempt()
        assert raised.value.code == "replace_already_replaced"
        assert f"{first} ({replacement})" in raised.value.message
        assert raised.value.params["open"] == second
    # The open seat is the one that gets filled, and the label names the right person.
    suggested = suggest_replacement(world.db, world.partner, run, [second])
    assert [a.replaces for a in suggested.added] == [second]
    other = _added(uc.replace_dropouts(world.db, world.partner, run, [second]))
    assert _links(world, run) == {replacement: first, other: second}
    status = uc.panel_status(world.db, world.coordinator, run_id=run)
    assert status.open_dropouts == [] and status.vacancies == 0


def test_a_replacement_who_drops_out_is_replaced_in_turn(selected_world: Selected) -> None:
    world, summary = selected_world
    run = summary.run_id
    first = summary.selected[0]
    _decline(world, run, first)
    replacement = _added(uc.replace_dropouts(world.db, world.partner, run, [first]))
    _decline(world, run, replacement)  # invited -> declined
    status = uc.panel_status(world.db, world.coordinator, run_id=run)
    assert status.open_dropouts == [replacement] and status.vacancies == 1
    with pytest.raises(KleroError) as raised:
        uc.replace_dropouts(world.db, world.partner, run, [first])
    assert raised.value.code == "replace_already_replaced"
    second = _added(uc.replace_dropouts(world.db, world.partner, run, [replacement]))
    assert _links(world, run) == {replacement: first, second: replacement}
    export = uc.prepare_panel_export(world.db, world.coordinator, run_id=run).frame
    export = export.set_index("pseudonym")
    assert list(export.loc[first, ["replaces", "replaced_by"]]) == ["", replacement]
    assert list(export.loc[replacement, ["replaces", "replaced_by"]]) == [first, second]
    assert list(export.loc[second, ["replaces", "replaced_by"]]) == [replacement, ""]
    assert export.loc[second, "kind"] == "alternate"  # the draw stays what it was
    assert uc.rerun_selection(world.db, world.evaluator, run).ok
    assert uc.panel_status(world.db, world.coordinator, run_id=run).open_dropouts == []


def test_an_alternate_declining_on_the_reserve_list_leaves_no_seat_open(
    selected_world: Selected,
) -> None:
    world, summary = selected_world
    run = summary.run_id
    reserve = summary.alternates[0]
    _decline(world, run, reserve)  # never invited: never on the panel
    status = uc.panel_status(world.db, world.coordinator, run_id=run)
    assert status.open_dropouts == [] and status.vacancies == 0
    with pytest.raises(InvalidInput) as raised:
        uc.replace_dropouts(world.db, world.partner, run, [reserve])
    assert raised.value.code == "replace_dropped_not_on_panel"


def test_panel_status_and_export_show_the_link_on_the_command_line(
    selected_world: Selected,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    world, summary = selected_world
    run = summary.run_id
    first, second = summary.selected[:2]
    _decline(world, run, first, second)
    replacement = _added(uc.replace_dropouts(world.db, world.partner, run, [first]))
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_USER", "coord")
    capsys.readouterr()
    assert main(["panel", "status", "--site", SITE]) == 0
    out = capsys.readouterr().out
    assert "1 vacancy" in out
    assert f"{replacement} replaces {first}" in out
    assert f"open drop-outs (not replaced yet): {second}" in out
    assert main(["panel", "status", "--run", str(run), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["replacements"] == [{"pseudonym": replacement, "replaces": first}]
    assert report["open_dropouts"] == [second] and report["vacancies"] == 1
    out_file = tmp_path / "panel.csv"
    assert main(["panel", "export", "--run", str(run), "--out", str(out_file)]) == 0
    frame = pd.read_csv(out_file, keep_default_na=False).set_index("pseudonym")
    assert frame.loc[replacement, "replaces"] == first
    assert frame.loc[first, "replaced_by"] == replacement
    assert not [c for c in frame.columns if c.startswith("contact")]  # coordinator
    monkeypatch.setenv("KLERO_USER", "alice")
    args = ["panel", "replace", "--run", str(run), "--dropped", first]
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "already replaced" in err and "Traceback" not in err


def _seat_links(engine_url: str) -> dict[str, str | None]:
    """Alternate -> the pseudonym whose seat it fills (None when unlinked), read raw."""
    engine = make_engine(engine_url)
    try:
        with engine.connect() as c:
            rows = c.execute(
                text(
                    "SELECT v.pseudonym, r.pseudonym FROM panel_seat s "
                    "JOIN volunteer v ON v.id = s.volunteer_id "
                    "LEFT JOIN panel_seat t ON t.id = s.replaces_id "
                    "LEFT JOIN volunteer r ON r.id = t.volunteer_id "
                    "WHERE s.kind = 'alternate'"
                )
            ).all()
        return {str(a): None if b is None else str(b) for a, b in rows}
    finally:
        engine.dispose()


def test_upgrade_links_past_replacements_from_the_audit_trail(selected_world: Selected) -> None:
    world, summary = selected_world
    run = summary.run_id
    first, second, third = summary.selected[:3]
    _decline(world, run, first, second)
    replacement = _added(uc.replace_dropouts(world.db, world.partner, run, [first]))
    linked = _seat_links(world.db.url)
    assert linked[replacement] == first
    seats_before = _seat_rows(world)
    url = world.db.url
    world.db.dispose()

    assert downgrade(url, "0002") == "0002"
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            columns = c.execute(text("SELECT * FROM panel_seat")).keys()
        assert "replaces_id" not in columns
        # Events an older version could have written: the same seat replaced twice (the
        # second link is left out), and a pseudonym the run does not know.
        other = next(a for a in summary.alternates if a != replacement)
        with Session(engine) as session, session.begin():
            for added in ({"pseudonym": other, "replaces": first}, {"pseudonym": "nobody"}):
                audit.record(
                    session,
                    world.partner,
                    "panel.replaced",
                    "run",
                    run,
                    after={"added": [{**added, "replaces": added.get("replaces", third)}]},
                )
    finally:
        engine.dispose()

    assert upgrade(url) == head_revision()
    assert _seat_links(url) == linked  # the first replacement linked, nothing else
    assert _seat_rows(world) == seats_before  # statuses and ranks kept
    assert uc.verify_audit(world.db, world.evaluator).ok
    status = uc.panel_status(world.db, world.coordinator, run_id=run)
    assert status.open_dropouts == [second]
    assert downgrade(url, "0002") == "0002" and upgrade(url) == head_revision()
    assert _seat_links(url) == linked


def _seat_rows(world: World) -> list[tuple[str, str, int, str]]:
    with world.db.unit_of_work() as session:
        rows = session.execute(
            select(Volunteer.pseudonym, PanelSeat.kind, PanelSeat.rank, PanelSeat.status)
            .join(Volunteer, Volunteer.id == PanelSeat.volunteer_id)
            .order_by(PanelSeat.id)
        ).all()
        return [(str(p), str(k), int(r), str(s)) for p, k, r, s in rows]
