"""Reading tabular files people actually send: CSV in any common encoding or delimiter, or XLSX.

Everything is read as text (no type guessing), so ids like "007" survive. Writing is
``quotas.exports``; the quote it puts before formula-like text is taken away here.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from quotas.exports import restore_frame
from quotas.messages import register
from quotas.problems import InvalidInput, Problem

register(
    {
        "file_not_found": "The file {path} does not exist. Check the path.",
        "file_empty": "The file {path} is empty: it has no header row and no data.",
        "file_no_rows": "The file {path} has a header row but no data rows.",
        "file_unreadable": "The file {path} could not be read as {kind}: {detail}.",
        "file_encoding_latin1": (
            "The file {path} is not UTF-8; it was read as Latin-1. Check accented letters, "
            "and save it as UTF-8 next time."
        ),
        "file_unsupported_type": (
            "The file {path} has the extension {suffix!r}; use .csv, .tsv, .txt or .xlsx."
        ),
        "file_blank_header": "The file {path} has a blank column name in column {column}.",
        "file_duplicate_header": "The file {path} has the column {name!r} more than once.",
        "file_ragged_row": (
            "Row {row} of {path} has {found} fields but the header has {expected}. "
            "Check the delimiter and quotes on that row."
        ),
    }
)

_DELIMITERS = [",", ";", "\t", "|"]


def _decode(data: bytes, path: str, problems: list[Problem]) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export: UTF-16 with a byte order mark.
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem("file_encoding_latin1", {"path": path}, "warning"))
    try:
        # Windows' Latin-1 (what Excel writes): like Latin-1, but curly quotes and dashes
        # in 0x80-0x9F come out as themselves, not as control characters.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    header = lines[0]
    best, best_score = ",", -1
    for delim in _DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=delim))) for line in lines]
        width = counts[0]
        if width < 2:
            continue
        consistent = sum(1 for c in counts if c == width)
        score = consistent * 1000 + width
        if score > best_score:
            best, best_score = delim, score
    if best_score < 0 and header.count(";") > header.count(","):
        return ";"
    return best


def read_table_text(text: str, path: str = "<text>") -> tuple[pd.DataFrame, list[Problem]]:
    """Parse CSV text (delimiter detected) into a frame of strings, with any problems.

    ``frame.attrs["row_numbers"]`` (an int array) gives each data row's spreadsheet row
    number; ``read_table`` sets it for XLSX files too.
    """
    problems: list[Problem] = []
    if not text.strip():
        raise InvalidInput([Problem("file_empty", {"path": path})])
    delim = _sniff_delimiter(text)
    # Number records as a spreadsheet numbers rows (blank lines count, a quoted cell
    # spanning lines does not), so messages point at the row the user sees.
    records = enumerate(csv.reader(io.StringIO(text), delimiter=delim), start=1)
    numbered = [(n, r) for n, r in records if "".join(r).strip()]
    rows = [r for _, r in numbered]
    header = [h.strip() for h in rows[0]]
    for i, name in enumerate(header, start=1):
        if not name:
            problems.append(Problem("file_blank_header", {"path": path, "column": i}))
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            problems.append(Problem("file_duplicate_header", {"path": path, "name": name}))
        seen.add(name)
    body: list[list[str]] = []
    for line_no, r in numbered[1:]:
        if len(r) != len(header):
            if len(r) > len(header) and not any(c.strip() for c in r[len(header) :]):
                r = r[: len(header)]
            else:
                problems.append(
                    Problem(
                        "file_ragged_row",
                        {"path": path, "row": line_no, "found": len(r), "expected": len(header)},
                    )
                )
                r = (r + [""] * len(header))[: len(header)]
        body.append([c.strip() for c in r])
    if not body:
        problems.append(Problem("file_no_rows", {"path": path}))
    frame = pd.DataFrame(body, columns=header, dtype=object)
    # A NumPy array, not a list: pandas deep-copies attrs on every operation.
    frame.attrs["row_numbers"] = np.array([n for n, _ in numbered[1:]], dtype=np.int64)
    return restore_frame(frame), problems


def read_table(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV/TSV/XLSX file into a frame of stripped strings, plus problems found.

    Raises InvalidInput when the file cannot be read at all.
    """
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InvalidInput([Problem("file_not_found", {"path": name})])
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            raw = pd.read_excel(
                p, dtype=object, engine="openpyxl", keep_default_na=False, na_filter=False
            )
        except Exception as exc:  # openpyxl raises many types for broken files
            raise InvalidInput(
                [Problem("file_unreadable", {"path": name, "kind": "XLSX", "detail": str(exc)})]
            ) from exc
        raw = raw.dropna(how="all")
        # Row 1 holds the header, so data row i of the sheet is spreadsheet row i + 2.
        row_numbers = np.asarray(raw.index, dtype=np.int64) + 2
        frame = raw.apply(
            lambda col: col.map(lambda v: "" if pd.isna(v) else _cell_text(v))
        ).astype(object)
        frame.columns = [str(c).strip() for c in frame.columns]
        problems: list[Problem] = []
        if frame.empty:
            problems.append(Problem("file_no_rows", {"path": name}))
        frame = frame.reset_index(drop=True)
        frame.attrs["row_numbers"] = row_numbers
        return restore_frame(frame), problems
    if suffix not in (".csv", ".tsv", ".txt", ""):
        raise InvalidInput([Problem("file_unsupported_type", {"path": name, "suffix": suffix})])
    data = p.read_bytes()
    problems = []
    text = _decode(data, name, problems)
    frame, more = read_table_text(text, name)
    return frame, problems + more


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
