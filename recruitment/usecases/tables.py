"""A site's tables for the day: seat its panel, read the plan, move one person by hand.

``seat_site`` seats the current members of a run's panel (default: the site's latest
selection) with ``sampling.seat_tables`` and stores the plan (``TablePlan``: pseudonyms
and tables only), audited. ``site_tables`` reads the site's latest plan with its figures;
the people show as pseudonyms, or, for those who may see contact details (the site's
partner, admins), as the personal column named when the plan was made (a first name,
say). ``move_person`` moves one person to another table in one round; the figures are
computed again from the stored plan, and the move is audited.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from quotas.problems import KleroError, Problem
from recruitment import audit
from recruitment.db import Database
from recruitment.models import SelectionRun, Site, TablePlan, Volunteer, VolunteerContact
from recruitment.permissions import Action, Actor, allowed
from recruitment.security import Secrets
from recruitment.usecases.common import site_for, site_ref
from recruitment.usecases.panels import run_of
from recruitment.usecases.seats import members, seat_lines
from sampling import (
    Seating,
    SeatingRequest,
    SeatingSettings,
    evaluate_seating,
    plan_html,
    plan_pdf,
    read_constraints,
    seat_tables,
)

#: How to seat a site's panel; constraints name people by pseudonym or by their id.
TableSettings = SeatingSettings


@dataclass(frozen=True)
class TablePlanView:
    """A site's stored plan: the seating (ids are pseudonyms) and the names one may see."""

    site: str
    plan_id: int
    run_id: int
    seating: Seating
    names: dict[str, str]
    settings: dict[str, Any]
    moves: int
    created_by: str
    created_at: str

    def rows(self) -> list[dict[str, Any]]:
        """``pseudonym, round, table`` rows (and ``name`` when names may be shown)."""
        rows = self.seating.rows()
        for row in rows:
            row["pseudonym"] = row.pop("id")
            if self.names:
                row["name"] = self.names.get(row["pseudonym"], "")
        return [{"pseudonym": r.pop("pseudonym"), **r} for r in rows]


Groups = tuple[tuple[str, ...], ...]
TableConstraints = tuple[Groups, Groups, dict[str, int]]  # together, apart, fixed tables


def constraint_files(
    together: Path | None, apart: Path | None, facilitators: Path | None
) -> tuple[Groups, Groups, dict[str, int], list[Problem]]:
    """The together and apart groups and the facilitators' tables of uploaded files (each
    optional; ``group,id`` and ``id,table`` rows), and every problem found in them; the
    same reading as ``klero tables``. A file that cannot be read at all: ``InvalidInput``."""
    return read_constraints((together, apart, facilitators))


def _panel(session: Session, run: SelectionRun) -> list[Volunteer]:
    """The people holding a seat of the run's panel now, in pseudonym order."""
    holding = set(members([line for _, line in seat_lines(session, run.id)]))
    query = (
        select(Volunteer)
        .where(Volunteer.site_id == run.site_id, Volunteer.pseudonym.in_(holding))
        .order_by(Volunteer.pseudonym)
    )
    return list(session.execute(query).scalars())


def _column(site: Site, people: list[Volunteer], column: str) -> tuple[str, ...]:
    """Each person's value of a criterion or declared attribute (never personal data)."""
    if not all(column in v.features or column in (v.attributes or {}) for v in people):
        raise KleroError("tables_column_not_stored", site=site.code, column=column)
    return tuple(str(v.features.get(column, (v.attributes or {}).get(column, ""))) for v in people)


def _request(site: Site, people: list[Volunteer], settings: TableSettings) -> SeatingRequest:
    known = {v.external_id: v.pseudonym for v in people}
    return settings.request(
        [v.pseudonym for v in people],
        lambda column: _column(site, people, column),
        lambda name: known.get(name, name),  # a person named by their id in the pool
    )


def seat_site(
    db: Database, actor: Actor, site: str, settings: TableSettings, run_id: int | None = None
) -> TablePlanView:
    """Seat the panel of ``site`` (its latest selection, or run ``run_id``) and store it."""
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.SEAT_TABLES)
        run = run_of(session, found.code, run_id)
        if run.site_id != found.id:
            raise KleroError("run_not_found", run_id=run.id)
        people = _panel(session, run)
        request = _request(found, people, settings)
        seating = seat_tables(request)
        stored = {**asdict(settings), **_constraints(request)}
        plan = TablePlan(
            site_id=found.id,
            run_id=run.id,
            settings=stored,
            seats={p: seating.tables[:, i].tolist() for i, p in enumerate(request.ids)},
            labels={str(t): label for t, label in seating.labels.items()},
            tables=seating.table_count,
            engine=seating.engine,
            created_by=actor.login,
        )
        session.add(plan)
        session.flush()
        audit.record(
            session,
            actor,
            "tables.seat",
            "table_plan",
            plan.id,
            site_id=found.id,
            after={"run_id": run.id, "settings": stored, **_summary(seating)},
        )
        return _view(session, actor, found, plan, people)


def _constraints(request: SeatingRequest) -> dict[str, Any]:
    return {
        "together": [list(g) for g in request.together],
        "apart": [list(g) for g in request.apart],
        "fixed": dict(request.fixed),
    }


def _summary(seating: Seating) -> dict[str, Any]:
    return {
        "tables": seating.table_count,
        "engine": seating.engine,
        "figures": seating.figures.summary(),
        "random_seating": seating.random.summary(),
        "deviation_floor": round(seating.floor, 4),
    }


def _latest(session: Session, site: Site, *, lock: bool = False) -> TablePlan:
    query = (
        select(TablePlan).where(TablePlan.site_id == site.id).order_by(TablePlan.id.desc()).limit(1)
    )
    if lock:
        query = query.with_for_update()
    plan = session.execute(query).scalar_one_or_none()
    if plan is None:
        raise KleroError("tables_no_plan", site=site.code)
    return plan


def _view(
    session: Session, actor: Actor, site: Site, plan: TablePlan, people: list[Volunteer]
) -> TablePlanView:
    settings = plan.settings
    by_pseudonym = {v.pseudonym: v for v in people}
    # someone erased since (GDPR) is left out of the plan shown
    ids = tuple(p for p in sorted(plan.seats) if p in by_pseudonym)
    seated = [by_pseudonym[p] for p in ids]
    request = SeatingRequest(
        ids=ids,
        criteria={c: _column(site, seated, c) for c in settings["balance"]},
        table_size=settings["table_size"],
        rounds=settings["rounds"],
        seed=settings["seed"],
        together=tuple(tuple(g) for g in settings.get("together", [])),
    )
    tables = np.array([plan.seats[p] for p in ids], dtype=np.int64).T.reshape(-1, len(ids))
    labels = {int(t): str(label) for t, label in plan.labels.items()}
    seating = evaluate_seating(request, tables, labels)
    names: dict[str, str] = {}
    column = settings.get("name_column")
    if column and allowed(actor, Action.VIEW_CONTACTS, site_ref(site)):
        names = _names(session, seated, column)
    return TablePlanView(
        site.code,
        plan.id,
        plan.run_id,
        seating,
        names,
        dict(settings),
        plan.moves,
        plan.created_by,
        plan.created_at.isoformat(timespec="seconds"),
    )


def _names(session: Session, people: list[Volunteer], column: str) -> dict[str, str]:
    """Each person's ``column`` (a personal column, decrypted; else their attribute)."""
    secrets = Secrets.load()
    ids = {v.id: v for v in people}
    query = select(VolunteerContact).where(VolunteerContact.volunteer_id.in_(list(ids)))
    found = {}
    for contact in session.execute(query).scalars():
        value = secrets.decrypt(contact.ciphertext).get(column)
        if value:
            found[ids[contact.volunteer_id].pseudonym] = str(value)
    for v in people:
        if v.pseudonym not in found and column in (v.attributes or {}):
            found[v.pseudonym] = str(v.attributes[column])
    return found


def site_tables(db: Database, actor: Actor, site: str) -> TablePlanView:
    """The site's current table plan, with its figures (names only for those who may)."""
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.VIEW_SITE)
        plan = _latest(session, found)
        run = session.get(SelectionRun, plan.run_id)
        assert run is not None
        return _view(session, actor, found, plan, _people(session, plan))


def _people(session: Session, plan: TablePlan) -> list[Volunteer]:
    query = select(Volunteer).where(
        Volunteer.site_id == plan.site_id, Volunteer.pseudonym.in_(list(plan.seats))
    )
    return list(session.execute(query).scalars())


def move_person(
    db: Database, actor: Actor, site: str, pseudonym: str, round_number: int, table: int
) -> TablePlanView:
    """Move ``pseudonym`` to ``table`` in round ``round_number``; figures follow; audited."""
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.SEAT_TABLES)
        plan = _latest(session, found, lock=True)
        if pseudonym not in plan.seats:
            raise KleroError("tables_person_unknown", site=found.code, pseudonym=pseudonym)
        rounds = len(plan.seats[pseudonym])
        if not (1 <= round_number <= rounds and 1 <= table <= plan.tables):
            raise KleroError(
                "tables_move_invalid",
                site=found.code,
                round=round_number,
                table=table,
                rounds=rounds,
                tables=plan.tables,
            )
        seats = {p: list(t) for p, t in plan.seats.items()}
        before = seats[pseudonym][round_number - 1]
        seats[pseudonym][round_number - 1] = table
        plan.seats = seats
        plan.moves += 1
        session.flush()
        view = _view(session, actor, found, plan, _people(session, plan))
        audit.record(
            session,
            actor,
            "tables.move",
            "table_plan",
            plan.id,
            site_id=found.id,
            before={"pseudonym": pseudonym, "round": round_number, "table": before},
            after={
                "pseudonym": pseudonym,
                "round": round_number,
                "table": table,
                "figures": view.seating.figures.summary(),
            },
        )
        return view


def table_counts(session: Session, site_ids: list[int]) -> dict[int, int]:
    """The number of tables of each site's current plan (sites without a plan: absent)."""
    query = select(TablePlan.site_id, TablePlan.tables).order_by(TablePlan.id)
    return {s: t for s, t in session.execute(query).all() if s in set(site_ids)}


def plan_document(view: TablePlanView, kind: str, lang: str = "en") -> bytes:
    """The plan as a file: ``csv`` (pseudonym, round, table; name when shown), ``html``, ``pdf``."""
    if kind == "pdf":
        return plan_pdf(view.seating, view.names, lang)
    if kind == "html":
        return plan_html(view.seating, view.names, lang).encode("utf-8")
    from quotas.exports import table_bytes

    return table_bytes(pd.DataFrame(view.rows()), "csv")
