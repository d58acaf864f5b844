"""Labels of a deliberation's criteria and categories, per language: read, set, fill from margins.

Coordinators and admins label any deliberation; a partner labels the deliberations where
its organisation runs a site (``Action.SET_LABELS``). Anyone who may view sites reads
them. Each change is audited with the codes, languages and labels it changed (labels
are names of categories, never personal data). An empty label removes one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from quotas.labels import LabelRow, Labels, labels_from_frame
from quotas.model import normalise
from quotas.problems import raise_if_errors
from quotas.tables import read_table
from recruitment import audit
from recruitment.db import Database
from recruitment.models import CriterionLabel, Deliberation, Site
from recruitment.permissions import Action, Actor, SiteRef, require
from recruitment.usecases.common import deliberation_named


@dataclass(frozen=True)
class LabelsReport:
    """What ``set_labels`` changed, and how many labels the deliberation has now."""

    deliberation: str
    changed: int
    removed: int
    total: int


def _require_labelling(session: Session, actor: Actor, delib: Deliberation) -> None:
    """Coordinators and admins; a partner only where its organisation runs a site."""
    if actor.role != "partner":
        require(actor, Action.SET_LABELS)
        return
    own = session.execute(
        select(Site.code, Site.partner_organisation_id)
        .join(Site.country)
        .where(Site.partner_organisation_id == actor.organisation_id)
        .where(Site.country.has(deliberation_id=delib.id))
        .order_by(Site.code)
        .limit(1)
    ).first()
    require(actor, Action.SET_LABELS, SiteRef(own[0], own[1]) if own else None)


def _stored(session: Session, delib: Deliberation) -> list[CriterionLabel]:
    query = select(CriterionLabel).where(CriterionLabel.deliberation_id == delib.id)
    rows = session.execute(query).scalars()
    return sorted(rows, key=lambda r: (r.criterion, r.category, r.lang))


def deliberation_labels(db: Database, actor: Actor, deliberation: str) -> list[LabelRow]:
    """Every label of a deliberation, by criterion, category and language."""
    require(actor, Action.VIEW_SITE)
    with db.unit_of_work() as session:
        delib = deliberation_named(session, deliberation)
        return [LabelRow(r.criterion, r.category, r.lang, r.label) for r in _stored(session, delib)]


def labels_of(session: Session, deliberation_id: int) -> Labels:
    """A deliberation's labels for look-ups (reports, pages), inside a caller's transaction."""
    query = select(CriterionLabel).where(CriterionLabel.deliberation_id == deliberation_id)
    return Labels(
        LabelRow(r.criterion, r.category, r.lang, r.label) for r in session.execute(query).scalars()
    )


def store_labels(
    session: Session, actor: Actor, delib: Deliberation, rows: Sequence[LabelRow]
) -> tuple[int, int]:
    """Write ``rows`` (an empty label removes one) and audit the change; (changed, removed)."""
    stored = {
        (normalise(r.criterion), normalise(r.category), r.lang): r for r in _stored(session, delib)
    }
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    removed = 0
    for row in rows:
        key = (normalise(row.criterion), normalise(row.category), row.lang)
        name = f"{row.criterion}|{row.category}|{row.lang}"
        found = stored.get(key)
        if found is not None and found.label == row.label:
            continue
        if found is None and not row.label:
            continue
        before[name] = found.label if found is not None else ""
        after[name] = row.label
        if found is None:
            found = CriterionLabel(
                deliberation_id=delib.id,
                criterion=row.criterion,
                category=row.category,
                lang=row.lang,
                label=row.label,
            )
            session.add(found)
            stored[key] = found
        elif row.label:
            found.label = row.label
        else:
            session.delete(found)
            del stored[key]
            removed += 1
    if after:
        audit.record(
            session, actor, "labels.set", "deliberation", delib.id, before=before, after=after
        )
    return len(after) - removed, removed


def set_labels(
    db: Database, actor: Actor, deliberation: str, rows: Sequence[LabelRow]
) -> LabelsReport:
    """Set labels of a deliberation's criteria and categories (one transaction, audited)."""
    with db.unit_of_work() as session:
        delib = deliberation_named(session, deliberation)
        _require_labelling(session, actor, delib)
        changed, removed = store_labels(session, actor, delib, rows)
        session.flush()
        total = len(_stored(session, delib))
        return LabelsReport(delib.name, changed, removed, total)


def import_labels(db: Database, actor: Actor, deliberation: str, path: str | Path) -> LabelsReport:
    """Set labels from a labels file (CSV or XLSX); every problem listed, nothing half-stored."""
    source = Path(path)
    frame, problems = read_table(source)
    rows, found = labels_from_frame(frame, source.name)
    raise_if_errors(problems + found)
    return set_labels(db, actor, deliberation, rows)
