"""Read-only views the dashboard needs beyond the use cases: pools, runs, the audit trail.

Nothing here writes to the database. Each function takes the acting user, checks the
same permissions as the use cases and opens one transaction; every view is
pseudonymous (pseudonyms, criteria, declared attributes and household labels; never a
personal column).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select

from quotas.model import QuotaTable
from quotas.problems import KleroError, raise_if_errors
from recruitment.db import Database
from recruitment.models import AuditEvent, SelectionRun, Site
from recruitment.permissions import Action, Actor, allowed, require
from recruitment.usecases.common import (
    HOUSEHOLD_COLUMN,
    ID_COLUMN,
    active_volunteers,
    current_quota_set,
    pool_of,
    site_for,
    site_ref,
    table_from_rows,
    volunteer_frame,
)
from recruitment.usecases.replacements import compute_replacement
from recruitment.usecases.reruns import EARLIER_ENGINE
from recruitment.usecases.seats import SeatLine, seat_records
from recruitment.usecases.selection import RunDraw, frame_of
from sampling import Replacement


@dataclass(frozen=True)
class PoolView:
    """A site's active volunteers by pseudonym: criteria, attributes and household labels."""

    site: str
    panel_size: int
    people: pd.DataFrame  # index: pseudonym; one text column per criterion and attribute
    households: list[str | None]
    quotas: QuotaTable | None
    quota_version: int | None
    features: list[str] = field(default_factory=list)  # the criteria among people's columns
    attributes: list[str] = field(default_factory=list)  # declared non-personal columns
    columns: dict[str, str] = field(default_factory=dict)  # every column held -> its role


def _split(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str | None]]:
    """People indexed by id and their household keys, from a volunteer frame."""
    people = frame.set_index(ID_COLUMN)
    households = [h or None for h in people.pop(HOUSEHOLD_COLUMN).tolist()]
    people.index.name = "pseudonym"
    return people, households


def site_pool(db: Database, actor: Actor, site: str) -> PoolView:
    """The site's selectable volunteers (pseudonymous) with its panel size and current quotas."""
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.VIEW_SITE)
        volunteers = active_volunteers(session, found.id)
        frame = volunteer_frame(volunteers, attributes=True)
        qs = current_quota_set(session, found.id)
        quotas = table_from_rows(qs.rows) if qs is not None else None
        people, households = _split(frame)
        features = sorted({k for v in volunteers for k in v.features})
        return PoolView(
            found.code,
            found.panel_size,
            people,
            households,
            quotas,
            None if qs is None else qs.version,
            features,
            [c for c in people.columns if c not in features],
            {str(c): str(r) for c, r in (found.pool_columns or {}).items()},
        )


@dataclass(frozen=True)
class RunDetails(RunDraw):
    """A finished run as the dashboard shows it: seats, probabilities, fairness and inputs."""

    lottery_index: int | None
    input_sha256: str
    started_by: str
    started_at: str
    seconds: float | None
    fairness: dict[str, float]
    probabilities: pd.Series  # pseudonym -> selection probability
    seats: pd.DataFrame  # pseudonym, kind, rank, status, replaces, replaced_by, features
    quotas: QuotaTable  # as recorded with the run
    pool: pd.DataFrame  # the recorded pool: index pseudonym, feature columns
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def engine(self) -> str:
        """The engine version that drew the run (as recorded with it)."""
        return str(self.settings.get("engine", EARLIER_ENGINE))

    @property
    def panel(self) -> pd.DataFrame:
        """The selected seats."""
        return self.seats[self.seats["kind"] == "selected"].reset_index(drop=True)

    @property
    def alternates(self) -> pd.DataFrame:
        """The alternate seats, by rank."""
        return self.seats[self.seats["kind"] == "alternate"].reset_index(drop=True)

    @property
    def lines(self) -> list[SeatLine]:
        """The seats as ``SeatLine``s (for ``recruitment.usecases.seats``), in seat order."""
        columns = ("pseudonym", "kind", "rank", "status", "replaces")
        if self.seats.empty:
            return []
        return [
            SeatLine(str(p), str(k), int(r), str(s), str(x) or None)
            for p, k, r, s, x in zip(*(self.seats[c] for c in columns), strict=True)
        ]


def _latest_run(session: Any, site_id: int) -> SelectionRun | None:
    return session.execute(
        select(SelectionRun)
        .where(SelectionRun.site_id == site_id, SelectionRun.status == "succeeded")
        .order_by(SelectionRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def run_details(
    db: Database, actor: Actor, site: str, run_id: int | None = None
) -> RunDetails | None:
    """A succeeded run of the site (default: the latest), or None when the site has none."""
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.VIEW_SITE)
        if run_id is None:
            run = _latest_run(session, found.id)
        else:
            run = session.get(SelectionRun, run_id)
            if run is None or run.site_id != found.id:
                raise KleroError("run_not_found", run_id=run_id)
        if run is None or run.status != "succeeded":
            return None
        records = [record for _, record in seat_records(session, run.id)]
        pool, _ = _split(frame_of(run.inputs["pool"]))
        probabilities = pd.Series(
            {str(k): float(p) for k, p in sorted((run.probabilities or {}).items())},
            dtype=float,
        )
        return RunDetails(
            run.id,
            found.code,
            run.algorithm,
            run.size,
            run.seed,
            run.public_number,
            run.lottery_index,
            run.input_sha256,
            run.started_by,
            run.started_at.isoformat(),
            run.seconds,
            {k: float(v) for k, v in (run.fairness or {}).items()},
            probabilities,
            pd.DataFrame(records, columns=None if records else ["pseudonym", "kind", "rank"]),
            table_from_rows(run.inputs["quotas"]),
            pool,
            dict(run.settings),
        )


def audit_events(
    db: Database, actor: Actor, *, site: str | None = None, limit: int = 500
) -> pd.DataFrame:
    """The newest ``limit`` audit events (optionally of one site), newest first."""
    require(actor, Action.VERIFY_AUDIT)
    with db.unit_of_work() as session:
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if site is not None:
            query = query.where(
                AuditEvent.site_id == site_for(session, actor, site, Action.VIEW_SITE).id
            )
        codes = {s.id: s.code for s in session.execute(select(Site)).scalars()}
        rows = [
            {
                "id": e.id,
                "at": e.at,
                "actor": e.actor,
                "role": e.role,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "site": codes.get(e.site_id or -1, ""),
                "hash": e.hash,
            }
            for e in session.execute(query).scalars()
        ]
    return pd.DataFrame(
        rows,
        columns=["id", "at", "actor", "role", "action", "entity", "entity_id", "site", "hash"],
    )


def suggest_replacement(
    db: Database, actor: Actor, run_id: int, dropped: Sequence[str], *, seed: int = 0
) -> Replacement:
    """Who among the run's open alternates best fills the seats of ``dropped``, keeping quotas.

    Uses the run's recorded pool and quotas; the panel is the selected seats still taken
    (not declined, withdrawn or no-show) plus alternates already invited. Nothing is stored:
    ``usecases.replace_dropouts`` computes the same answer and records it.
    """
    with db.unit_of_work() as session:
        return compute_replacement(session, actor, run_id, list(dropped), seed, lock=False)[3]


def legacy_comparison(
    db: Database, actor: Actor, run_id: int, *, samples: int = 300, seed: int = 0
) -> pd.Series:
    """Selection probabilities the legacy greedy method would give on the run's inputs."""
    from sampling import legacy_distribution

    with db.unit_of_work() as session:
        run = session.get(SelectionRun, run_id)
        if run is None:
            raise KleroError("run_not_found", run_id=run_id)
        site_for(session, actor, run.site_id, Action.VIEW_SITE)
        snapshot, rows, size = run.inputs["pool"], run.inputs["quotas"], run.size
    quotas = table_from_rows(rows)
    loaded = pool_of(frame_of(snapshot), quotas, f"run {run_id}")
    raise_if_errors(loaded.problems)
    assert loaded.pool is not None
    dist = legacy_distribution(loaded.pool, quotas, size, seed=seed, samples=samples)
    return dist.probabilities


def may(actor: Actor, action: Action, site: str | None = None, db: Database | None = None) -> bool:
    """Whether ``actor`` may take ``action`` (on ``site``, looked up when a database is given)."""
    if site is None or db is None:
        return allowed(actor, action)
    with db.unit_of_work() as session:
        found = session.execute(select(Site).where(Site.code == site)).scalar_one_or_none()
        return found is not None and allowed(actor, action, site_ref(found))
