"""Selecting a site's panel, recording everything needed to re-run it, and re-running it.

A run has three steps. (1) In one transaction, with the site row locked: refuse if a run
of the site is already going, snapshot the pool and quotas, and record the run as
``running`` with the request's canonical settings and hash. (2) Outside any transaction:
run the selection pipeline (``sampling.pipeline``, the same as ``klero select`` on files).
(3) In one transaction: store every seat and mark the run ``succeeded``; on any failure
the run is marked ``failed`` and has no seat. A process that dies in step (2) leaves a
``running`` run behind; the next start (``recover_interrupted_runs``) marks it failed.
"""

from __future__ import annotations

import os
import secrets as _secrets
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quotas.problems import EnvironmentFailure, KleroError, raise_if_errors
from recruitment import audit
from recruitment.db import Database
from recruitment.models import PanelSeat, SelectionRun, Volunteer, utcnow
from recruitment.permissions import Action, Actor
from recruitment.usecases.common import (
    active_volunteers,
    current_quota_set,
    pool_of,
    require_clear_features,
    site_for,
    table_from_rows,
    volunteer_frame,
)
from recruitment.usecases.recovery import HOST, alive_marker, mark_failed, recover_site_runs
from sampling import (
    DEFAULT_DROPOUT,
    Algorithm,
    DropoutSpec,
    Progress,
    SelectionRequest,
    SelectionResult,
    SelectionSettings,
    select_panel,
)


@dataclass(frozen=True)
class RunSummary:
    """A finished selection: the panel (pseudonyms), the alternates and how it was drawn."""

    run_id: int
    site: str
    algorithm: str
    size: int
    seed: int | None
    public_number: int | None
    lottery_size: int
    lottery_index: int
    input_sha256: str
    selected: list[str]
    alternates: list[str]
    fairness: dict[str, float]
    seconds: float


@dataclass(frozen=True)
class _Started:
    run_id: int
    site: str
    site_id: int
    request: SelectionRequest


# -- the pool snapshot ------------------------------------------------------------------


def _snapshot(frame: pd.DataFrame) -> dict[str, Any]:
    """A run's stored pool: a frame of ``volunteer_frame(volunteers, quota features)``.

    Pseudonyms, the quotas' criteria and household labels only (``recruitment.snapshots``).
    """
    return {"columns": [str(c) for c in frame.columns], "rows": frame.to_numpy().tolist()}


def frame_of(snapshot: dict[str, Any]) -> pd.DataFrame:
    """The pool frame a run's stored snapshot holds."""
    return pd.DataFrame(snapshot["rows"], columns=snapshot["columns"], dtype=object)


# -- the three steps ------------------------------------------------------------------


def _start(
    db: Database,
    actor: Actor,
    site: str,
    settings: SelectionSettings,
) -> tuple[_Started, Callable[[], Any]]:
    marker = ExitStack()
    try:
        with db.unit_of_work() as session:
            started = _record_start(session, db, marker, actor, site, settings)
    except BaseException:
        marker.close()
        raise
    return started, marker.close


def _record_start(
    session: Session,
    db: Database,
    marker: ExitStack,
    actor: Actor,
    site: str,
    settings: SelectionSettings,
) -> _Started:
    found = site_for(session, actor, site, Action.RUN_SELECTION, lock=True)
    recover_site_runs(session, found.id)
    running = session.execute(
        select(SelectionRun).where(
            SelectionRun.site_id == found.id, SelectionRun.status == "running"
        )
    ).scalar_one_or_none()
    if running is not None:
        raise _already_running(found.code, running)
    qs = current_quota_set(session, found.id)
    if qs is None:
        raise KleroError("site_has_no_quotas", site=found.code)
    volunteers = active_volunteers(session, found.id)
    if not volunteers:
        raise KleroError("site_pool_empty", site=found.code)
    quotas = table_from_rows(qs.rows)
    require_clear_features(found, volunteers, quotas)
    frame = volunteer_frame(volunteers, quotas.features)
    loaded = pool_of(frame, quotas, f"site {found.code}")
    raise_if_errors(loaded.problems)
    assert loaded.pool is not None
    request = SelectionRequest(loaded.pool, quotas, found.panel_size, settings)
    run = SelectionRun(
        site_id=found.id,
        quota_set_id=qs.id,
        algorithm=str(settings.algorithm),
        size=request.size,
        alternates=settings.alternates,
        seed=settings.seed,
        public_number=settings.public_number,
        lottery_size=settings.lottery_size,
        input_sha256=request.input_sha256,
        settings=settings.canonical(),
        inputs={"pool": _snapshot(frame), "quotas": qs.rows, "quota_version": qs.version},
        status="running",
        started_by=actor.login,
        host=HOST,
        pid=os.getpid(),
    )
    session.add(run)
    try:
        session.flush()
    except IntegrityError as exc:  # the one-running-run index: someone was faster
        raise KleroError("selection_started_meanwhile", site=found.code) from exc
    # Held from before the commit, so no one ever sees this run running without it.
    marker.enter_context(alive_marker(db, run.id))
    audit.record(
        session,
        actor,
        "selection.start",
        "run",
        run.id,
        site_id=found.id,
        after={
            "algorithm": str(settings.algorithm),
            "seed": settings.seed,
            "public_number": settings.public_number,
            "input_sha256": request.input_sha256,
            "quota_version": qs.version,
            "pool_size": len(loaded.pool),
        },
    )
    return _Started(run.id, found.code, found.id, request)


def _already_running(site: str, run: SelectionRun) -> KleroError:
    return KleroError(
        "selection_already_running",
        site=site,
        run_id=run.id,
        started_by=run.started_by,
        started_at=run.started_at.isoformat(),
    )


def _compute(started: _Started, progress: Progress | None) -> SelectionResult:
    """Step (2): the selection pipeline on the recorded request (its own step for fault tests)."""
    return select_panel(started.request, progress=progress)


def _finish(
    db: Database, actor: Actor, started: _Started, result: SelectionResult, seconds: float
) -> None:
    with db.unit_of_work() as session:
        run = session.get(SelectionRun, started.run_id, with_for_update=True)
        assert run is not None
        if run.status != "running":
            raise EnvironmentFailure("run_lost", run_id=run.id, status=run.status)
        ids = {
            v.pseudonym: v.id
            for v in session.execute(
                select(Volunteer).where(Volunteer.site_id == started.site_id)
            ).scalars()
        }
        for rank, pseudonym in enumerate(result.drawn.ids, start=1):
            session.add(
                PanelSeat(
                    run_id=run.id,
                    volunteer_id=ids[pseudonym],
                    kind="selected",
                    rank=rank,
                    status="selected",
                )
            )
        for rank, pseudonym in enumerate(result.alternate_ids, start=1):
            session.add(
                PanelSeat(
                    run_id=run.id,
                    volunteer_id=ids[pseudonym],
                    kind="alternate",
                    rank=rank,
                    status="selected",
                )
            )
        session.flush()
        run.status = "succeeded"
        run.lottery_index = result.drawn.index
        run.fairness = _figures(result)
        run.probabilities = {str(k): float(v) for k, v in result.lottery.probabilities.items()}
        run.finished_at = utcnow()
        run.seconds = seconds
        audit.record(
            session,
            actor,
            "selection.succeeded",
            "run",
            run.id,
            site_id=run.site_id,
            before={"status": "running"},
            after={
                "status": "succeeded",
                "lottery_index": result.drawn.index,
                "selected": list(result.drawn.ids),
                "alternates": result.alternate_ids,
            },
        )


def _figures(result: SelectionResult) -> dict[str, float]:
    """The fairness figures stored with a run (a separate step so tests can make it fail)."""
    return result.fairness()


def run_selection(
    db: Database,
    actor: Actor,
    site: str,
    *,
    algorithm: Algorithm = Algorithm.LEXIMIN,
    seed: int | None = None,
    public_number: int | None = None,
    lottery_size: int = 1000,
    alternates: int = 0,
    dropout: DropoutSpec = DEFAULT_DROPOUT,
    settings: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Select the site's panel (and ``alternates`` ranked alternates) from its active volunteers.

    ``dropout`` is the drop-out rate (or rates by category) the alternates are chosen
    for; ``settings`` go to the algorithm; all are recorded with the run (canonical
    form, ``sampling.pipeline``). Uses the site's panel size and current quotas. The
    draw uses ``seed`` or ``public_number`` (a random seed when neither is given). Raises KleroError
    ``selection_already_running`` (or ``selection_started_meanwhile``) when a run of the
    site is in progress, and
    ``InfeasibleQuotas`` (the run recorded as failed) when no panel meets the quotas.
    """
    if seed is not None and public_number is not None:
        raise KleroError("selection_seed_and_number")
    if seed is None and public_number is None:
        seed = _secrets.randbelow(2**31)
    chosen = SelectionSettings(
        algorithm=algorithm,
        seed=seed,
        public_number=public_number,
        lottery_size=lottery_size,
        alternates=alternates,
        dropout=dropout,
        algorithm_settings=settings or {},
    )
    clock = time.perf_counter()
    started, release = _start(db, actor, site, chosen)
    try:
        result = _compute(started, progress)
        seconds = time.perf_counter() - clock
        _finish(db, actor, started, result, seconds)
    except BaseException as exc:
        code = getattr(exc, "code", type(exc).__name__)
        try:
            with db.unit_of_work() as session:
                run = session.get(SelectionRun, started.run_id, with_for_update=True)
                if run is not None and run.status == "running":
                    mark_failed(session, actor, run, str(code), str(exc)[:2000])
        except Exception:  # the next start marks it failed; keep the first error
            pass
        raise
    finally:
        release()
    return RunSummary(
        started.run_id,
        started.site,
        str(algorithm),
        started.request.size,
        seed,
        public_number,
        lottery_size,
        result.drawn.index,
        result.input_sha256,
        result.selected,
        result.alternate_ids,
        result.fairness(),
        seconds,
    )
