"""From a pool file to rows to store: classify every column, check, split clear from personal.

``prepare`` classifies the columns (``recruitment.columns``), then checks the pool with
``pool_from_frame``, which reads the values of the id, the quotas' features and the
address columns only (its messages quote values, and a value of a personal column must
never appear in a message: a quota feature declared personal is left out of the check),
and returns the frame indexed by id. ``pool_rows`` splits each row into criteria,
declared attributes and personal data, with keyed hashes of the e-mail, the phone and
the address (households).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from quotas.model import QuotaTable, normalise
from quotas.pool_files import address_key, as_text, pool_from_frame
from quotas.problems import Problem, errors_only
from recruitment.channels import channel_of
from recruitment.columns import (
    SAMPLE_SIZE,
    Classification,
    Declaration,
    Reason,
    Role,
    classify,
    looks_like_email,
    looks_like_phone,
)
from recruitment.security import Secrets, normalise_email, normalise_phone
from recruitment.snapshots import quota_columns


@dataclass(frozen=True)
class PoolRow:
    """One volunteer as stored: criteria and attributes in clear, personal data to encrypt."""

    external_id: str
    features: dict[str, str]
    attributes: dict[str, str]
    personal: dict[str, str]
    email_hash: str | None
    phone_hash: str | None
    household_key: str | None
    channel: str


@dataclass(frozen=True)
class Prepared:
    """A classified and checked pool: the frame (all columns as text, indexed by id) or None."""

    classification: Classification
    frame: pd.DataFrame | None
    problems: list[Problem]
    rows: int

    @property
    def ok(self) -> bool:
        """Whether nothing stops the import."""
        return self.frame is not None


def samples(text: pd.DataFrame) -> dict[str, list[str]]:
    """Up to ``SAMPLE_SIZE`` non-blank values per column, from the first rows (to recognise
    e-mails and phones)."""
    out: dict[str, list[str]] = {}
    head = text.head(SAMPLE_SIZE * 5)  # enough for a verdict, whatever the pool's size
    for i, column in enumerate(head.columns):
        values = head.iloc[:, i]
        out.setdefault(str(column), values[values.str.strip() != ""].head(SAMPLE_SIZE).tolist())
    return out


def _unique(problems: Sequence[Problem]) -> list[Problem]:
    seen: set[str] = set()
    out: list[Problem] = []
    for p in problems:
        key = repr((p.code, sorted(p.params.items()), p.severity))
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def prepare(
    frame: pd.DataFrame,
    *,
    quotas: QuotaTable | None,
    criteria: Sequence[str],
    declaration: Declaration,
    source: str,
) -> Prepared:
    """Classify and check a pool frame; nothing personal is read beyond the samples."""
    text = as_text(frame)
    found = classify(
        [str(c) for c in text.columns],
        declaration,
        quota_features=quotas.features if quotas is not None else (),
        criteria=criteria,
        samples=samples(text),
        source=source,
    )
    table = quotas or QuotaTable([])
    demoted = {
        normalise(c.column)
        for c in found.columns
        if c.role not in (Role.FEATURE, Role.ID) and c.reason is Reason.DECLARED
    }
    if demoted:  # already reported as pool_quota_column_not_feature; not "missing" too
        table = QuotaTable(q for q in table if not quota_columns([q.feature]) & demoted)
    loaded = pool_from_frame(
        text,
        table,
        id_column=declaration.id_column,
        address_columns=found.with_role(Role.ADDRESS),
        source=source,
    )
    # An import may add to a pool: empty categories are a matter for the whole pool.
    problems = _unique(
        [*found.problems, *(p for p in loaded.problems if p.code not in _WHOLE_POOL)]
    )
    if errors_only(problems) or loaded.pool is None:
        return Prepared(found, None, problems, len(text))
    return Prepared(found, loaded.frame, problems, len(text))


#: Problems about the whole pool, not one import's rows.
_WHOLE_POOL = frozenset({"pool_category_empty", "pool_category_empty_allowed"})


def _first(
    values: dict[str, str],
    columns: Sequence[str],
    test: Callable[[str], bool],
    clean: Callable[[str], str],
) -> str:
    """The first value among ``columns`` that passes ``test``, cleaned ("" when none)."""
    for column in columns:
        value = values[column]
        if value and test(value):
            return clean(value)
    return ""


def pool_rows(prepared: Prepared, secrets: Secrets, channel: str) -> list[PoolRow]:
    """Each row of a prepared pool split for storage, sorted by id."""
    assert prepared.frame is not None
    found = prepared.classification
    features = found.with_role(Role.FEATURE)
    attributes = found.with_role(Role.ATTRIBUTE)
    personal = found.personal
    addresses = found.with_role(Role.ADDRESS)
    emails, phones = found.of_kind("email"), found.of_kind("phone")
    channel_col = found.channel_column
    frame = prepared.frame
    names = [str(c) for c in frame.columns]
    out: list[PoolRow] = []
    for ext_id, cells in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        values = {c: str(v).strip() for c, v in zip(names, cells, strict=True)}
        email = _first(values, emails, looks_like_email, normalise_email)
        phone = _first(values, phones, looks_like_phone, normalise_phone)
        address = address_key([values[c] for c in addresses])
        out.append(
            PoolRow(
                external_id=str(ext_id),
                features={c: values[c] for c in features},
                attributes={c: values[c] for c in attributes},
                personal={c: values[c] for c in personal if values[c]},
                email_hash=secrets.keyed_hash("email", email) if email else None,
                phone_hash=secrets.keyed_hash("phone", phone) if phone else None,
                household_key=None if address is None else secrets.keyed_hash("address", address),
                channel=channel_of(values[channel_col], channel) if channel_col else channel,
            )
        )
    return sorted(out, key=lambda r: r.external_id)
