"""Selecting, re-running and following up a site's panel through the use cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from quotas.model import quota_table
from quotas.problems import InvalidInput, KleroError
from quotas.targets import Margins
from recruitment import usecases as uc
from recruitment.models import AuditEvent, PanelSeat, SelectionRun, Volunteer
from recruitment.usecases import selection
from sampling import SelectionSettings
from sampling.errors import InfeasibleQuotas
from tests.recruitment.conftest import SITE, SIZE, World, pool_frame, quotas_for, write_pool


def _seats(world: World, run_id: int) -> int:
    with world.db.unit_of_work() as session:
        query = select(func.count()).select_from(PanelSeat).where(PanelSeat.run_id == run_id)
        return int(session.execute(query).scalar_one())


def _run(world: World, run_id: int) -> SelectionRun:
    with world.db.unit_of_work() as session:
        run = session.get(SelectionRun, run_id)
        assert run is not None
        return run


def test_a_run_stores_panel_alternates_and_everything_to_rerun_it(ready: World) -> None:
    summary = uc.run_selection(
        ready.db, ready.partner, SITE, SelectionSettings(seed=11, alternates=4)
    )
    assert len(summary.selected) == SIZE and len(summary.alternates) == 4
    assert not set(summary.selected) & set(summary.alternates)
    run = _run(ready, summary.run_id)
    assert run.status == "succeeded" and run.lottery_index == summary.lottery_index
    assert len(run.input_sha256) == 64 and run.inputs["pool"]["rows"]
    assert run.probabilities is not None
    assert sum(run.probabilities.values()) == pytest.approx(SIZE)
    assert run.fairness is not None and run.fairness["min"] > 0
    assert _seats(ready, summary.run_id) == SIZE + 4
    panel = uc.prepare_panel_export(ready.db, ready.evaluator, run_id=summary.run_id).frame
    members = panel[panel["kind"] == "selected"]
    for q in quotas_for():
        count = int((members[q.feature] == q.value).sum())
        assert q.min <= count <= q.max, q
    with ready.db.unit_of_work() as session:
        keys = (
            session.execute(
                select(Volunteer.household_key).where(Volunteer.pseudonym.in_(summary.selected))
            )
            .scalars()
            .all()
        )
    shared = [k for k in keys if k]
    assert len(shared) == len(set(shared))  # at most one per household


def test_a_rerun_gives_the_same_panel_even_after_the_pool_changed(
    ready: World, tmp_path: Path
) -> None:
    summary = uc.run_selection(
        ready.db, ready.partner, SITE, SelectionSettings(public_number=123456, alternates=2)
    )
    assert summary.lottery_index == 123456 % 1000
    uc.erase_volunteer(ready.db, ready.partner, summary.selected[0])
    path = write_pool(tmp_path / "more.csv", pool_frame(10, seed=4, prefix="Z"))
    uc.import_pool(ready.db, ready.partner, SITE, path, address_columns=["address"])
    report = uc.rerun_selection(ready.db, ready.evaluator, summary.run_id)
    assert report.ok, report.message
    assert report.rerun == sorted(summary.selected)
    assert "same panel" in report.message
    with ready.db.unit_of_work() as session:
        last = session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
        assert last is not None and last.action == "selection.rerun" and last.actor == "eve"


def test_a_table_being_edited_is_checked_against_the_pool_and_not_saved(ready: World) -> None:
    older = sum(1 for a in pool_frame()["age"] if a == "60+")
    saved = uc.site_quotas(ready.db, ready.partner, SITE)
    edited = saved.table.with_bounds("age", "60+", older + 1, SIZE)
    result = uc.check_feasibility(ready.db, ready.evaluator, SITE, edited, time_limit=20.0)
    assert not result.feasible and result.relaxation is not None
    assert result.relaxation.table(edited).bounds("age", "60+")[0] <= older
    assert uc.check_feasibility(ready.db, ready.evaluator, SITE).feasible  # the saved quotas
    assert uc.site_quotas(ready.db, ready.partner, SITE).version == saved.version


def test_infeasible_quotas_fail_the_run_without_seats(ready: World) -> None:
    older = sum(1 for a in pool_frame()["age"] if a == "60+")
    tight = quota_table(
        [
            ("gender", "female", 0, SIZE),
            ("gender", "male", 0, SIZE),
            ("age", "16-34", 0, SIZE),
            ("age", "35-59", 0, SIZE),
            ("age", "60+", older + 1, SIZE),
        ]
    )
    uc.set_quotas(ready.db, ready.partner, SITE, tight)
    assert not uc.check_feasibility(ready.db, ready.partner, SITE).feasible
    with pytest.raises(InfeasibleQuotas):
        uc.run_selection(ready.db, ready.partner, SITE, SelectionSettings(seed=1))
    with ready.db.unit_of_work() as session:
        run = session.execute(select(SelectionRun)).scalar_one()
        assert (run.status, run.error_code) == ("failed", "quotas_infeasible")
    assert _seats(ready, run.id) == 0


def test_a_failure_while_storing_leaves_no_partial_panel(
    ready: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_result: object) -> dict[str, float]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(selection, "_figures", broken)
    with pytest.raises(RuntimeError):
        uc.run_selection(ready.db, ready.partner, SITE, SelectionSettings(seed=1, alternates=3))
    runs = uc.list_runs(ready.db, ready.partner, SITE)
    assert [(r.status, r.error_code) for r in runs] == [("failed", "RuntimeError")]
    assert _seats(ready, runs[0].run_id) == 0
    monkeypatch.undo()
    assert (
        uc.run_selection(ready.db, ready.partner, SITE, SelectionSettings(seed=1)).run_id
        == runs[0].run_id + 1
    )


def test_a_second_run_while_one_is_running_is_refused(
    ready: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner: list[KleroError] = []
    real = selection._compute

    def compute_and_try_again(*args: Any, **kwargs: Any) -> Any:
        with pytest.raises(KleroError) as caught:
            uc.run_selection(ready.db, ready.partner, SITE, SelectionSettings(seed=2))
        inner.append(caught.value)
        return real(*args, **kwargs)

    monkeypatch.setattr(selection, "_compute", compute_and_try_again)
    summary = uc.run_selection(ready.db, ready.partner, SITE, SelectionSettings(seed=1))
    assert inner[0].code == "selection_already_running"
    assert f"run {summary.run_id}" in inner[0].message
    assert [r.status for r in uc.list_runs(ready.db, ready.partner, SITE)] == ["succeeded"]


def test_seat_statuses_follow_the_invitation_workflow(ready: World) -> None:
    summary = uc.run_selection(
        ready.db, ready.partner, SITE, SelectionSettings(seed=5, alternates=2)
    )
    first, second = summary.selected[:2]
    for step in ("invited", "confirmed", "attended"):
        uc.record_seat_status(ready.db, ready.partner, summary.run_id, first, step)
    uc.record_seat_status(ready.db, ready.partner, summary.run_id, second, "invited")
    uc.record_seat_status(ready.db, ready.partner, summary.run_id, second, "declined")
    with pytest.raises(KleroError) as caught:
        uc.record_seat_status(ready.db, ready.partner, summary.run_id, second, "confirmed")
    assert caught.value.code == "seat_status_transition"
    status = uc.panel_status(ready.db, ready.coordinator, SITE)
    assert status.counts["selected"] == {"attended": 1, "declined": 1, "selected": SIZE - 2}
    assert status.counts["alternate"] == {"selected": 2}
    assert status.vacancies == 1


def test_exports_show_contacts_only_to_the_sites_partner(ready: World) -> None:
    summary = uc.run_selection(ready.db, ready.partner, SITE, SelectionSettings(seed=5))
    own = uc.prepare_panel_export(ready.db, ready.partner, SITE).frame
    assert {"contact:email", "contact:name", "external_id"} <= set(own.columns)
    assert len(own) == SIZE
    for actor in (ready.coordinator, ready.evaluator):
        shown = uc.prepare_panel_export(ready.db, actor, run_id=summary.run_id).frame
        assert not [c for c in shown.columns if c.startswith("contact") or c == "external_id"]
        assert "example.org" not in shown.to_csv()


def test_quotas_from_margins_make_a_new_version(world: World) -> None:
    uc.set_quotas(world.db, world.partner, SITE, quotas_for())
    margins = Margins(
        {"gender": {"female": 0.52, "male": 0.48}, "age": {"16-34": 0.3, "35-59": 0.4, "60+": 0.3}}
    )
    view = uc.set_quotas_from_margins(world.db, world.coordinator, SITE, margins, tolerance_seats=2)
    assert (view.version, view.source) == (2, "margins")
    assert view.table.bounds("gender", "female") == (24, 28)
    assert uc.site_quotas(world.db, world.evaluator, SITE, version=1).table == quotas_for()


def test_alternates_use_the_given_dropout_rates_recorded_with_the_run(ready: World) -> None:
    rates = {("age", "16-34"): 0.6, ("*", "*"): 0.1}
    summary = uc.run_selection(
        ready.db, ready.partner, SITE, SelectionSettings(seed=3, alternates=4, dropout=rates)
    )
    run = _run(ready, summary.run_id)
    assert run.settings["alternates_dropout"] == [["*", "*", 0.1], ["age", "16-34", 0.6]]
    report = uc.rerun_selection(ready.db, ready.evaluator, summary.run_id)
    assert report.ok, report.message
    # The rates reach the alternates' optimiser: a category it does not know is refused.
    with pytest.raises(InvalidInput) as refused:
        uc.run_selection(
            ready.db,
            ready.partner,
            SITE,
            SelectionSettings(seed=3, alternates=4, dropout={("age", "99+"): 0.5}),
        )
    assert [p.code for p in refused.value.problems] == ["dropout_category_unknown"]
    assert _run(ready, summary.run_id + 1).status == "failed"


def test_a_run_records_its_engine_and_a_rerun_by_another_engine_says_so(ready: World) -> None:
    from recruitment.usecases.reruns import RerunReport
    from sampling.engine.select import ENGINE

    summary = uc.run_selection(ready.db, ready.partner, SITE, SelectionSettings(seed=6))
    assert _run(ready, summary.run_id).settings["engine"] == ENGINE
    report = uc.rerun_selection(ready.db, ready.evaluator, summary.run_id)
    assert report.ok and report.recorded_engine == report.engine == ENGINE
    older = RerunReport(
        **{**report.__dict__, "same_panel": False, "recorded_engine": "2026-01-01.1"}
    )
    assert not older.ok
    assert "selection engine 2026-01-01.1" in older.message and ENGINE in older.message
    assert "DIFFERENT" not in older.message
