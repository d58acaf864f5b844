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
from quotas.problems import InvalidInput, Problem, bounded
from quotas.text_files import check_size, decode_table
from quotas.xlsx import read_xlsx

_DELIMITERS = [",", ";", "\t", "|"]
_SNIFF_CHARS = 1 << 20


def _width(line: str, delim: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delim)))
    except csv.Error:  # a cell over the field limit: the reader reports its row
        return 0


def _sniff_delimiter(text: str) -> str:
    # The first 20 non-blank lines, from a prefix (a huge file is not split whole).
    prefix = text[:_SNIFF_CHARS]
    lines = prefix.splitlines()
    if len(prefix) < len(text) and len(lines) > 1:
        lines.pop()  # cut short by the prefix
    lines = [line for line in lines if line.strip()][:20]
    if not lines:
        return ","
    header = lines[0]
    best, best_score = ",", -1
    for delim in _DELIMITERS:
        counts = [_width(line, delim) for line in lines]
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
    if not text.strip():
        raise InvalidInput([Problem("file_empty", {"path": path})])
    delim = _sniff_delimiter(text)
    numbered, problems = _records(text, delim, path)
    if not numbered:
        raise InvalidInput([Problem("file_empty", {"path": path}), *problems])
    frame, more = table_frame(numbered, path)
    return frame, bounded(problems + more)


def _records(text: str, delim: str, path: str) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """The non-blank records of CSV text, numbered, and the records that could not be read.

    Records are numbered as a spreadsheet numbers rows (blank lines count, a quoted cell
    spanning lines does not), so messages point at the row the user sees. Line ends may
    be ``\n``, ``\r\n`` or a lone ``\r`` (old Macs).
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    numbered: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    nul_rows: list[int] = []
    has_nul = "\x00" in text
    number = 0
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # the reader goes on with the next line
            too_long = "field larger than field limit" in str(exc)
            params = {"path": path, "row": number}
            if too_long:
                params["limit"] = csv.field_size_limit()
            problems.append(
                Problem("file_field_too_long" if too_long else "file_csv_broken", params)
            )
            continue
        if not "".join(record).strip():
            continue
        if has_nul and any("\x00" in cell for cell in record):
            nul_rows.append(number)
        numbered.append((number, record))
    if nul_rows:
        shown = ", ".join(map(str, nul_rows[:20])) + (", …" if len(nul_rows) > 20 else "")
        params = {"path": path, "row": nul_rows[0], "count": len(nul_rows), "rows": shown}
        problems.append(Problem("file_nul_byte", params))
    return numbered, problems


def table_frame(
    numbered: list[tuple[int, list[str]]], path: str, columns: list[str] | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """A frame of stripped strings from numbered rows (the first is the header).

    ``columns`` names each column in messages (an XLSX sheet's letters); by default
    its position (1, 2, ...).
    """
    problems: list[Problem] = []
    header = [h.strip() for h in numbered[0][1]]
    for i, name in enumerate(header, start=1):
        if not name:
            column = columns[i - 1] if columns else i
            problems.append(Problem("file_blank_header", {"path": path, "column": column}))
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
    return restore_frame(frame), bounded(problems)


def read_table(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Read a CSV/TSV/XLSX file into a frame of stripped strings, plus problems found.

    Raises InvalidInput when the file cannot be read at all: missing, empty, binary, in
    a text encoding that cannot be read safely, or a workbook over the bounds of
    ``quotas.xlsx``. Files over ``quotas.text_files.MAX_FILE_BYTES`` are not read.
    """
    p = Path(path)
    name = str(path)
    if not p.is_file():
        raise InvalidInput([Problem("file_not_found", {"path": name})])
    check_size(p.stat().st_size, name)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows, letters, problems = read_xlsx(p, name)
        if not rows:
            raise InvalidInput([Problem("file_empty", {"path": name})])
        frame, more = table_frame(rows, name, letters)
        return frame, bounded(problems + more)
    if suffix not in (".csv", ".tsv", ".txt", ""):
        raise InvalidInput([Problem("file_unsupported_type", {"path": name, "suffix": suffix})])
    try:
        data = p.read_bytes()
    except OSError as exc:  # no permission, a disk error: the file, not Kleroterion
        detail = exc.strerror or type(exc).__name__
        params = {"path": name, "kind": "CSV", "detail": detail}
        raise InvalidInput([Problem("file_unreadable", params)]) from exc
    problems = []
    text = decode_table(data, name, problems)
    frame, more = read_table_text(text, name)
    return frame, problems + more
