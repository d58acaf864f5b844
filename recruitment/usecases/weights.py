"""Weights for a site's panel answers (raking to the census shares of the run's quotas).

The people are the site's latest successful run's panel as it stands (those holding a
seat now, replacements included) or those recorded as having attended; their criteria
and the census shares come from the run's own record (its pool and quota snapshot), so
the weights follow the quotas the panel was drawn under. The raking is
``quotas.raking``; evaluators, coordinators and the site's partner may compute them
(viewing the site). Reading only: nothing is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from quotas.pool_files import pool_from_frame
from quotas.problems import KleroError
from quotas.raking import Weights, chosen_criteria, pool_weights, weightable
from recruitment.db import Database
from recruitment.models import SelectionRun
from recruitment.permissions import Action, Actor
from recruitment.snapshots import HOUSEHOLD_COLUMN, ID_COLUMN
from recruitment.usecases.common import site_for, table_from_rows
from recruitment.usecases.seats import members, seat_lines
from recruitment.usecases.selection import frame_of

#: Whose answers are weighted: the panel as it stands, or those who attended.
GROUPS = ("panel", "attendees")


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
) -> SiteWeights:
    """Raking weights for a site's panel (or its attendees) to the run's census shares.

    ``criteria`` names the criteria to weight on (default: every criterion of the quotas,
    or with ``only_weightable`` those whose every census category someone on the panel has).
    """
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.VIEW_SITE)
        run = session.execute(
            select(SelectionRun)
            .where(SelectionRun.site_id == found.id, SelectionRun.status == "succeeded")
            .order_by(SelectionRun.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if run is None:
            raise KleroError("site_no_panel", site=found.code)
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
        return SiteWeights(
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
        )
