"""A site's quotas: set them from a table or from census margins (a new version each time).

Every change is audited with the table before and after. ``check_feasibility`` asks
``quotas.feasibility`` whether the site's pool can meet the current quotas.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, Unpack

from sqlalchemy.orm import Session

from quotas.apportion import Method
from quotas.catchment import margins_for_catchment, narrowed_to_catchment
from quotas.feasibility import FeasibilityResult
from quotas.feasibility import check_feasibility as _check_feasibility
from quotas.formats import read_quotas
from quotas.model import QuotaTable
from quotas.problems import KleroError, raise_if_errors
from quotas.regions import Region
from quotas.tables import read_table
from quotas.targets import Margins, quotas_from_margins
from recruitment import audit
from recruitment.catchment import site_catchment
from recruitment.db import Database
from recruitment.models import QuotaSet, Site
from recruitment.permissions import Action, Actor
from recruitment.usecases.common import (
    HOUSEHOLD_COLUMN,
    ID_COLUMN,
    active_volunteers,
    current_quota_set,
    next_quota_version,
    quota_rows,
    require_clear_features,
    site_for,
    table_from_rows,
    volunteer_frame,
)


@dataclass(frozen=True)
class QuotaSetView:
    """One version of a site's quotas."""

    site: str
    version: int
    source: str
    sha256: str
    table: QuotaTable
    settings: dict[str, Any]
    created_by: str


def _view(site: str, qs: QuotaSet) -> QuotaSetView:
    return QuotaSetView(
        site,
        qs.version,
        qs.source,
        qs.sha256,
        table_from_rows(qs.rows),
        dict(qs.settings),
        qs.created_by,
    )


class QuotaOrigin(TypedDict, total=False):
    """Where a quota table came from, stored with its version (see ``store_quotas``)."""

    source: str  # "table" (the default) or "margins"
    settings: dict[str, Any] | None  # how it was made: the file's name, the tolerances, ...


def set_quotas(
    db: Database, actor: Actor, site: str, table: QuotaTable, **origin: Unpack[QuotaOrigin]
) -> QuotaSetView:
    """Store ``table`` as the site's next quota version; raise InvalidInput if it is invalid."""
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.SET_QUOTAS, lock=True)
        return _view(found.code, store_quotas(session, actor, found, table, **origin))


def store_quotas(
    session: Session,
    actor: Actor,
    found: Site,
    table: QuotaTable,
    source: str = "table",
    settings: dict[str, Any] | None = None,
) -> QuotaSet:
    """``set_quotas`` within the caller's transaction, on a site it found and may change."""
    raise_if_errors(table.problems(found.panel_size))
    previous = current_quota_set(session, found.id)
    qs = QuotaSet(
        site_id=found.id,
        version=next_quota_version(session, found.id),
        rows=quota_rows(table),
        source=source,
        settings=dict(settings or {}),
        sha256=table.sha256(),
        created_by=actor.login,
    )
    session.add(qs)
    session.flush()
    audit.record(
        session,
        actor,
        "quotas.set",
        "site",
        found.code,
        site_id=found.id,
        before=None if previous is None else {"version": previous.version, "rows": previous.rows},
        after={
            "version": qs.version,
            "source": source,
            "settings": qs.settings,
            "rows": qs.rows,
        },
    )
    return qs


def set_quotas_from_margins(
    db: Database,
    actor: Actor,
    site: str,
    margins: Margins,
    *,
    tolerance_seats: int | None = None,
    tolerance_points: float | None = None,
    method: Method = Method.LARGEST_REMAINDER,
) -> QuotaSetView:
    """Derive quotas for the site's panel size from census margins and store them.

    The region criterion follows the site's catchment (``quotas.catchment``): a site
    recruiting from some regions gets no quota for the others.
    """
    size = site_panel_size(db, actor, site)
    country, catchment = _country_and_catchment(db, actor, site)
    margins, problems = narrowed_to_catchment(margins, country, catchment, "<margins>")
    raise_if_errors(problems)
    table = quotas_from_margins(
        margins,
        size,
        tolerance_seats=tolerance_seats,
        tolerance_points=tolerance_points,
        method=method,
    )
    settings = {
        "tolerance_seats": tolerance_seats,
        "tolerance_points": tolerance_points,
        "method": str(method),
        "panel_size": size,
    }
    return set_quotas(db, actor, site, table, source="margins", settings=settings)


def set_quotas_from_file(db: Database, actor: Actor, site: str, path: str | Path) -> QuotaSetView:
    """Read a quota table file (feature, value, min, max[, target_share]) and store it."""
    table = read_quotas(path)
    return set_quotas(db, actor, site, table, source="table", settings={"file": Path(path).name})


class Tolerances(TypedDict, total=False):
    """How far a quota may stray from its target (``quotas_from_margins``; default: none)."""

    tolerance_seats: int | None  # seats either side
    tolerance_points: float | None  # percentage points either side


def set_quotas_from_margins_file(
    db: Database, actor: Actor, site: str, path: str | Path, **tolerances: Unpack[Tolerances]
) -> QuotaSetView:
    """Read census margins (feature, value, share) from a file and derive the site's quotas.

    A site recruiting from some regions gets the file's rows for its catchment and the
    region criterion narrowed to its regions (``quotas.catchment``).
    """
    frame, problems = read_table(path)
    country, catchment = _country_and_catchment(db, actor, site)
    margins, more = margins_for_catchment(frame, str(path), country, catchment)
    raise_if_errors(problems + more)
    assert margins is not None
    return set_quotas_from_margins(db, actor, site, margins, **tolerances)


def _country_and_catchment(db: Database, actor: Actor, site: str) -> tuple[str, list[Region]]:
    """The country code and the catchment of a site the actor may see (quotas follow it)."""
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.VIEW_SITE)
        return found.country.code, site_catchment(found)


def site_panel_size(db: Database, actor: Actor, site: str) -> int:
    """The panel size of a site the actor may see."""
    with db.unit_of_work() as session:
        return site_for(session, actor, site, Action.VIEW_SITE).panel_size


def site_quotas(db: Database, actor: Actor, site: str, version: int | None = None) -> QuotaSetView:
    """The site's current quotas (or a given version)."""
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.VIEW_SITE)
        qs = current_quota_set(session, found.id, version)
        if qs is None:
            raise KleroError("site_has_no_quotas", site=found.code)
        return _view(found.code, qs)


def check_feasibility(
    db: Database,
    actor: Actor,
    site: str,
    quotas: QuotaTable | None = None,
    *,
    time_limit: float = 60.0,
) -> FeasibilityResult:
    """Whether the site's active volunteers can make a panel meeting its quotas.

    ``quotas`` checks a table being edited (the dashboard's live check) instead of the
    site's current quotas; nothing is stored either way, and the pool is read as a
    selection would read it. ``time_limit`` bounds each solver call, in seconds.
    """
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.CHECK_FEASIBILITY)
        if quotas is None:
            qs = current_quota_set(session, found.id)
            if qs is None:
                raise KleroError("site_has_no_quotas", site=found.code)
            quotas = table_from_rows(qs.rows)
        volunteers = active_volunteers(session, found.id)
        require_clear_features(found, volunteers, quotas)
        frame = volunteer_frame(volunteers, quotas.features)
        size = found.panel_size
    people = frame.set_index(ID_COLUMN)
    households = [h or None for h in people.pop(HOUSEHOLD_COLUMN).tolist()]
    return _check_feasibility(people, quotas, size, households=households, time_limit=time_limit)
