"""Re-running a recorded selection from its snapshot and comparing the panels: the audit check.

Anyone allowed (evaluators, coordinators, admins, the site's partner) can re-run a run:
the pool and quotas come from the run's own record, not from today's database, so later
imports or erasures do not change the answer. The request is rebuilt from the record
(snapshot and stored settings, whichever engine's shape they have) and goes through the
same pipeline as every selection (``sampling.pipeline``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from quotas.problems import KleroError, raise_if_errors
from recruitment import audit
from recruitment.db import Database
from recruitment.models import PanelSeat, SelectionRun, Volunteer
from recruitment.permissions import Action, Actor
from recruitment.usecases.common import pool_of, site_for, table_from_rows
from recruitment.usecases.selection import frame_of
from sampling import ENGINE, SelectionRequest, SelectionSettings, select_panel

# What runs recorded before engines were versioned are reported as.
EARLIER_ENGINE = "before 2026-11-30.2"


@dataclass(frozen=True)
class RerunReport:
    """A re-run compared with the record."""

    run_id: int
    same_inputs: bool
    same_panel: bool
    same_alternates: bool
    recorded_sha256: str
    rerun_sha256: str
    lottery_index: int | None
    rerun_lottery_index: int
    recorded: list[str]
    rerun: list[str]
    missing: list[str]
    extra: list[str]
    recorded_engine: str = EARLIER_ENGINE
    engine: str = ENGINE

    @property
    def ok(self) -> bool:
        """Whether the re-run confirms the record in every respect."""
        return self.same_inputs and self.same_panel and self.same_alternates

    @property
    def message(self) -> str:
        """One sentence for the person who asked (in English)."""
        return self.text()

    def text(self, lang: str = "en") -> str:
        """One sentence for the person who asked, in ``lang``."""
        return self._outcome().message_in(lang)

    def _outcome(self) -> KleroError:
        if self.ok:
            return KleroError(
                "rerun_same",
                run_id=self.run_id,
                digest=self.rerun_sha256,
                index=self.rerun_lottery_index,
                size=len(self.rerun),
            )
        if self.recorded_engine != self.engine:
            return KleroError(
                "rerun_engine_changed",
                run_id=self.run_id,
                recorded=self.recorded_engine,
                engine=self.engine,
            )
        return KleroError(
            "rerun_different",
            run_id=self.run_id,
            inputs="identical" if self.same_inputs else "DIFFERENT",
            index=self.lottery_index,
            rerun_index=self.rerun_lottery_index,
            missing=len(self.missing),
            extra=len(self.extra),
        )


def rerun_selection(db: Database, actor: Actor, run_id: int) -> RerunReport:
    """Re-run run ``run_id`` from its record and compare panel, alternates and lottery number."""
    with db.unit_of_work() as session:
        run = session.get(SelectionRun, run_id)
        if run is None:
            raise KleroError("run_not_found", run_id=run_id)
        site = site_for(session, actor, run.site_id, Action.RERUN_SELECTION)
        if run.status != "succeeded":
            raise KleroError("run_not_succeeded", run_id=run_id, status=run.status)
        seats = session.execute(
            select(PanelSeat.kind, PanelSeat.rank, Volunteer.pseudonym)
            .join(Volunteer, Volunteer.id == PanelSeat.volunteer_id)
            .where(PanelSeat.run_id == run_id)
            .order_by(PanelSeat.kind, PanelSeat.rank)
        ).all()
        snapshot, rows, settings = run.inputs["pool"], run.inputs["quotas"], dict(run.settings)
        algorithm, seed, number = run.algorithm, run.seed, run.public_number
        size, recorded_sha, recorded_index = run.size, run.input_sha256, run.lottery_index
        site_id = site.id
    quotas = table_from_rows(rows)
    loaded = pool_of(frame_of(snapshot), quotas, f"run {run_id}")
    raise_if_errors(loaded.problems)
    assert loaded.pool is not None
    chosen = SelectionSettings.from_record(
        algorithm=algorithm, seed=seed, public_number=number, settings=settings
    )
    result = select_panel(SelectionRequest(loaded.pool, quotas, size, chosen))
    recorded = sorted(p for kind, _, p in seats if kind == "selected")
    recorded_alternates = [p for kind, _, p in seats if kind == "alternate"]
    rerun = sorted(result.selected)
    report = RerunReport(
        run_id=run_id,
        same_inputs=result.input_sha256 == recorded_sha,
        same_panel=rerun == recorded and result.drawn.index == recorded_index,
        same_alternates=result.alternate_ids == recorded_alternates,
        recorded_sha256=recorded_sha,
        rerun_sha256=result.input_sha256,
        lottery_index=recorded_index,
        rerun_lottery_index=result.drawn.index,
        recorded=recorded,
        rerun=rerun,
        missing=sorted(set(recorded) - set(rerun)),
        extra=sorted(set(rerun) - set(recorded)),
        recorded_engine=str(settings.get("engine", EARLIER_ENGINE)),
    )
    with db.unit_of_work() as session:
        audit.record(
            session,
            actor,
            "selection.rerun",
            "run",
            run_id,
            site_id=site_id,
            after={
                "same_inputs": report.same_inputs,
                "same_panel": report.same_panel,
                "same_alternates": report.same_alternates,
                "rerun_lottery_index": report.rerun_lottery_index,
                "recorded_engine": report.recorded_engine,
                "engine": report.engine,
            },
        )
    return report


@dataclass(frozen=True)
class RunView:
    """A selection run as listed."""

    run_id: int
    site: str
    status: str
    algorithm: str
    size: int
    alternates: int
    lottery_index: int | None
    input_sha256: str
    started_by: str
    started_at: str
    error_code: str | None


def list_runs(db: Database, actor: Actor, site: str) -> list[RunView]:
    """The selection runs of a site, newest first."""
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.VIEW_SITE)
        runs = session.execute(
            select(SelectionRun)
            .where(SelectionRun.site_id == found.id)
            .order_by(SelectionRun.id.desc())
        ).scalars()
        return [
            RunView(
                r.id,
                found.code,
                r.status,
                r.algorithm,
                r.size,
                r.alternates,
                r.lottery_index,
                r.input_sha256,
                r.started_by,
                r.started_at.isoformat(),
                r.error_code,
            )
            for r in runs
        ]
