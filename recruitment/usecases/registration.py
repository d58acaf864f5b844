"""Public registration: a volunteer signs up on a site's page, without signing in.

The page (``/register?site=SITE&lang=LANG``) asks the site's criteria with their
categories (from its current quotas), a way to reach the person and their consent to the
text the site's partner wrote for that language. A sign-up lands in the site's pool
through the same import as assisted registration (``volunteers.register_volunteers``,
channel ``online``), audited as the actor ``public``, contact details encrypted. The same
e-mail or phone number twice is recognised (the import's keyed contact hashes) and
nothing is added. Flood protection: a hidden field people leave empty (``honeypot``),
at most ``RATE_LIMIT`` sign-ups per client address per site in ``RATE_WINDOW`` (the
address is kept only as a keyed hash), and the site's opening and closing dates.
"""

from __future__ import annotations

import secrets as random_source
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from quotas.problems import InvalidInput, KleroError, Problem
from recruitment.db import Database
from recruitment.models import Site
from recruitment.permissions import Actor
from recruitment.security import Secrets
from recruitment.site_texts import RegistrationAttempt, SiteConsent
from recruitment.usecases.common import current_quota_set, get_site, table_from_rows
from recruitment.usecases.volunteers import Person, register_people_into

#: At most this many public sign-ups per client address and site within ``RATE_WINDOW``.
RATE_LIMIT = 5
RATE_WINDOW = timedelta(minutes=10)
#: The contact details a volunteer may give (at least one of e-mail and phone).
CONTACT_FIELDS = ("name", "email", "phone")
# Letters and digits nobody confuses when reading a reference aloud (no 0/O, 1/I/L).
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CONSENT_MAX = 5000


def public_actor() -> Actor:
    """Whom the audit trail names for a sign-up on the public page."""
    return Actor(0, "public", "public", None)


@dataclass(frozen=True)
class Question:
    """One criterion as the volunteer sees it: its code, its label and its answer options."""

    criterion: str
    label: str
    options: tuple[tuple[str, str], ...]  # (category code, label), in the quotas' order


@dataclass(frozen=True)
class RegistrationForm:
    """What a site's registration page, printed form and read-aloud script ask."""

    site: str
    site_name: str
    lang: str
    questions: tuple[Question, ...]
    consent: str | None  # the partner's text in ``lang``; None: the default text applies
    opens: date | None
    closes: date | None

    def state(self, today: date) -> str:
        """``open``, ``not_ready`` (no quotas), ``unset`` (no dates), ``not_yet`` or ``closed``."""
        if not self.questions:
            return "not_ready"
        if self.opens is None or self.closes is None:
            return "unset"
        if today < self.opens:
            return "not_yet"
        return "closed" if today > self.closes else "open"


@dataclass(frozen=True)
class Registered:
    """A public sign-up's outcome: the new reference, or ``known`` (nothing added)."""

    reference: str | None
    known: bool


def labels(session: Session, site: Site, lang: str, codes: list[str]) -> dict[str, str]:
    """Each criterion's or category's label in ``lang`` (the one place labels come from).

    Today the labels are the codes themselves.
    """
    del session, site, lang  # the labels table per deliberation will be read here
    return {code: code for code in codes}


def today_utc() -> date:
    """Today's date in UTC (registration dates are whole days)."""
    return datetime.now(UTC).date()


def form_of(session: Session, site: Site, lang: str) -> RegistrationForm:
    """The registration form of a site found in the caller's transaction."""
    qs = current_quota_set(session, site.id)
    quotas = table_from_rows(qs.rows) if qs is not None else None
    features = list(quotas.features) if quotas is not None else []
    values = {f: list(quotas.values(f)) for f in features} if quotas is not None else {}
    named = labels(
        session, site, lang, sorted({*features, *(v for vs in values.values() for v in vs)})
    )
    questions = tuple(
        Question(f, named[f], tuple((v, named[v]) for v in values[f])) for f in features
    )
    consent = session.execute(
        select(SiteConsent.text).where(SiteConsent.site_id == site.id, SiteConsent.lang == lang)
    ).scalar_one_or_none()
    return RegistrationForm(
        site.code,
        site.name,
        lang,
        questions,
        consent,
        site.registration_opens,
        site.registration_closes,
    )


def registration_form(db: Database, site: str, lang: str) -> RegistrationForm:
    """A site's public registration form in ``lang`` (no sign-in: nothing personal in it)."""
    with db.unit_of_work() as session:
        return form_of(session, get_site(session, site), lang)


def _checked(
    form: RegistrationForm, answers: Mapping[str, str], contact: Mapping[str, str], consent: bool
) -> tuple[dict[str, str], dict[str, str]]:
    """The answers and contact details to store, or InvalidInput naming every problem."""
    problems: list[Problem] = []
    chosen: dict[str, str] = {}
    for question in form.questions:
        answer = str(answers.get(question.criterion) or "").strip()
        if answer not in {code for code, _ in question.options}:
            problems.append(Problem("registration_answer_missing", {"criterion": question.label}))
        chosen[question.criterion] = answer
    given = {k: str(contact.get(k) or "").strip() for k in CONTACT_FIELDS}
    if not (given["email"] or given["phone"]):
        problems.append(Problem("registration_contact_missing", {}))
    if not consent:
        problems.append(Problem("registration_consent_missing", {}))
    if problems:
        raise InvalidInput(problems)
    return chosen, {k: v for k, v in given.items() if v}


def _not_open(form: RegistrationForm, today: date) -> None:
    state = form.state(today)
    if state != "open":
        opens = form.opens.isoformat() if form.opens else ""
        closes = form.closes.isoformat() if form.closes else ""
        raise KleroError(f"registration_{state}", site=form.site, opens=opens, closes=closes)


def _count_attempt(db: Database, site: str, client: str, now: datetime) -> None:
    """Record a sign-up attempt of ``client`` (committed), or refuse one over the limit."""
    client_hash = Secrets.load().keyed_hash("client", client or "unknown")
    with db.unit_of_work() as session:
        found = get_site(session, site, lock=True)  # serialises attempts on the site
        # Attempts older than the window count no more: forget them (the table stays small).
        session.execute(
            delete(RegistrationAttempt).where(
                RegistrationAttempt.site_id == found.id,
                RegistrationAttempt.at <= now - RATE_WINDOW,
            )
        )
        recent = session.execute(
            select(func.count())
            .select_from(RegistrationAttempt)
            .where(
                RegistrationAttempt.site_id == found.id,
                RegistrationAttempt.client_hash == client_hash,
                RegistrationAttempt.at > now - RATE_WINDOW,
            )
        ).scalar_one()
        if recent >= RATE_LIMIT:
            minutes = int(RATE_WINDOW.total_seconds() // 60)
            raise KleroError("registration_too_many", limit=RATE_LIMIT, minutes=minutes)
        session.add(RegistrationAttempt(site_id=found.id, client_hash=client_hash, at=now))


def new_reference() -> str:
    """A fresh reference number to give the volunteer, e.g. ``R-7KQ4-M2XH``."""
    letters = "".join(random_source.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"R-{letters[:4]}-{letters[4:]}"


def register_online(
    db: Database,
    site: str,
    answers: Mapping[str, str],
    contact: Mapping[str, str],
    *,
    lang: str,
    consent: bool,
    client: str,
    honeypot: str = "",
    now: datetime | None = None,
) -> Registered:
    """Sign a volunteer up on the site's public page; the reference, or ``known``.

    Raises ``registration_refused`` when the hidden field is filled, the site's state
    (``registration_not_yet``, ``registration_closed``, ...) outside its dates,
    ``registration_too_many`` over the rate limit, InvalidInput for a missing answer,
    contact or consent.
    """
    if honeypot.strip():
        raise KleroError("registration_refused")
    now = now or datetime.now(UTC)
    form = registration_form(db, site, lang)
    _not_open(form, now.date())
    answered, given = _checked(form, answers, contact, consent)
    _count_attempt(db, form.site, client, now)
    reference = new_reference()
    with db.unit_of_work() as session:
        found = get_site(session, form.site, lock=True)
        _not_open(form_of(session, found, lang), now.date())  # as it is now, under the lock
        report = register_people_into(
            session,
            public_actor(),
            found,
            [Person(reference, answered, given)],
            channel="online",
            source="online",
            lang=lang,
        )
    if report.added:
        return Registered(reference, known=False)
    if any(p.code.startswith("pool_import_duplicate_") for p in report.problems):
        return Registered(None, known=True)
    raise InvalidInput(report.problems or [Problem("registration_refused", {})])


def consent_problem(text: str) -> Problem | None:
    """Why a consent text cannot be saved, if it cannot (too long)."""
    if len(text) > _CONSENT_MAX:
        return Problem("registration_consent_too_long", {"length": len(text), "max": _CONSENT_MAX})
    return None
