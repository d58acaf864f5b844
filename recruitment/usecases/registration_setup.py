"""A partner's side of registration: consent texts, opening dates, and what each channel brought.

Consent texts are per site and language (an empty text brings back the default wording);
the dates open and close the site's public page. Both are audited. ``channel_mix`` counts
the site's active volunteers per registration channel and per criterion category, so a
partner sees whether phone, paper and in-person recruitment reach people the online page
misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import select

from quotas.languages import codes, shipped
from quotas.problems import InvalidInput, KleroError
from recruitment import audit
from recruitment.db import Database
from recruitment.models import Volunteer
from recruitment.permissions import Action, Actor
from recruitment.site_texts import SiteConsent
from recruitment.usecases.common import save_text, site_for, text_digest
from recruitment.usecases.registration import RegistrationForm, consent_problem, form_of


@dataclass(frozen=True)
class RegistrationSettings:
    """A site's registration: its dates and the consent text written for each language."""

    site: str
    opens: date | None
    closes: date | None
    consents: dict[str, str]  # lang -> text, only the languages a partner wrote
    # The languages of the public page's links: the site's own (its plan's ``languages``)
    # that Kleroterion ships, or every shipped language when it names none of them.
    languages: tuple[str, ...]


def registration_settings(db: Database, actor: Actor, site: str) -> RegistrationSettings:
    """The site's registration dates and consent texts."""
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.VIEW_SITE)
        rows = session.execute(
            select(SiteConsent.lang, SiteConsent.text)
            .where(SiteConsent.site_id == found.id)
            .order_by(SiteConsent.lang)
        ).all()
        return RegistrationSettings(
            found.code,
            found.registration_opens,
            found.registration_closes,
            {lang: text for lang, text in rows},
            tuple(shipped(str(tag) for tag in found.languages or []) or codes()),
        )


def site_form(db: Database, actor: Actor, site: str, lang: str) -> RegistrationForm:
    """The site's registration form in ``lang``, for a partner (printing, reading aloud)."""
    with db.unit_of_work() as session:
        return form_of(session, site_for(session, actor, site, Action.VIEW_SITE), lang)


def set_consent_text(db: Database, actor: Actor, site: str, lang: str, text: str) -> None:
    """Save the consent text of ``lang`` (blank: back to the default wording); audited."""
    text = text.strip()
    problem = consent_problem(text)
    if problem is not None:
        raise InvalidInput([problem])
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.IMPORT_POOL, lock=True)
        row = session.execute(
            select(SiteConsent).where(SiteConsent.site_id == found.id, SiteConsent.lang == lang)
        ).scalar_one_or_none()
        before = save_text(
            session, row, text, actor.login, lambda: SiteConsent(site_id=found.id, lang=lang)
        )
        audit.record(
            session,
            actor,
            "site.consent",
            "site",
            found.code,
            site_id=found.id,
            before=before,
            after={"lang": lang, "sha256": text_digest(text) if text else None},
        )


def set_registration_dates(
    db: Database, actor: Actor, site: str, opens: date | None, closes: date | None
) -> None:
    """Open the site's public page from ``opens`` to ``closes`` (inclusive); both None: shut."""
    if (opens is None) != (closes is None):
        raise KleroError("registration_dates_incomplete", site=site)
    if opens is not None and closes is not None and closes < opens:
        raise KleroError(
            "registration_dates_order", opens=opens.isoformat(), closes=closes.isoformat()
        )
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.IMPORT_POOL, lock=True)
        before = _dates(found.registration_opens, found.registration_closes)
        found.registration_opens, found.registration_closes = opens, closes
        audit.record(
            session,
            actor,
            "site.registration",
            "site",
            found.code,
            site_id=found.id,
            before=before,
            after=_dates(opens, closes),
        )


def _dates(opens: date | None, closes: date | None) -> dict[str, str | None]:
    return {
        "opens": opens.isoformat() if opens else None,
        "closes": closes.isoformat() if closes else None,
    }


def channel_mix(db: Database, actor: Actor, site: str) -> pd.DataFrame:
    """Active volunteers per channel and criterion category: channel, criterion, category, count.

    The row with criterion ``""`` holds each channel's total.
    """
    with db.unit_of_work() as session:
        found = site_for(session, actor, site, Action.VIEW_SITE)
        rows = session.execute(
            select(Volunteer.channel, Volunteer.features)
            .where(Volunteer.site_id == found.id, Volunteer.status == "active")
            .order_by(Volunteer.id)
        ).all()
    counts: dict[tuple[str, str, str], int] = {}
    for channel, features in rows:
        counts[(channel, "", "")] = counts.get((channel, "", ""), 0) + 1
        for criterion, category in sorted((features or {}).items()):
            key = (channel, str(criterion), str(category))
            counts[key] = counts.get(key, 0) + 1
    return pd.DataFrame(
        [(*key, n) for key, n in sorted(counts.items())],
        columns=["channel", "criterion", "category", "count"],
    )
