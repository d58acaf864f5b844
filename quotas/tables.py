"""Reading tabular files people actually send: CSV in any common encoding or delimiter, or XLSX.

Everything is read as text (no type guessing), so ids like "007" survive.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

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
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem("file_encoding_latin1", {"path": path}, "warning"))
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
    """Parse CSV text (delimiter detected) into a frame of strings, with any problems."""
    problems: list[Problem] = []
    if not text.strip():
        raise InvalidInput([Problem("file_empty", {"path": path})])
    delim = _sniff_delimiter(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=delim))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
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
    for line_no, r in enumerate(rows[1:], start=2):
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
    return frame, problems


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
            raw = pd.read_excel(p, dtype=object, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for broken files
            raise InvalidInput(
                [Problem("file_unreadable", {"path": name, "kind": "XLSX", "detail": str(exc)})]
            ) from exc
        raw = raw.dropna(how="all")
        frame = raw.apply(
            lambda col: col.map(lambda v: "" if pd.isna(v) else _cell_text(v))
        ).astype(object)
        frame.columns = [str(c).strip() for c in frame.columns]
        problems: list[Problem] = []
        if frame.empty:
            problems.append(Problem("file_no_rows", {"path": name}))
        return frame.reset_index(drop=True), problems
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


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a frame as UTF-8 CSV, or XLSX when the path ends in .xlsx."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.suffix.lower() == ".xlsx":
        frame.to_excel(p, index=False, engine="openpyxl")
    else:
        frame.to_csv(p, index=False, lineterminator="\n")
