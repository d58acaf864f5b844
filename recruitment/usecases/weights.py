"""Weights for a site's panel answers (raking to the census shares of the run's quotas).

The people are the site's latest successful run's panel as it stands (those holding a
seat now, replacements included) or those recorded as having attended; their criteria
and the census shares come from the run's own record (its pool and quota snapshot), so
the weights follow the quotas the panel was drawn under. The raking is
``quotas.raking``; evaluators, coordinators and the site's partner may compute them
(viewing the site). Computing stores nothing; handing a file over (``klero weights
--site ... --out``, a dashboard download) is recorded in the audit trail as
``weights.export`` (the run, group, criteria, cap, rows and file: no ids).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from quotas.pool_files import pool_from_frame
from quotas.problems import KleroError
from quotas.raking import Weights, chosen_criteria, pool_weights, weightable
from recruitment import audit
from recruitment.db import Database
from recruitment.permissions import Action, Actor
from recruitment.snapshots import HOUSEHOLD_COLUMN, ID_COLUMN
from recruitment.usecases.common import site_for, table_from_rows
from recruitment.usecases.panels import run_of
from recruitment.usecases.seats import members, seat_lines
from recruitment.usecases.selection import frame_of

#: Whose answers are weighted: the panel as it stands, or those who attended.
GROUPS = ("panel", "attendees")
#: The files a weights export hands over (``weights.export``'s ``file``).
FILES = ("weights", "balance_tests")


@dataclass(frozen=True)
class SiteWeights:
    """A site's weights: who (pseudonyms), the raking result and the category table."""

    site: str
    run_id: int
    group: str
    input_sha256: str
    ids: tuple[str, ...]
    weights: Weights
    categories: pd.DataFrame
    criteria: tuple[str, ...]  # the criteria weighted
    all_criteria: tuple[str, ...]  # every criterion of the run's quotas
    weightable: tuple[str, ...]  # those whose every census category is on the panel
    trim: float | None = None  # the cap on weights asked for

    def frame(self) -> pd.DataFrame:
        """The ``id, weight`` table (ids are pseudonyms)."""
        return pd.DataFrame({"id": list(self.ids), "weight": self.weights.weights})


def site_weights(
    db: Database,
    actor: Actor,
    site: str,
    *,
    attendees: bool = False,
    trim: float | None = None,
    criteria: Sequence[str] | None = None,
    only_weightable: bool = False,
    write: Callable[[pd.DataFrame], object] | None = None,
) -> SiteWeights:
    """Raking weights for a site's panel (or its attendees) to the run's census shares.

    ``criteria`` names the criteria to weight on (default: every criterion of the quotas,
    or with ``only_weightable`` those whose every census category someone on the panel has).
    ``write`` hands the ``id, weight`` table over inside the transaction, and
    ``weights.export`` is recorded once it has returned (if it raises, nothing is).
    """
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.VIEW_SITE)
        run = run_of(session, found.code, None)
        lines = [line for _, line in seat_lines(session, run.id)]
        if attendees:
            chosen = {line.pseudonym for line in lines if line.status == "attended"}
        else:
            chosen = set(members(lines))
        if not chosen:
            code = "weights_no_attendees" if attendees else "weights_empty_panel"
            raise KleroError(code, site=found.code, run_id=run.id)
        every = table_from_rows(run.inputs["quotas"])
        frame = frame_of(run.inputs["pool"])
        frame = frame[frame[ID_COLUMN].isin(chosen)].reset_index(drop=True)
        loaded = pool_from_frame(
            frame,
            every,
            id_column=ID_COLUMN,
            address_columns=[HOUSEHOLD_COLUMN],
            source=f"{found.code}/run {run.id}",
        )
        pool = loaded.raise_for_errors()
        usable = tuple(weightable(pool, every))
        if criteria is None and only_weightable:
            criteria = usable
        quotas = chosen_criteria(every, criteria)
        used = tuple(f for f in every.features if f in set(quotas.features))
        people = pool_from_frame(frame, quotas, id_column=ID_COLUMN).raise_for_errors()
        result, categories = pool_weights(people, quotas, trim)
        group = GROUPS[1] if attendees else GROUPS[0]
        out = SiteWeights(
            found.code,
            run.id,
            group,
            run.input_sha256,
            people.ids,
            result,
            categories,
            used,
            every.features,
            usable,
            trim,
        )
        if write is not None:
            write(out.frame())
            _record_export(session, actor, out, found.id, FILES[0])
        return out


def record_weights_export(db: Database, actor: Actor, weights: SiteWeights, file: str) -> None:
    """Record that a computed weights file (``FILES``) was handed over: ``weights.export``."""
    if file not in FILES:
        raise ValueError(file)
    with db.unit_of_work() as session:
        found = site_for(session, actor, weights.site, Action.VIEW_SITE)
        _record_export(session, actor, weights, found.id, file)


def _record_export(
    session: Session, actor: Actor, weights: SiteWeights, site_id: int, file: str
) -> None:
    audit.record(
        session,
        actor,
        "weights.export",
        "run",
        weights.run_id,
        site_id=site_id,
        after={
            "file": file,
            "group": weights.group,
            "criteria": list(weights.criteria),
            "trim": weights.trim,
            "rows": len(weights.ids),
        },
    )
