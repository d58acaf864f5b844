"""Which column of a pool is what: criteria and declared attributes in clear, all else personal.

Default-deny. Every column gets exactly one role: ``id``; ``feature`` (a criterion: declared,
a feature of the site's quotas, or a criterion of the deliberation); ``attribute``
(declared non-personal); ``channel`` (the registration channel, recognised by name);
``contact`` or ``address`` (personal, declared or recognised); or ``personal``, the
default for everything else. Only ids, features and attributes are ever stored or shown
in clear. Recognising a header (``recruitment.lexicon``) or the values of a column (most
look like e-mail addresses or phone numbers) only says which personal columns hold the
e-mail and phone used for the duplicate check; it never makes a column clear.

Pure: no database; the use cases pass in the quotas' features and the criteria.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from quotas.messages import EMPTY
from quotas.model import normalise
from quotas.problems import Problem, Severity
from recruitment.lexicon import header_key, recognise_header
from recruitment.snapshots import quota_columns


class Role(StrEnum):
    """What a column of a pool is, and so how it is stored and who sees it."""

    ID = "id"
    FEATURE = "feature"
    ATTRIBUTE = "attribute"
    CHANNEL = "channel"
    CONTACT = "contact"
    ADDRESS = "address"
    PERSONAL = "personal"


class Reason(StrEnum):
    """Why a column got its role."""

    DECLARED = "declared"
    QUOTAS = "quotas"
    CRITERIA = "criteria"
    RECOGNISED = "recognised"
    DEFAULT = "default"


# Roles whose values are personal data: encrypted, shown only to the site's partner.
PERSONAL_ROLES = frozenset({Role.CONTACT, Role.ADDRESS, Role.PERSONAL})
# Roles a caller may declare for a column (the id has its own option).
DECLARABLE = (Role.FEATURE, Role.ATTRIBUTE, Role.CONTACT, Role.ADDRESS, Role.PERSONAL)
CHANNEL_HEADERS = frozenset({"channel", "registration channel"})

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s().\-/]+$")
# Values looked at per column to recognise e-mail addresses and phone numbers.
SAMPLE_SIZE = 200


def looks_like_email(value: str) -> bool:
    """Whether a value has the shape of an e-mail address.

    >>> looks_like_email("ana@example.org"), looks_like_email("n/a")
    (True, False)
    """
    return bool(_EMAIL.match(value.strip()))


def looks_like_phone(value: str) -> bool:
    """Whether a value has the shape of a phone number (7 to 15 digits, usual separators).

    Bare numbers of 8 digits or fewer not starting with 0 are taken for codes, not phones.

    >>> [looks_like_phone(v) for v in ("+33 6 12 34 56 78", "0612345678", "20240001", "P12")]
    [True, True, False, False]
    """
    text = value.strip()
    if not _PHONE.match(text):
        return False
    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= 15:
        return False
    dressed = text.startswith(("+", "0")) or not text.isdigit()
    return dressed or digits >= 9


def content_kind(values: Iterable[str]) -> str | None:
    """``email`` or ``phone`` when more than half of the non-blank values look like one."""
    seen = [v for v in values if v.strip()]
    if not seen:
        return None
    for kind, test in (("email", looks_like_email), ("phone", looks_like_phone)):
        if 2 * sum(test(v) for v in seen) > len(seen):
            return kind
    return None


@dataclass(frozen=True)
class ColumnRole:
    """One column's role, why it has it, and for personal columns what it was recognised as."""

    column: str
    role: Role
    reason: Reason
    kind: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-ready form (``column``, ``role``, ``reason``, ``kind``)."""
        return {
            "column": self.column,
            "role": str(self.role),
            "reason": str(self.reason),
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Declaration:
    """The roles a caller declares; every list holds column names (matched like features)."""

    id_column: str = "id"
    feature_columns: tuple[str, ...] = ()
    attribute_columns: tuple[str, ...] = ()
    contact_columns: tuple[str, ...] = ()
    address_columns: tuple[str, ...] = ()
    personal_columns: tuple[str, ...] = ()

    def declared(self) -> dict[Role, tuple[str, ...]]:
        """The declared columns by role."""
        return {
            Role.FEATURE: self.feature_columns,
            Role.ATTRIBUTE: self.attribute_columns,
            Role.CONTACT: self.contact_columns,
            Role.ADDRESS: self.address_columns,
            Role.PERSONAL: self.personal_columns,
        }


@dataclass(frozen=True)
class Classification:
    """Every column of a pool with its role, and the problems of the declaration."""

    columns: tuple[ColumnRole, ...]
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    def with_role(self, *roles: Role) -> list[str]:
        """The columns with one of ``roles``, in the file's order."""
        return [c.column for c in self.columns if c.role in roles]

    @property
    def id_column(self) -> str | None:
        """The id column, when the file has it."""
        return next(iter(self.with_role(Role.ID)), None)

    @property
    def channel_column(self) -> str | None:
        """The registration channel column, if any."""
        return next(iter(self.with_role(Role.CHANNEL)), None)

    @property
    def personal(self) -> list[str]:
        """The columns stored encrypted."""
        return self.with_role(*PERSONAL_ROLES)

    def of_kind(self, kind: str) -> list[str]:
        """The personal columns recognised as ``kind`` (``email``, ``phone``, ...)."""
        return [c.column for c in self.columns if c.role in PERSONAL_ROLES and c.kind == kind]

    def roles(self) -> dict[str, str]:
        """Column -> role (what audit events record: names and roles, never values)."""
        return {c.column: str(c.role) for c in self.columns}


def _problem(code: str, source: str, severity: Severity = "error", **params: object) -> Problem:
    return Problem(code, {"source": source, **params}, severity)


def _declared_roles(
    columns: Sequence[str], declaration: Declaration, source: str
) -> tuple[dict[str, Role], list[Problem]]:
    """Column -> declared role, and the problems: declared twice, declared but absent.

    A column declared both a contact and an address column is an address column.
    """
    by_key = {normalise(c): c for c in columns}
    found = ", ".join(repr(c) for c in columns) or EMPTY
    roles: dict[str, list[Role]] = {}
    problems: list[Problem] = []
    wanted = [(Role.ID, (declaration.id_column,)), *declaration.declared().items()]
    for role, names in wanted:
        for name in dict.fromkeys(normalise(n) for n in names if str(n).strip()):
            column = by_key.get(name)
            if column is None:
                if role is not Role.ID:  # a missing id column is the pool reader's problem
                    problems.append(
                        _problem(
                            "pool_column_declared_missing",
                            source,
                            column=name,
                            role=str(role),
                            found=found,
                        )
                    )
                continue
            if role not in roles.setdefault(column, []):
                roles[column].append(role)
    for column, given in roles.items():
        if set(given) == {Role.CONTACT, Role.ADDRESS}:
            # An address is a contact detail too: no conflict, the finer role holds.
            given[:] = [Role.ADDRESS]
        if len(given) > 1:
            listed = ", ".join(str(r) for r in given)
            problems.append(
                _problem("pool_column_declared_twice", source, column=column, roles=listed)
            )
    return {c: given[0] for c, given in roles.items()}, problems


def _kind(column: str, samples: Mapping[str, Sequence[str]]) -> str | None:
    return recognise_header(column) or content_kind(samples.get(column, ())[:SAMPLE_SIZE])


def classify(
    columns: Sequence[str],
    declaration: Declaration = Declaration(),
    *,
    quota_features: Iterable[str] = (),
    criteria: Iterable[str] = (),
    samples: Mapping[str, Sequence[str]] | None = None,
    source: str = "<pool>",
) -> Classification:
    """Give every column one role, with its reason; list the declaration's problems.

    ``quota_features`` are the features of the site's current quotas, ``criteria`` the
    deliberation's; ``samples`` some values per column (to recognise e-mails and phones).

    >>> c = classify(["id", "gender", "courriel", "notes"], quota_features=["gender"])
    >>> [f"{x.column}:{x.role}:{x.reason}" for x in c.columns][1:]
    ['gender:feature:quotas', 'courriel:contact:recognised', 'notes:personal:default']
    """
    columns = [str(c) for c in columns]
    samples = samples or {}
    declared, problems = _declared_roles(columns, declaration, source)
    in_quotas, in_criteria = quota_columns(quota_features), quota_columns(criteria)
    out: list[ColumnRole] = []
    for column in columns:
        key = normalise(column)
        role = declared.get(column)
        if role is not None:
            if key in in_quotas and role not in (Role.FEATURE, Role.ID):
                problems.append(
                    _problem("pool_quota_column_not_feature", source, column=column, role=str(role))
                )
            kind = _kind(column, samples) if role in PERSONAL_ROLES else None
            out.append(ColumnRole(column, role, Reason.DECLARED, kind))
        elif key in in_quotas:
            out.append(ColumnRole(column, Role.FEATURE, Reason.QUOTAS))
        elif key in in_criteria:
            out.append(ColumnRole(column, Role.FEATURE, Reason.CRITERIA))
        elif header_key(column) in CHANNEL_HEADERS:
            out.append(ColumnRole(column, Role.CHANNEL, Reason.RECOGNISED))
        else:
            kind = _kind(column, samples)
            if kind is None:
                out.append(ColumnRole(column, Role.PERSONAL, Reason.DEFAULT))
            else:
                out.append(ColumnRole(column, Role.CONTACT, Reason.RECOGNISED, kind))
    result = Classification(tuple(out))
    if not declaration.feature_columns and not result.with_role(Role.FEATURE):
        found = ", ".join(repr(c) for c in columns) or EMPTY
        problems.append(_problem("pool_import_no_criteria", source, found=found))
    id_column = result.id_column
    if id_column is not None:
        looks = content_kind(samples.get(id_column, ())[:SAMPLE_SIZE])
        if looks is not None:
            code = "pool_id_looks_email" if looks == "email" else "pool_id_looks_phone"
            problems.append(_problem(code, source, "warning", column=id_column))
    return Classification(tuple(out), tuple(problems))
