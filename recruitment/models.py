"""The service's tables as typed SQLAlchemy 2 models: who, where, which volunteers, which runs.

Personal data (every pool column that is not the id, a criterion or a declared
attribute) lives in its own table, encrypted; every other table holds only pseudonymous
data. Changes to this file need a new migration in ``migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from quotas.labels import LABEL_MAX
from recruitment.channels import CHANNELS

ROLES = ("admin", "coordinator", "partner", "evaluator")
VOLUNTEER_STATUSES = ("active", "withdrawn", "erased")
RUN_STATUSES = ("running", "succeeded", "failed")
SEAT_KINDS = ("selected", "alternate")
SEAT_STATUSES = ("selected", "invited", "confirmed", "declined", "withdrawn", "attended", "no-show")
PANEL_SIZE_MIN, PANEL_SIZE_MAX = 50, 200
#: An online site (no place) may have a panel of up to this many seats.
ONLINE_PANEL_SIZE_MAX = 10_000
SITE_KINDS = ("in_person", "online")
REGION_MAX = 200
LOGIN_MAX = 100


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    """Base of every model."""


class Organisation(Base):
    """A partner organisation (or the coordinating body)."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    """A person who logs in, with one role and (for partners) an organisation."""

    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="ck_user_role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(LOGIN_MAX), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A one-time password (``klero user import``): no sign-in until the user sets their own.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    # The e-mail address, Fernet-encrypted ({"email": ...}); personal data, never in clear.
    contact: Mapped[bytes | None] = mapped_column(LargeBinary)
    organisation: Mapped[Organisation | None] = relationship()


class UserTotp(Base):
    """A user's second factor: a TOTP secret (Fernet-encrypted), asked at sign-in once confirmed.

    ``last_step`` is the newest 30-s step whose code signed the user in: a code of that
    step or an older one is refused, so an overheard code cannot be used again.
    """

    __tablename__ = "user_totp"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignInFailure(Base):
    """A failed sign-in for a login as typed (known or not), kept while it can count to a lock."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_login_at", "login", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(LOGIN_MAX))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Deliberation(Base):
    """A deliberation held at many sites, e.g. a global deliberation day."""

    __tablename__ = "deliberation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # The criteria every site's pool may hold in clear (besides its quotas' features).
    criteria: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Country(Base):
    """A country taking part in a deliberation."""

    __tablename__ = "country"
    __table_args__ = (UniqueConstraint("deliberation_id", "code", name="uq_country_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(ForeignKey("deliberation.id"))
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    deliberation: Mapped[Deliberation] = relationship()


class CriterionLabel(Base):
    """A criterion's or category's label in one language, for one deliberation.

    ``category`` is empty for the criterion's own label. Files and stored data keep the
    codes; pages and reports show these labels (``quotas.labels``).
    """

    __tablename__ = "criterion_label"
    __table_args__ = (
        UniqueConstraint(
            "deliberation_id", "criterion", "category", "lang", name="uq_criterion_label"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    deliberation_id: Mapped[int] = mapped_column(ForeignKey("deliberation.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(200), default="")
    lang: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(LABEL_MAX))


def panel_size_check() -> str:
    """The site table's check: the kind is known and the panel size within its kind's bounds."""
    return (
        f"(kind = 'in_person' AND panel_size BETWEEN {PANEL_SIZE_MIN} AND {PANEL_SIZE_MAX})"
        f" OR (kind = 'online' AND panel_size BETWEEN {PANEL_SIZE_MIN} AND {ONLINE_PANEL_SIZE_MAX})"
    )


class Site(Base):
    """A place where one panel meets (or an online panel), run by one partner organisation."""

    __tablename__ = "site"
    __table_args__ = (CheckConstraint(panel_size_check(), name="ck_site_panel_size"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("country.id"))
    name: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    # A first-level subdivision (e.g. "Auvergne-Rhône-Alpes"), for filtering and aggregates.
    region: Mapped[str | None] = mapped_column(String(REGION_MAX))
    # The catchment: the regions the site recruits from (ISO 3166-2 names); [] = the country.
    # ``region`` is then the first of them. Read it with ``recruitment.catchment.site_regions``.
    regions: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    kind: Mapped[str] = mapped_column(String(20), default="in_person", server_default="in_person")
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    panel_size: Mapped[int] = mapped_column(Integer)
    partner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    # Column name -> role of the pool columns the site's volunteers hold (names, never values).
    pool_columns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    # The public registration page takes sign-ups between these dates (inclusive; None: shut).
    registration_opens: Mapped[date | None] = mapped_column(Date)
    registration_closes: Mapped[date | None] = mapped_column(Date)
    # The panel's meeting, as invitations give it (None: not set yet; the place: the venue).
    meeting_date: Mapped[date | None] = mapped_column(Date)
    meeting_time: Mapped[str | None] = mapped_column(String(40))
    meeting_place: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    country: Mapped[Country] = relationship()
    partner: Mapped[Organisation] = relationship()


class QuotaSet(Base):
    """One version of a site's quota table; a new version on every change."""

    __tablename__ = "quota_set"
    __table_args__ = (UniqueConstraint("site_id", "version", name="uq_quota_set_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    version: Mapped[int] = mapped_column(Integer)
    rows: Mapped[list[Any]] = mapped_column(JSON)  # [{feature, value, min, max, target_share}]
    source: Mapped[str] = mapped_column(String(20))  # "table" or "margins"
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Volunteer(Base):
    """A volunteer of a site, pseudonymous: criteria, declared attributes, workflow data."""

    __tablename__ = "volunteer"
    __table_args__ = (
        UniqueConstraint("site_id", "external_id", name="uq_volunteer_external_id"),
        CheckConstraint(_in("status", VOLUNTEER_STATUSES), name="ck_volunteer_status"),
        CheckConstraint(_in("channel", CHANNELS), name="ck_volunteer_channel"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(40), unique=True)
    external_id: Mapped[str] = mapped_column(String(200))
    features: Mapped[dict[str, Any]] = mapped_column(JSON)  # criteria only
    # Declared non-personal columns, kept in clear.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    channel: Mapped[str] = mapped_column(String(20))
    consent: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), default="active")
    household_key: Mapped[str | None] = mapped_column(String(64))
    # The language the person registered in (public page, paper form); None: not recorded.
    lang: Mapped[str | None] = mapped_column(String(20))
    source_sha256: Mapped[str | None] = mapped_column(String(64))  # the file it came from
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VolunteerContact(Base):
    """A volunteer's personal data (column -> value), Fernet-encrypted, with keyed hashes."""

    __tablename__ = "volunteer_contact"
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True
    )
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)


class SelectionRun(Base):
    """One selection: its inputs (enough to re-run it), its status and its results."""

    __tablename__ = "selection_run"
    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATUSES), name="ck_run_status"),
        # At most one running selection per site, whatever the callers do.
        Index(
            "uq_run_one_running_per_site",
            "site_id",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    quota_set_id: Mapped[int] = mapped_column(ForeignKey("quota_set.id"))
    algorithm: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    alternates: Mapped[int] = mapped_column(Integer, default=0)
    seed: Mapped[int | None] = mapped_column(Integer)
    public_number: Mapped[int | None] = mapped_column(Integer)
    lottery_size: Mapped[int] = mapped_column(Integer)
    lottery_index: Mapped[int | None] = mapped_column(Integer)
    input_sha256: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)  # pool and quota snapshot
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(80))
    error_message: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str] = mapped_column(String(100))
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    seconds: Mapped[float | None] = mapped_column(Float)
    fairness: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    probabilities: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # pseudonym -> pi


class PanelSeat(Base):
    """A volunteer's place in a run's panel (selected) or reserve list (alternate).

    An alternate invited as a replacement points at the seat it fills (``replaces_id``):
    the seat of a panel member who dropped out, or of an earlier replacement who did.
    """

    __tablename__ = "panel_seat"
    __table_args__ = (
        UniqueConstraint("run_id", "volunteer_id", name="uq_seat_volunteer"),
        CheckConstraint(_in("kind", SEAT_KINDS), name="ck_seat_kind"),
        CheckConstraint(_in("status", SEAT_STATUSES), name="ck_seat_status"),
        # A vacated seat is filled at most once.
        Index("uq_seat_replaces", "replaces_id", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("selection_run.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    kind: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="selected")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("panel_seat.id", name="fk_seat_replaces")
    )
    volunteer: Mapped[Volunteer] = relationship()


class AuditEvent(Base):
    """One change, hash-chained to the one before it; never updated or deleted."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC text: hashed exactly as stored
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(80))
    site_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class TablePlan(Base):
    """A site's seating at tables for the day, round by round (the latest one is current).

    ``seats`` maps each panel member's pseudonym to their table in every round; the
    settings say how it was made (criteria, table size, rounds, seed, constraints by
    pseudonym), so the same plan can be made again. No personal data.
    """

    __tablename__ = "table_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("selection_run.id"))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    seats: Mapped[dict[str, Any]] = mapped_column(JSON)  # pseudonym -> [table per round]
    labels: Mapped[dict[str, Any]] = mapped_column(JSON)  # table number -> language, zones
    tables: Mapped[int] = mapped_column(Integer)
    engine: Mapped[str] = mapped_column(String(40))
    moves: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_by: Mapped[str] = mapped_column(String(LOGIN_MAX))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# The texts partners write and the public sign-up attempts live beside (same Base).
import recruitment.site_texts  # noqa: E402,F401
