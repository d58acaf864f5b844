"""Selecting a site's panel, recording everything needed to re-run it, and re-running it.

A run has three steps. (1) In one transaction, with the site row locked: refuse if a run
of the site is already going, snapshot the pool and quotas, and record the run as
``running``. (2) Outside any transaction: compute the lottery and draw. (3) In one
transaction: store every seat and mark the run ``succeeded``; on any failure the run is
marked ``failed`` and has no seat. A process that dies in step (2) leaves a ``running``
run behind; the next start (``recover_interrupted_runs``) marks it failed.
"""

from __future__ import annotations

import os
import secrets as _secrets
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quotas.messages import register
from quotas.model import QuotaTable
from quotas.problems import KleroError, raise_if_errors
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
from sampling.alternates import select_alternates
from sampling.dropouts import DEFAULT_DROPOUT, DropoutSpec, dropout_rates
from sampling.inputs import input_sha256
from sampling.lottery import Draw, Lottery, draw, round_to_lottery
from sampling.pool import Pool
from sampling.select import ENGINE, select_distribution

register(
    {
        "selection_already_running": (
            "A selection for site {site} is already running (run {run_id}, started by "
            "{started_by} at {started_at}). Wait for it to finish, then look at its result."
        ),
        "selection_seed_and_number": "Give a seed or a public number, not both.",
        "run_not_found": "There is no selection run {run_id}.",
        "run_not_succeeded": (
            "Run {run_id} did not succeed (status {status}); there is no panel to compare. "
            "Re-running needs a run that finished."
        ),
        "run_lost": (
            "Run {run_id} was marked {status} while it was computing; its result was not "
            "stored. Start a new selection."
        ),
    }
)

# Key of the PostgreSQL advisory locks that say "this run's process is alive".


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
class _Computed:
    lottery: Lottery
    drawn: Draw
    alternates: list[str]
    fairness: dict[str, float]


@dataclass
class _Started:
    run_id: int
    site: str
    site_id: int
    pool: Pool
    quotas: QuotaTable
    size: int
    digest: str
    settings: dict[str, Any] = field(default_factory=dict)


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
    algorithm: str,
    seed: int | None,
    public_number: int | None,
    settings: dict[str, Any],
) -> tuple[_Started, Callable[[], Any]]:
    marker = ExitStack()
    try:
        with db.unit_of_work() as session:
            started = _record_start(
                session, db, marker, actor, site, algorithm, seed, public_number, settings
            )
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
    algorithm: str,
    seed: int | None,
    public_number: int | None,
    settings: dict[str, Any],
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
    size = found.panel_size
    digest = input_sha256(loaded.pool, quotas, size, algorithm, settings)
    run = SelectionRun(
        site_id=found.id,
        quota_set_id=qs.id,
        algorithm=algorithm,
        size=size,
        alternates=int(settings["alternates"]),
        seed=seed,
        public_number=public_number,
        lottery_size=int(settings["lottery_size"]),
        input_sha256=digest,
        settings=settings,
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
        raise KleroError(
            "selection_already_running",
            site=found.code,
            run_id="?",
            started_by="another user",
            started_at="just now",
        ) from exc
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
            "algorithm": algorithm,
            "seed": seed,
            "public_number": public_number,
            "input_sha256": digest,
            "quota_version": qs.version,
            "pool_size": len(loaded.pool),
        },
    )
    return _Started(run.id, found.code, found.id, loaded.pool, quotas, size, digest, settings)


def _already_running(site: str, run: SelectionRun) -> KleroError:
    return KleroError(
        "selection_already_running",
        site=site,
        run_id=run.id,
        started_by=run.started_by,
        started_at=run.started_at.isoformat(),
    )


ALTERNATES_METHOD = "optimised"


def _alternates(
    pool: Pool,
    quotas: QuotaTable,
    panel: list[str],
    count: int,
    seed: int,
    method: str,
    dropout: DropoutSpec,
) -> list[str]:
    """A ranked list of ``count`` alternates from the people not selected, reproducibly.

    The method (``optimised`` or ``scaled``, see ``sampling.alternates``) and the drop-out
    rates are recorded with the run, so a re-run uses the same ones.
    """
    if count <= 0:
        return []
    chosen = select_alternates(
        pool,
        quotas,
        panel,
        count,
        method=method,  # type: ignore[arg-type]
        dropout=dropout,
        seed=seed,
    )
    return list(chosen.ids)


def recorded_dropout(dropout: DropoutSpec) -> float | list[list[Any]]:
    """Drop-out rates as stored with a run's settings: a number, or ``[feature, value, rate]``s."""
    if isinstance(dropout, Mapping):
        return [[str(f), str(v), float(r)] for (f, v), r in sorted(dropout.items())]
    return float(dropout)


def _dropout_of(recorded: object) -> DropoutSpec:
    """The rates of ``recorded_dropout`` (runs recorded before rates were kept: the default)."""
    if recorded is None:
        return DEFAULT_DROPOUT
    if isinstance(recorded, list):
        return {(str(f), str(v)): float(r) for f, v, r in recorded}
    return float(recorded)  # type: ignore[arg-type]


def _compute(
    started: _Started,
    algorithm: str,
    seed: int | None,
    public_number: int | None,
    progress: Callable[[str, float], None] | None,
) -> _Computed:
    settings = dict(started.settings)
    algorithm_seed = int(settings.pop("algorithm_seed"))
    lottery_size = int(settings.pop("lottery_size"))
    count = int(settings.pop("alternates"))
    method = str(settings.pop("alternates_method", ALTERNATES_METHOD))
    dropout = _dropout_of(settings.pop("alternates_dropout", None))
    settings.pop("engine", None)  # recorded for re-runs; not a setting of the algorithm
    if count > 0:
        dropout_rates(started.pool, started.quotas, dropout)  # bad rates: refused before solving
    dist = select_distribution(
        started.pool,
        started.quotas,
        started.size,
        algorithm=algorithm,  # type: ignore[arg-type]
        seed=algorithm_seed,
        progress=progress,
        **settings,
    )
    lottery = round_to_lottery(dist, lottery_size, input_sha256=started.digest)
    drawn = draw(lottery, seed=seed if public_number is None else None, public_number=public_number)
    alternates = _alternates(
        started.pool, started.quotas, list(drawn.ids), count, algorithm_seed, method, dropout
    )
    fairness = {**dist.fairness(), "lottery_max_change": float(lottery.max_change)}
    return _Computed(lottery, drawn, alternates, fairness)


def _finish(
    db: Database, actor: Actor, started: _Started, result: _Computed, seconds: float
) -> None:
    with db.unit_of_work() as session:
        run = session.get(SelectionRun, started.run_id, with_for_update=True)
        assert run is not None
        if run.status != "running":
            raise KleroError("run_lost", run_id=run.id, status=run.status)
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
        for rank, pseudonym in enumerate(result.alternates, start=1):
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
                "alternates": result.alternates,
            },
        )


def _figures(result: _Computed) -> dict[str, float]:
    """The fairness figures stored with a run (a separate step so tests can make it fail)."""
    return {k: float(v) for k, v in result.fairness.items()}


def run_settings(
    *,
    lottery_size: int = 1000,
    alternates: int = 0,
    algorithm_seed: int = 0,
    dropout: DropoutSpec = DEFAULT_DROPOUT,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The settings recorded with (and hashed into) a run; ``extra`` goes to the algorithm."""
    return {
        "lottery_size": lottery_size,
        "alternates": alternates,
        "alternates_method": ALTERNATES_METHOD,
        "alternates_dropout": recorded_dropout(dropout),
        "algorithm_seed": algorithm_seed,
        "engine": ENGINE,
        **(extra or {}),
    }


def run_selection(
    db: Database,
    actor: Actor,
    site: str,
    *,
    algorithm: str = "leximin",
    seed: int | None = None,
    public_number: int | None = None,
    lottery_size: int = 1000,
    alternates: int = 0,
    dropout: DropoutSpec = DEFAULT_DROPOUT,
    settings: dict[str, Any] | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> RunSummary:
    """Select the site's panel (and ``alternates`` ranked alternates) from its active volunteers.

    ``dropout`` is the drop-out rate (or rates by category) the alternates are chosen
    for; it is recorded with the run. Uses the site's panel size and current quotas. The
    draw uses ``seed`` or
    ``public_number`` (a random seed when neither is given). Raises KleroError
    ``selection_already_running`` when a run of the site is in progress, and
    ``InfeasibleQuotas`` (the run recorded as failed) when no panel meets the quotas.
    """
    if seed is not None and public_number is not None:
        raise KleroError("selection_seed_and_number")
    if seed is None and public_number is None:
        seed = _secrets.randbelow(2**31)
    recorded = run_settings(
        lottery_size=lottery_size,
        alternates=alternates,
        algorithm_seed=seed or 0,
        dropout=dropout,
        extra=settings,
    )
    clock = time.perf_counter()
    started, release = _start(db, actor, site, algorithm, seed, public_number, recorded)
    try:
        result = _compute(started, algorithm, seed, public_number, progress)
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
        algorithm,
        started.size,
        seed,
        public_number,
        lottery_size,
        result.drawn.index,
        started.digest,
        list(result.drawn.ids),
        result.alternates,
        result.fairness,
        seconds,
    )
