"""Loading and checking volunteer pool files: every problem of a file at once, with row numbers.

A pool file has one row per volunteer: a pseudonymous id, one column per feature of the
quota table (matched case-insensitively), optional address columns that define shared
households, and any other columns, which are kept for the personal-details side.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from quotas.messages import EMPTY
from quotas.model import QuotaTable, normalise
from quotas.pool import Pool
from quotas.pool_values import feature_codes, problem, rows_params, rows_text
from quotas.problems import (
    PROBLEMS_SHOWN_PER_CODE,
    InvalidInput,
    Problem,
    bounded,
    errors_only,
    raise_if_errors,
)
from quotas.tables import read_table

_APOSTROPHES = re.compile(r"['’`´]")
_PUNCTUATION = re.compile(r"[^\w\s]")


@dataclass(frozen=True, eq=False)
class LoadedPool:
    """A pool file after checking: the Pool (None on errors), every column, every problem.

    ``frame`` holds all columns of the file as strings. Without errors its index is the
    id column (same name as in the file) and its rows follow ``pool.ids``; with errors it
    is the file as read, indexed by spreadsheet row number (2 = first data row).
    """

    pool: Pool | None
    frame: pd.DataFrame
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop the pool from being used."""
        return errors_only(self.problems)

    @property
    def warnings(self) -> list[Problem]:
        """The problems worth a look that do not stop the pool."""
        return [p for p in self.problems if p.severity == "warning"]

    def raise_for_errors(self) -> Pool:
        """Return the pool, or raise InvalidInput listing every problem if any is an error."""
        raise_if_errors(self.problems)
        assert self.pool is not None  # no errors means the pool was built
        return self.pool


def load_pool(
    path: str | Path,
    quotas: QuotaTable,
    *,
    id_column: str = "id",
    address_columns: Sequence[str] = (),
) -> LoadedPool:
    """Read a pool file (CSV in any common delimiter/encoding, or XLSX) and check it.

    Never raises for bad input: a file that cannot be read gives a LoadedPool with
    ``pool=None`` and the problems.
    """
    source = str(path)
    try:
        frame, read_problems = read_table(path)
    except InvalidInput as exc:
        return LoadedPool(None, pd.DataFrame(), list(exc.problems))
    loaded = pool_from_frame(
        frame, quotas, id_column=id_column, address_columns=address_columns, source=source
    )
    # The reader already said the file has no rows; do not say it twice.
    has_no_rows = any(p.code == "file_no_rows" for p in read_problems)
    rest = [
        p
        for p in loaded.problems
        if p not in read_problems and not (has_no_rows and p.code == "pool_empty")
    ]
    problems = read_problems + rest
    if errors_only(read_problems):
        return LoadedPool(None, _by_row_number(frame), problems)
    return LoadedPool(loaded.pool, loaded.frame, problems)


def pool_from_frame(
    frame: pd.DataFrame,
    quotas: QuotaTable,
    *,
    id_column: str = "id",
    address_columns: Sequence[str] = (),
    source: str = "<frame>",
) -> LoadedPool:
    """Check a frame of volunteers against a quota table and build the Pool.

    >>> from quotas.model import quota_table
    >>> q = quota_table([("gender", "female", 1, 1), ("gender", "male", 1, 1)])
    >>> people = pd.DataFrame({"ID": ["b", "a"], "Gender": ["Male", " female"]})
    >>> loaded = pool_from_frame(people, q, id_column="id")
    >>> loaded.pool.ids, loaded.frame["Gender"].tolist(), loaded.problems
    (('a', 'b'), [' female', 'Male'], [])
    """
    text = as_text(frame)
    rows = _row_numbers(text)
    # Checks read the first of identically named columns; the duplicate is reported.
    work = text.loc[:, ~text.columns.duplicated()]
    problems: list[Problem] = []
    found = ", ".join(repr(str(c)) for c in text.columns) or EMPTY
    columns = _column_index(text, source, problems)

    if len(text) == 0:
        problems.append(problem("pool_empty", source))

    # -- ids ------------------------------------------------------------------
    id_name = columns.get(normalise(id_column))
    ids: pd.Series | None = None
    if id_name is None:
        problems.append(problem("pool_missing_id_column", source, id_column=id_column, found=found))
    else:
        ids = work[id_name].str.strip()
        problems.extend(_id_problems(ids, rows, source))

    # -- features -------------------------------------------------------------
    values = feature_codes(work, quotas, columns, rows, source)
    if values.missing:
        names = ", ".join(map(repr, values.missing))
        problems.append(
            problem("pool_missing_feature_columns", source, features=names, found=found)
        )
    problems.extend(values.problems)

    # -- households -----------------------------------------------------------
    address_names: list[str] = []
    missing_address: list[str] = []
    for name in address_columns:
        actual = columns.get(normalise(name))
        (missing_address if actual is None else address_names).append(actual or name)
    if missing_address:
        names = ", ".join(map(repr, missing_address))
        problems.append(problem("pool_missing_address_columns", source, columns=names, found=found))

    # Row problems in row order, as a person fixing the file top-down meets them.
    row_problems = sorted(
        (p for p in problems if "row" in p.params), key=lambda p: int(p.params["row"])
    )
    # At most PROBLEMS_SHOWN_PER_CODE of each kind, each kind's rest counted after it.
    problems = bounded([p for p in problems if "row" not in p.params] + row_problems)

    if errors_only(problems) or ids is None:
        return LoadedPool(None, _by_row_number(text), problems)

    codes = np.zeros((len(ids), len(quotas.features)), dtype=np.int32)  # no quotas yet: none
    for f, feature in enumerate(quotas.features):
        codes[:, f] = values.codes[feature]
    _rewrite(text, values.rewrites)
    households = _household_keys(work, address_names) if address_names else None
    id_list = ids.tolist()
    pool = Pool.from_codes(id_list, codes, quotas, households)
    problems.extend(_empty_categories(pool, quotas, source))
    assert id_name is not None
    kept = text.set_index(ids.rename(id_name)).drop(columns=[id_name])
    return LoadedPool(pool, kept.iloc[Pool.id_order(id_list)], problems)


# -- helpers --------------------------------------------------------------------------


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as a string, blanks as "" (read_table's frames already are)."""
    # Built by position so that duplicate column names (reported by the reader) survive.
    data = {i: _column_text(frame.iloc[:, i]) for i in range(frame.shape[1])}
    out = pd.DataFrame(data, index=pd.RangeIndex(len(frame)))
    out.columns = pd.Index([str(c).strip() for c in frame.columns])
    out.attrs = dict(frame.attrs)
    return out


def _column_text(values: pd.Series) -> pd.Series:
    def cell(v: object) -> str:
        if isinstance(v, str):
            return v
        if isinstance(v, float) and v.is_integer():
            return str(int(v))  # ids and counts read by pandas as floats, e.g. 7.0 -> "7"
        return str(v)

    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return pd.Series(values.to_numpy(dtype=object), dtype=object)  # read_table's frames
    missing = values.isna().tolist()
    cells = ["" if m else cell(v) for v, m in zip(values.tolist(), missing, strict=True)]
    return pd.Series(cells, dtype=object)


def _row_numbers(text: pd.DataFrame) -> np.ndarray:
    """Spreadsheet row number of each row: the reader's when given, else 2, 3, ..."""
    given = text.attrs.get("row_numbers")
    if given is not None and len(given) == len(text):
        return np.asarray(given, dtype=np.int64)
    return np.arange(2, len(text) + 2, dtype=np.int64)


def _by_row_number(text: pd.DataFrame) -> pd.DataFrame:
    out = as_text(text)
    out.index = pd.Index(_row_numbers(text), name="row")
    return out


def _column_index(text: pd.DataFrame, source: str, problems: list[Problem]) -> dict[str, str]:
    """Map normalised column names to the file's names; report names given twice."""
    groups: dict[str, list[str]] = {}
    for column in text.columns:
        groups.setdefault(normalise(column), []).append(str(column))
    for key, names in groups.items():
        if len(set(names)) == 1 < len(names):
            # The reader's own problem, so that load_pool reports it once.
            problems.append(Problem("file_duplicate_header", {"path": source, "name": names[0]}))
        elif len(names) > 1 and key:
            listed = ", ".join(map(repr, names))
            problems.append(problem("pool_ambiguous_column", source, name=key, columns=listed))
    return {key: names[0] for key, names in groups.items()}


def _rewrite(text: pd.DataFrame, rewrites: dict[str, dict[str, str]]) -> None:
    """Write values read only in their NFKC form as the category's own spelling."""
    for column, spellings in rewrites.items():
        cells = text[column]
        read_as = cells.str.strip().map(spellings)
        text[column] = read_as.where(read_as.notna(), cells)


def _id_problems(ids: pd.Series, rows: np.ndarray, source: str) -> list[Problem]:
    problems: list[Problem] = []
    blank = (ids == "").to_numpy()
    if blank.any():
        problems.append(problem("pool_blank_id", source, **rows_params(rows[blank])))
    dup = ids.duplicated(keep=False).to_numpy() & ~blank
    if dup.any():
        groups = pd.Series(rows[dup]).groupby(ids[dup].to_numpy(), sort=False)
        more = groups.ngroups - PROBLEMS_SHOWN_PER_CODE
        if more > 0:  # the first ones are shown, the rest counted (not built)
            params = {"kind": "pool_duplicate_id", "count": more}
            problems.append(Problem("problems_more", params))
        for pid, group in itertools.islice(groups, PROBLEMS_SHOWN_PER_CODE):
            where = group.to_numpy()
            problems.append(
                problem(
                    "pool_duplicate_id",
                    source,
                    id=str(pid),
                    row=int(where[0]),
                    rows=rows_text(where),
                )
            )
    return problems


def normalise_address(value: str) -> str:
    """The matching key of an address: case, white space and punctuation ignored.

    >>> normalise_address("12 High St.") == normalise_address(" 12  high st")
    True
    """
    without = _APOSTROPHES.sub("", value)
    return " ".join(_PUNCTUATION.sub(" ", without).split()).casefold()


def address_key(parts: Sequence[str]) -> str | None:
    """The household key of an address given in several columns; None when all are blank.

    People with the same key live at the same address: one household.

    >>> address_key(["12 High St.", "AB1 2CD"]) == address_key([" 12  high st", "ab1 2cd"])
    True
    >>> address_key(["", " "]) is None
    True
    """
    return _joined([normalise_address(part) for part in parts])


def _joined(normalised: Sequence[str]) -> str | None:
    # A separator no normalised address holds (white space is collapsed to single spaces).
    return "\x1f".join(normalised) if any(normalised) else None


def _household_keys(text: pd.DataFrame, address_names: Sequence[str]) -> list[str | None]:
    """``address_key`` of each row (each distinct value is normalised once per column)."""
    parts: list[list[str]] = []
    for name in address_names:
        labels, uniques = pd.factorize(text[name], sort=False)
        keys = np.array([normalise_address(str(u)) for u in uniques], dtype=object)
        parts.append(keys[labels].tolist() if len(labels) else [])
    return [_joined(row) for row in zip(*parts, strict=True)]


def _empty_categories(pool: Pool, quotas: QuotaTable, source: str) -> list[Problem]:
    problems: list[Problem] = []
    for f, feature in enumerate(pool.features):
        counts = np.bincount(pool.matrix[:, f], minlength=len(pool.values[f]))
        for j, value in enumerate(pool.values[f]):
            if counts[j] == 0:
                lo, hi = quotas.bounds(feature, value)
                # With a minimum of 0 the panel simply has none of them: say so, ask nothing.
                code = "pool_category_empty" if lo > 0 else "pool_category_empty_allowed"
                problems.append(
                    problem(
                        code,
                        source,
                        "warning",
                        feature=feature,
                        value=value,
                        min=lo,
                        max=hi,
                    )
                )
    return problems
