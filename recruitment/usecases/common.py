"""Helpers shared by the use cases: finding sites, quota sets and volunteers, building a Pool."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar, TypeVarTuple

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from quotas.model import Category, Quota, QuotaTable, normalise
from quotas.pool_files import LoadedPool, pool_from_frame
from quotas.problems import KleroError
from recruitment import audit
from recruitment.columns import PERSONAL_ROLES
from recruitment.models import (
    Country,
    Deliberation,
    Organisation,
    QuotaSet,
    Site,
    Volunteer,
    utcnow,
)
from recruitment.permissions import Action, Actor, SiteRef, require
from recruitment.site_texts import SiteConsent, SiteMessage
from recruitment.snapshots import HOUSEHOLD_COLUMN as HOUSEHOLD_COLUMN
from recruitment.snapshots import ID_COLUMN as ID_COLUMN
from recruitment.snapshots import household_labels, quota_columns

N = TypeVar("N", Deliberation, Organisation)
W = TypeVar("W", SiteConsent, SiteMessage)
Row = TypeVarTuple("Row")

#: Ids per IN list (``rows_in``): far below every backend's limit on bound parameters.
IN_CHUNK = 500


def _named(session: Session, model: type[N], name: str, not_found: str) -> N:
    found = session.execute(select(model).where(model.name == name)).scalar_one_or_none()
    if found is None:
        raise KleroError(not_found, key=name)
    return found


def deliberation_named(session: Session, name: str) -> Deliberation:
    """The deliberation called ``name``; raise deliberation_not_found otherwise."""
    return _named(session, Deliberation, name, "deliberation_not_found")


def organisation_named(session: Session, name: str) -> Organisation:
    """The organisation called ``name``; raise organisation_not_found otherwise."""
    return _named(session, Organisation, name, "organisation_not_found")


def add_organisation(session: Session, actor: Actor, name: str) -> Organisation:
    """A new partner organisation, in the caller's transaction, audited."""
    org = Organisation(name=name)
    session.add(org)
    session.flush()
    audit.record(
        session, actor, "organisation.create", "organisation", org.id, after={"name": name}
    )
    return org


def organisations_named(
    session: Session, actor: Actor, names: Iterable[str]
) -> tuple[dict[str, Organisation], list[str]]:
    """The organisations called ``names``, the missing ones created (``add_organisation``,
    in name order); and the names created."""
    wanted = sorted(set(names))
    query = select(Organisation).where(Organisation.name.in_(wanted))
    known = {o.name: o for o in session.execute(query).scalars()}
    created = [name for name in wanted if name not in known]
    for name in created:
        known[name] = add_organisation(session, actor, name)
    return known, created


def add_country(
    session: Session, actor: Actor, deliberation: Deliberation, code: str, name: str
) -> Country:
    """A new country of ``deliberation`` (ISO code, name), in the caller's transaction, audited."""
    country = Country(deliberation_id=deliberation.id, code=code, name=name)
    session.add(country)
    session.flush()
    after = {"deliberation": deliberation.name, "code": code, "name": name}
    audit.record(session, actor, "country.create", "country", country.id, after=after)
    return country


def add_site(session: Session, actor: Actor, site: Site, after: dict[str, Any]) -> Site:
    """``site`` added in the caller's transaction, audited (``site.create`` with ``after``)."""
    session.add(site)
    session.flush()
    audit.record(session, actor, "site.create", "site", site.code, site_id=site.id, after=after)
    return site


def rows_in(
    session: Session, ids: Iterable[int], query: Select[*Row], column: InstrumentedAttribute[int]
) -> Iterator[tuple[*Row]]:
    """The rows of ``query`` restricted to ``column IN ids``, a chunk of ids at a time.

    Read-only overviews use it to read many sites with a fixed number of grouped queries.
    """
    unique = sorted(set(ids))
    for start in range(0, len(unique), IN_CHUNK):
        chunk = unique[start : start + IN_CHUNK]
        yield from session.execute(query.where(column.in_(chunk))).all()


def site_ref(site: Site) -> SiteRef:
    """The permission view of a site."""
    return SiteRef(site.code, site.partner_organisation_id)


def get_site(session: Session, site: str | int, *, lock: bool = False) -> Site:
    """The site with this code (or id); with ``lock``, row-locked until the transaction ends."""
    query = (
        select(Site).where(Site.id == site)
        if isinstance(site, int)
        else select(Site).where(Site.code == site)
    )
    if lock:
        query = query.with_for_update()
    found = session.execute(query).scalar_one_or_none()
    if found is None:
        raise KleroError("site_not_found", site=str(site))
    return found


def site_for(
    session: Session, actor: Actor, site: str | int, action: Action, *, lock: bool = False
) -> Site:
    """Find a site and check that ``actor`` may take ``action`` on it."""
    found = get_site(session, site, lock=lock)
    require(actor, action, site_ref(found))
    return found


def current_quota_set(
    session: Session, site_id: int, version: int | None = None
) -> QuotaSet | None:
    """The newest quota set of a site (or the given version), or None."""
    query = select(QuotaSet).where(QuotaSet.site_id == site_id)
    if version is not None:
        query = query.where(QuotaSet.version == version)
    return session.execute(query.order_by(QuotaSet.version.desc())).scalars().first()


def next_quota_version(session: Session, site_id: int) -> int:
    """The version number the next quota set of a site gets."""
    top = session.execute(
        select(func.max(QuotaSet.version)).where(QuotaSet.site_id == site_id)
    ).scalar_one()
    return int(top or 0) + 1


def quota_rows(table: QuotaTable) -> list[dict[str, Any]]:
    """A quota table as JSON rows, in the table's order."""
    return [
        {
            "feature": q.feature,
            "value": q.value,
            "min": int(q.min),
            "max": int(q.max),
            "target_share": None if q.target_share is None else float(q.target_share),
            **{
                k: int(v)
                for k, v in (("min_flex", q.min_flex), ("max_flex", q.max_flex))
                if v is not None
            },
        }
        for q in table
    ]


def table_from_rows(rows: list[dict[str, Any]]) -> QuotaTable:
    """The quota table stored as JSON rows."""
    return QuotaTable(
        Quota(
            Category(str(r["feature"]), str(r["value"])),
            int(r["min"]),
            int(r["max"]),
            None if r.get("target_share") is None else float(r["target_share"]),
            None if r.get("min_flex") is None else int(r["min_flex"]),
            None if r.get("max_flex") is None else int(r["max_flex"]),
        )
        for r in rows
    )


def active_volunteers(session: Session, site_id: int) -> list[Volunteer]:
    """The site's volunteers who can be selected, by pseudonym."""
    return list(
        session.execute(
            select(Volunteer)
            .where(
                Volunteer.site_id == site_id,
                Volunteer.status == "active",
                Volunteer.consent.is_(True),
            )
            .order_by(Volunteer.pseudonym)
        ).scalars()
    )


def volunteer_frame(
    volunteers: list[Volunteer],
    features: Iterable[str] | None = None,
    *,
    attributes: bool = False,
) -> pd.DataFrame:
    """Pseudonym, criteria and household label (``h1``, ``h2``...) of each volunteer, as text.

    ``features`` keeps only the columns a quota table with those features reads (the
    run snapshots hold nothing more); ``attributes`` adds the declared attributes.
    """
    names = sorted({key for v in volunteers for key in v.features})
    if features is not None:
        wanted = quota_columns(features)
        names = [n for n in names if normalise(n) in wanted]
    data: dict[str, list[str]] = {ID_COLUMN: [v.pseudonym for v in volunteers]}
    for name in names:
        data[name] = [str(v.features.get(name, "")) for v in volunteers]
    if attributes:
        for name in sorted({key for v in volunteers for key in v.attributes or {}} - set(names)):
            data[name] = [str((v.attributes or {}).get(name, "")) for v in volunteers]
    data[HOUSEHOLD_COLUMN] = household_labels(
        data[ID_COLUMN], [v.household_key for v in volunteers]
    )
    return pd.DataFrame(data, dtype=object)


def require_clear_features(site: Site, volunteers: list[Volunteer], quotas: QuotaTable) -> None:
    """Refuse, pointing at ``klero pool classify``, quotas on a column held only encrypted.

    Without this, the pool check would say the column is missing, which is not the case.
    """
    personal = {
        normalise(c): str(c)
        for c, role in (site.pool_columns or {}).items()
        if role in PERSONAL_ROLES
    }
    needed = quota_columns(quotas.features) & set(personal)
    if not needed:
        return
    held = [{normalise(k) for k in v.features} for v in volunteers]
    encrypted = sorted(personal[c] for c in needed if any(c not in keys for keys in held))
    if encrypted:
        raise KleroError(
            "pool_feature_encrypted",
            site=site.code,
            columns=", ".join(map(repr, encrypted)),
            first=encrypted[0],
        )


def pool_of(frame: pd.DataFrame, quotas: QuotaTable, source: str) -> LoadedPool:
    """Check a volunteer frame (from ``volunteer_frame``) against quotas and build the Pool."""
    return pool_from_frame(
        frame, quotas, id_column=ID_COLUMN, address_columns=[HOUSEHOLD_COLUMN], source=source
    )


def text_digest(text: str) -> str:
    """The SHA-256 of a text, what the audit trail keeps of a partner's wording."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save_text(
    session: Session, row: W | None, text: str, login: str, new: Callable[[], W]
) -> dict[str, str] | None:
    """Store a partner's ``text`` in ``row`` (made by ``new`` if None; blank: deleted).

    Returns the audit trail's ``before``: the digest of the text replaced, if any.
    """
    before = {"sha256": text_digest(row.text)} if row is not None else None
    if not text:
        if row is not None:
            session.delete(row)
    elif row is None:
        made = new()
        made.text, made.updated_by = text, login
        session.add(made)
    else:
        row.text, row.updated_by, row.updated_at = text, login, utcnow()
    return before
