"""Selecting every ready site of a deliberation in one batch (issue 13 §5).

A site is *ready* when it belongs to the deliberation (and to the country asked for, if
any), has quotas, has at least one active consenting volunteer and has no succeeded run
and no running one. Every other site of the deliberation is *skipped* and listed with
the reason (already selected, by which run; a selection running; no quotas; no pool).

Each ready site is selected exactly as a single run (``recruitment.usecases.selection``):
the same step (1), start and snapshot in the database; step (2), the pure pipeline, run
by an executor (``recruitment.batch_compute``: inline, a local process pool or a Dask
cluster); step (3), seats stored and the run marked succeeded, or marked failed with the
error's code. Steps (1) and (3) stay in this process. A site's draw number is derived
from the batch's seed (or public number) and the site code (``batch_numbers``); the
batch's id, its number and the derivation are recorded in each run's settings
(``settings["batch"]``), so the run re-runs and verifies like any other.

End to end (a ``PropensityModel`` without margins), each site takes its stored census
margins as a ``--site`` run does, recorded in its run; one without fails
(``batch_site_no_margins``) and the others go on.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from quotas.messages import Message
from quotas.problems import KleroError
from recruitment import audit
from recruitment.batch_compute import ComputeFailure, Executor, Inline, Outcome
from recruitment.db import Database
from recruitment.models import Country, QuotaSet, SelectionRun, Site, Volunteer
from recruitment.permissions import Action, Actor, require
from recruitment.usecases.batch_numbers import DERIVATION, site_settings
from recruitment.usecases.common import deliberation_named
from recruitment.usecases.selection import _finish, _record_failure, _start, _Started
from sampling import SelectionSettings

STATUSES = ("selected", "infeasible", "failed", "skipped")
# On PostgreSQL each started run holds a connection (its liveness lock) until it ends, and
# the engine's pool holds 15 (SQLAlchemy's 5 + 10): this many runs at most are in flight.
MAX_IN_FLIGHT_POSTGRES = 12


@dataclass(frozen=True)
class SiteOutcome:
    """What the batch did at one site; ``message`` says it (a code and values)."""

    site: str
    country: str
    status: str  # one of STATUSES
    message: Message
    run_id: int | None = None
    seed: int | None = None
    public_number: int | None = None
    selected: int = 0
    alternates: int = 0
    error_code: str | None = None
    explanation: str | None = None
    seconds: float = 0.0
    #: Why the quotas cannot be met (``explanation``), to be written in any language.
    reasons: tuple[Message, ...] = ()


@dataclass(frozen=True)
class BatchReport:
    """A batch's outcome at every site of the deliberation (site order)."""

    batch_id: str
    deliberation: str
    seed: int | None
    public_number: int | None
    outcomes: list[SiteOutcome]
    seconds: float

    def count(self, status: str) -> int:
        """How many sites ended with ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def exit_code(self) -> int:
        """3 if any site failed, else 1 if any was infeasible, else 0 (skipped sites are fine)."""
        if self.count("failed"):
            return 3
        return 1 if self.count("infeasible") else 0

    @property
    def message(self) -> Message:
        """The one-line summary."""
        return Message(
            "batch_summary",
            {
                "batch": self.batch_id,
                "deliberation": self.deliberation,
                **{status: self.count(status) for status in STATUSES},
                "seconds": round(self.seconds, 1),
            },
        )


#: Called after each site's outcome: (outcome, sites done, sites in the batch).
BatchProgress = Callable[[SiteOutcome, int, int], None]


@dataclass(frozen=True)
class _Plan:
    ready: list[tuple[str, str]]  # (site code, country code)
    skipped: list[SiteOutcome]


def plan_batch(db: Database, actor: Actor, deliberation: str, country: str | None = None) -> _Plan:
    """The deliberation's ready sites and the skipped ones (see the module docstring)."""
    require(actor, Action.RUN_BATCH_SELECTION)
    with db.unit_of_work() as session:
        found = deliberation_named(session, deliberation)
        query = (
            select(Site.id, Site.code, Country.code)
            .join(Country, Country.id == Site.country_id)
            .where(Country.deliberation_id == found.id)
            .order_by(Site.code)
        )
        if country is not None:
            query = query.where(func.upper(Country.code) == country.upper())
        sites = session.execute(query).all()
        ids = [s[0] for s in sites]
        with_quotas = set(
            session.execute(select(QuotaSet.site_id).where(QuotaSet.site_id.in_(ids))).scalars()
        )
        with_pool = set(
            session.execute(
                select(Volunteer.site_id).where(
                    Volunteer.site_id.in_(ids),
                    Volunteer.status == "active",
                    Volunteer.consent.is_(True),
                )
            ).scalars()
        )
        runs = {
            (site_id, status): run_id
            for site_id, status, run_id in session.execute(
                select(SelectionRun.site_id, SelectionRun.status, func.max(SelectionRun.id))
                .where(
                    SelectionRun.site_id.in_(ids),
                    SelectionRun.status.in_(("succeeded", "running")),
                )
                .group_by(SelectionRun.site_id, SelectionRun.status)
            ).all()
        }
    ready: list[tuple[str, str]] = []
    skipped: list[SiteOutcome] = []
    for site_id, code, country_code in sites:
        reason = _not_ready(site_id, code, with_quotas, with_pool, runs)
        if reason is None:
            ready.append((code, country_code))
        else:
            run_id = reason.params.get("run_id")
            skipped.append(SiteOutcome(code, country_code, "skipped", reason, run_id=run_id))
    return _Plan(ready, skipped)


def _not_ready(
    site_id: int,
    code: str,
    with_quotas: set[int],
    with_pool: set[int],
    runs: dict[tuple[int, str], int],
) -> Message | None:
    if (site_id, "succeeded") in runs:
        return Message(
            "batch_site_already_selected", {"site": code, "run_id": runs[site_id, "succeeded"]}
        )
    if (site_id, "running") in runs:
        return Message("batch_site_running", {"site": code, "run_id": runs[site_id, "running"]})
    if site_id not in with_quotas:
        return Message("batch_site_no_quotas", {"site": code})
    if site_id not in with_pool:
        return Message("batch_site_no_pool", {"site": code})
    return None


def run_batch(
    db: Database,
    actor: Actor,
    deliberation: str,
    settings: SelectionSettings,
    *,
    country: str | None = None,
    executor: Executor | None = None,
    progress: BatchProgress | None = None,
    batch_id: str | None = None,
) -> BatchReport:
    """Select every ready site of ``deliberation`` (in ``country``) with ``settings``.

    ``settings`` carry the batch's seed or public number; each site gets its own
    (``site_number``). ``executor`` computes (default: inline, in this process). One
    site's infeasibility or failure never stops the others; ``progress`` is called after
    each site. Coordinators and admins only (``Action.RUN_BATCH_SELECTION``).
    """
    clock = time.perf_counter()
    plan = plan_batch(db, actor, deliberation, country)
    number = settings.seed if settings.seed is not None else settings.public_number
    assert number is not None
    batch: dict[str, Any] = {
        "id": batch_id or secrets.token_hex(6),
        "deliberation": deliberation,
        "source": "seed" if settings.seed is not None else "public_number",
        "number": number,
        "derivation": DERIVATION,
    }
    if settings.end_to_end is not None:
        batch["end_to_end"] = "given margins" if settings.end_to_end.margins else "site margins"
    _audit(db, actor, "batch.start", batch, ready=len(plan.ready), skipped=len(plan.skipped))
    total = len(plan.ready) + len(plan.skipped)
    tell = _Teller(progress, total)
    for outcome in plan.skipped:
        tell(outcome)
    own = executor is None
    runner = executor if executor is not None else Inline()
    try:
        done = _run_sites(db, actor, plan.ready, settings, batch, runner, tell)
    finally:
        if own:
            runner.close()
    outcomes = sorted([*plan.skipped, *done], key=lambda o: o.site)
    report = BatchReport(
        batch["id"],
        deliberation,
        settings.seed,
        settings.public_number,
        outcomes,
        time.perf_counter() - clock,
    )
    _audit(db, actor, "batch.end", batch, **{s: report.count(s) for s in STATUSES})
    return report


class _Teller:
    def __init__(self, progress: BatchProgress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, outcome: SiteOutcome) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(outcome, self.done, self.total)


def _audit(db: Database, actor: Actor, action: str, batch: dict[str, Any], **more: int) -> None:
    with db.unit_of_work() as session:
        found = deliberation_named(session, batch["deliberation"])
        audit.record(session, actor, action, "deliberation", found.id, after={**batch, **more})


@dataclass
class _Flight:
    started: _Started
    release: Callable[[], Any]
    clock: float
    country: str


def _run_sites(
    db: Database,
    actor: Actor,
    ready: list[tuple[str, str]],
    settings: SelectionSettings,
    batch: dict[str, Any],
    executor: Executor,
    tell: _Teller,
) -> list[SiteOutcome]:
    """Start sites as the executor has room (each started run holds a liveness marker)."""
    queue = deque(ready)
    flying: dict[Any, _Flight] = {}
    out: list[SiteOutcome] = []
    window = max(1, executor.window)
    if db.is_postgres:
        window = min(window, MAX_IN_FLIGHT_POSTGRES)
    try:
        while queue or flying:
            while queue and len(flying) < window:
                code, country = queue.popleft()
                chosen = site_settings(settings, code)
                try:
                    started, release = _start(
                        db, actor, code, chosen, action=Action.RUN_BATCH_SELECTION, batch=batch
                    )
                except KleroError as exc:  # e.g. started meanwhile, or unreadable pool data
                    failed = _not_started(code, country, chosen, exc)
                    out.append(failed)
                    tell(failed)
                    continue
                flight = _Flight(started, release, time.perf_counter(), country)
                try:
                    flying[executor.submit(started.request)] = flight
                except BaseException as exc:
                    _record_failure(db, actor, started.run_id, exc)
                    release()
                    raise
            for handle in executor.done(list(flying)) if flying else []:
                outcome = _conclude(db, actor, flying.pop(handle), executor.outcome(handle))
                out.append(outcome)
                tell(outcome)
    except BaseException as exc:  # interrupted: no run is left running
        for flight in flying.values():
            _record_failure(db, actor, flight.started.run_id, exc)
            flight.release()
        raise
    return out


def _not_started(
    code: str, country: str, chosen: SelectionSettings, exc: KleroError
) -> SiteOutcome:
    plain = exc.code != "end_to_end_margins_missing"
    params = {"site": code, "error": exc.code} if plain else {"site": code}
    return SiteOutcome(
        code,
        country,
        "failed",
        Message("batch_site_not_started" if plain else "batch_site_no_margins", params),
        seed=chosen.seed,
        public_number=chosen.public_number,
        error_code=exc.code,
        explanation=exc.message,
    )


def _conclude(db: Database, actor: Actor, flight: _Flight, outcome: Outcome) -> SiteOutcome:
    """Step (3) for one site: store the panel, or record the failure, as a single run does."""
    started = flight.started
    request = started.request
    base: dict[str, Any] = {
        "site": started.site,
        "country": flight.country,
        "run_id": started.run_id,
        "seed": request.settings.seed,
        "public_number": request.settings.public_number,
    }
    try:
        seconds = time.perf_counter() - flight.clock
        if isinstance(outcome, ComputeFailure):
            _record_failure(db, actor, started.run_id, outcome.error())
            return _failure(base, outcome, seconds)
        try:
            _finish(db, actor, started, outcome, seconds)
        except Exception as exc:
            _record_failure(db, actor, started.run_id, exc)
            code = str(getattr(exc, "code", type(exc).__name__))
            return _failure(base, ComputeFailure(code), seconds)
        message = Message(
            "batch_site_selected",
            {
                "site": started.site,
                "run_id": started.run_id,
                "selected": len(outcome.selected),
                "alternates": len(outcome.alternate_ids),
            },
        )
        return SiteOutcome(
            status="selected",
            message=message,
            selected=len(outcome.selected),
            alternates=len(outcome.alternate_ids),
            seconds=seconds,
            **base,
        )
    finally:
        flight.release()


def _failure(base: dict[str, Any], failure: ComputeFailure, seconds: float) -> SiteOutcome:
    values = {"site": base["site"], "run_id": base["run_id"]}
    infeasible = failure.infeasible
    message = (
        Message("batch_site_infeasible", values)
        if infeasible
        else Message("batch_site_failed", {**values, "error": failure.code})
    )
    return SiteOutcome(
        status="infeasible" if infeasible else "failed",
        message=message,
        error_code=failure.code,
        explanation=failure.explanation if infeasible else None,
        seconds=seconds,
        reasons=failure.reasons if infeasible else (),
        **base,
    )
