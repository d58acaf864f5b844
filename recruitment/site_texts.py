"""The tables of a site's public face: the texts its partner writes per language, sign-up attempts.

Part of the service's models (``recruitment.models`` imports this module, so the tables are
always in ``Base.metadata``). Changes here need a new migration in ``migrations/versions``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recruitment.models import Base, utcnow


class _SiteText:
    """The columns of a text a site's partner wrote for one language."""

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    lang: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SiteConsent(_SiteText, Base):
    """The consent text of public registration in one language."""

    __tablename__ = "site_consent"
    __table_args__ = (UniqueConstraint("site_id", "lang", name="uq_site_consent_lang"),)


class SiteMessage(_SiteText, Base):
    """An invitation, stand-by or confirmation text in one language."""

    __tablename__ = "site_message"
    __table_args__ = (UniqueConstraint("site_id", "kind", "lang", name="uq_site_message"),)
    kind: Mapped[str] = mapped_column(String(20))


class RegistrationAttempt(Base):
    """A public sign-up attempt, for the rate limit: a keyed hash of the client, not its address."""

    __tablename__ = "registration_attempt"
    __table_args__ = (Index("ix_registration_attempt_client", "site_id", "client_hash", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    client_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
