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
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quotas.problems import EnvironmentFailure, KleroError, raise_if_errors
from recruitment import audit
from recruitment.db import Database
from recruitment.models import PanelSeat, SelectionRun, Site, Volunteer, utcnow
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
from recruitment.usecases.cross_site import Exclusion, excluded_at
from recruitment.usecases.recovery import (
    HOST,
    alive_marker,
    mark_failed,
    record_run_end,
    recover_site_runs,
)
from sampling import (
    Progress,
    SelectionRequest,
    SelectionResult,
    SelectionSettings,
    select_panel,
)


@dataclass(frozen=True)
class RunDraw:
    """Which run of which site drew a panel of which size, how, and from which seed or number."""

    run_id: int
    site: str
    algorithm: str
    size: int
    seed: int | None
    public_number: int | None


@dataclass(frozen=True)
class RunSummary(RunDraw):
    """A finished selection: the panel (pseudonyms), the alternates and how it was drawn."""

    lottery_size: int
    lottery_index: int
    input_sha256: str
    selected: list[str]
    alternates: list[str]
    fairness: dict[str, float]
    seconds: float
    excluded: int = 0  # registrations left out because the person is at another site
    end_to_end: dict[str, Any] | None = None  # the model and q_i p_i's spread (end to end)


@dataclass(frozen=True)
class _Started:
    run_id: int
    site: str
    site_id: int
    request: SelectionRequest
    excluded: int = 0  # registrations left out: the person is at another site


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
    *,
    action: Action = Action.RUN_SELECTION,
    batch: dict[str, Any] | None = None,
) -> tuple[_Started, Callable[[], Any]]:
    """Step (1). A batch (``recruitment.usecases.batch``) checks ``action`` instead and
    records ``batch`` (its id and how the site's number was derived) in the settings."""
    marker = ExitStack()
    try:
        with db.unit_of_work() as session:
            found = site_for(session, actor, site, action, lock=True)
            started = _record_start(session, db, marker, actor, found, settings, batch)
    except BaseException:
        marker.close()
        raise
    return started, marker.close


def _record_start(
    session: Session,
    db: Database,
    marker: ExitStack,
    actor: Actor,
    found: Site,
    settings: SelectionSettings,
    batch: dict[str, Any] | None,
) -> _Started:
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
    # Nobody on two panels: people registered at another site too may be left out.
    excluded = excluded_at(session, found)
    gone = {x.volunteer_id for x in excluded}
    volunteers = [v for v in active_volunteers(session, found.id) if v.id not in gone]
    if not volunteers:
        raise KleroError("site_pool_empty", site=found.code)
    quotas = table_from_rows(qs.rows)
    require_clear_features(found, volunteers, quotas)
    frame = volunteer_frame(volunteers, quotas.features)
    loaded = pool_of(frame, quotas, f"site {found.code}")
    raise_if_errors(loaded.problems)
    assert loaded.pool is not None
    settings = site_end_to_end(settings, qs.rows, found.code).for_pool(loaded.pool)
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
        settings=settings.canonical() | ({"batch": batch} if batch else {}),
        inputs=_inputs(frame, qs.rows, qs.version, excluded),
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
            **({"excluded_elsewhere": len(excluded)} if excluded else {}),
            **({"batch": batch["id"]} if batch else {}),
        },
    )
    return _Started(run.id, found.code, found.id, request, len(excluded))


def site_end_to_end(settings: SelectionSettings, rows: list[Any], site: str) -> SelectionSettings:
    """An end-to-end run without margins of its own takes the site's census margins.

    They are the target shares of the site's quotas derived from margins (catchment
    applied); a site whose quotas have none cannot run end to end without margins.
    """
    model = settings.end_to_end
    if model is None or model.margins:
        return settings
    shares: dict[str, dict[str, float]] = {}
    for row in rows:
        share = row.get("target_share")
        if share is not None:
            shares.setdefault(str(row["feature"]), {})[str(row["value"])] = float(share)
    if not shares:
        raise KleroError("end_to_end_margins_missing", site=site)
    return replace(settings, end_to_end=replace(model, margins=shares))


def _inputs(
    frame: pd.DataFrame, rows: list[Any], version: int, excluded: list[Exclusion]
) -> dict[str, Any]:
    """A run's stored inputs: the pool snapshot, the quotas and who was left out, and why."""
    inputs: dict[str, Any] = {"pool": _snapshot(frame), "quotas": rows, "quota_version": version}
    if excluded:  # pseudonyms and site codes only
        inputs["excluded"] = [
            {"pseudonym": x.pseudonym, "other": x.other, "why": x.why.value} for x in excluded
        ]
    return inputs


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
        chosen = [("selected", result.drawn.ids), ("alternate", result.alternate_ids)]
        session.add_all(
            [
                PanelSeat(
                    run_id=run.id, volunteer_id=ids[p], kind=kind, rank=rank, status="selected"
                )
                for kind, pseudonyms in chosen
                for rank, p in enumerate(pseudonyms, start=1)
            ]
        )
        session.flush()
        run.status = "succeeded"
        run.lottery_index = result.drawn.index
        run.fairness = _figures(result)
        run.probabilities = {str(k): float(v) for k, v in result.lottery.probabilities.items()}
        run.finished_at = utcnow()
        run.seconds = seconds
        record_run_end(
            session,
            actor,
            run,
            {
                "lottery_index": result.drawn.index,
                "selected": list(result.drawn.ids),
                "alternates": result.alternate_ids,
            },
        )


def _figures(result: SelectionResult) -> dict[str, float]:
    """The fairness figures stored with a run (a separate step so tests can make it fail).

    An end-to-end run adds the spread of ``q_i p_i`` (``end_to_end_max_min``, ...) and
    plain LEXIMIN's (``leximin_max_min``, ...), each when it is a number.
    """
    figures = result.fairness()
    corrected = _end_to_end(result)
    if corrected is not None:
        for prefix, key in (("end_to_end", "spread"), ("leximin", "leximin_spread")):
            for name, value in corrected[key].items():
                if value is not None:
                    figures[f"{prefix}_{name}"] = float(value)
        figures["propensity_ratio"] = float(corrected["ratio"])
    return figures


def _end_to_end(result: SelectionResult) -> dict[str, Any] | None:
    if result.end_to_end is None:
        return None
    return result.end_to_end.to_dict(result.lottery.probabilities)


def run_selection(
    db: Database,
    actor: Actor,
    site: str,
    settings: SelectionSettings,
    *,
    progress: Progress | None = None,
) -> RunSummary:
    """Select the site's panel (and its ranked alternates) from its active volunteers.

    ``settings`` say how (``sampling.SelectionSettings``: the algorithm and its own
    settings, the seed or public number of the draw, the lottery's size, how many
    alternates and for which drop-out rates); they are recorded with the run (canonical
    form, ``sampling.pipeline``). Uses the site's panel size and current quotas. Raises
    KleroError ``selection_already_running`` (or ``selection_started_meanwhile``) when a
    run of the site is in progress, and ``InfeasibleQuotas`` (the run recorded as failed)
    when no panel meets the quotas.
    """
    clock = time.perf_counter()
    started, release = _start(db, actor, site, settings)
    try:
        result = _compute(started, progress)
        seconds = time.perf_counter() - clock
        _finish(db, actor, started, result, seconds)
    except BaseException as exc:
        _record_failure(db, actor, started.run_id, exc)
        raise
    finally:
        release()
    return RunSummary(
        started.run_id,
        started.site,
        str(settings.algorithm),
        started.request.size,
        settings.seed,
        settings.public_number,
        settings.lottery_size,
        result.drawn.index,
        result.input_sha256,
        result.selected,
        result.alternate_ids,
        result.fairness(),
        seconds,
        started.excluded,
        _end_to_end(result),
    )


def _record_failure(db: Database, actor: Actor, run_id: int, exc: BaseException) -> None:
    """Mark the run failed with ``exc``'s code; if that fails too, the next start will."""
    code = getattr(exc, "code", type(exc).__name__)
    try:
        with db.unit_of_work() as session:
            run = session.get(SelectionRun, run_id, with_for_update=True)
            if run is not None and run.status == "running":
                mark_failed(session, actor, run, str(code), str(exc)[:2000])
    except Exception:  # the next start marks it failed; keep the first error
        pass
