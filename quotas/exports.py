"""Tables written for people to open in a spreadsheet: CSV or a real XLSX, never a live formula.

A spreadsheet runs a cell as a formula when its text starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (OWASP's CSV-injection rule), so a volunteer whose id
or answer is ``=HYPERLINK("http://x","y")`` could make a partner's spreadsheet call a
web site. Every table Kleroterion writes goes through ``write_table`` or ``table_bytes``,
which put a ``'`` before such text (``neutralise``). Numbers stay numbers: numeric
columns are never touched, and text that is a plain number (``-0.5``, ``+3``) is left as
it is. ``restore`` takes exactly that ``'`` away again, so Kleroterion reads its own
files back unchanged (``quotas.tables.read_table`` calls it).

Text that already starts with quotes before a dangerous character (``'=x``) gets one
more quote, so that ``restore(neutralise(text)) == text`` for every text.

>>> neutralise('=HYPERLINK("http://x","y")'), neutralise("-0.5"), neutralise("+33 6 12")
('\\'=HYPERLINK("http://x","y")', '-0.5', "'+33 6 12")
>>> restore(neutralise("'=x")), restore("'-foo"), restore("'hello")
("'=x", '-foo', "'hello")
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Literal, SupportsFloat, cast

import numpy as np
import pandas as pd

from quotas.problems import KleroError

TableFormat = Literal["csv", "xlsx"]

#: The first characters that make a spreadsheet read a cell as a formula.
DANGEROUS_FIRST = "=+-@\t\r"
# Quotes, then a dangerous character: text that gets one more quote when written.
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
# One or more quotes, then a dangerous character: text that had one quote added.
_QUOTED = re.compile(r"'+[=+\-@\t\r]")
_RISKY_FIRST = frozenset("'" + DANGEROUS_FIRST)
_QUOTE_FIRST = frozenset("'")
# A plain decimal number, as spreadsheets read one: sign, digits, point, exponent.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def is_plain_number(text: str) -> bool:
    """Whether ``text`` is a plain decimal number (``-0.5``, ``+3``, ``1e-9``), nothing more.

    >>> is_plain_number("-0.5"), is_plain_number("+33 6 12 34 56 78"), is_plain_number("-inf")
    (True, False, False)
    """
    return _NUMBER.fullmatch(text) is not None


def neutralise(value: object) -> object:
    """``value``, with a ``'`` before text a spreadsheet would run as a formula.

    Anything that is not text (numbers, missing values) is returned unchanged.
    """
    if isinstance(value, str) and _NEEDS_QUOTE.match(value) and not is_plain_number(value):
        return "'" + value
    return value


def restore(text: str) -> str:
    """``text`` without the ``'`` that ``neutralise`` added (and nothing else removed)."""
    if _QUOTED.match(text):
        return text[1:]
    return text


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame of text read from a file, with ``restore`` applied to every cell and header.

    ``frame.attrs`` (such as the row numbers ``read_table`` keeps) are carried over.
    """
    out = frame.rename(columns=lambda c: restore(c) if isinstance(c, str) else c)
    for position in range(out.shape[1]):
        values = out.iloc[:, position].tolist()
        changed = _each_text(values, _QUOTE_FIRST, restore)
        if changed is not None:
            out.isetitem(position, _objects(changed))
    out.attrs = frame.attrs
    return out


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with ``neutralise`` applied to every text cell and column name."""
    out = frame.rename(columns=neutralise)
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue
        changed = _each_text(column.tolist(), _RISKY_FIRST, neutralise)
        if changed is not None:
            out.isetitem(position, _objects(changed))
    return out


def _objects(values: list[object]) -> np.ndarray:
    column = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):  # one by one: a list or tuple stays one cell
        column[i] = value
    return column


def _each_text(
    values: list[object],
    first: frozenset[str],
    change: Callable[[str], object],
    joined: str | None = None,
) -> list[object] | None:
    """``values`` with ``change`` applied to text starting with one of ``first``; None if none.

    Looking at the first character before anything else keeps a million cells cheap; a
    column of text none of whose cells can start with one of ``first`` (one search over
    the joined text finds none at the start or after a line break) is not looked at
    cell by cell at all.
    """
    if joined is None:  # ``values`` joined by line breaks, when given
        with contextlib.suppress(TypeError):  # not all text: cell by cell below
            # str.join checks every cell is text as it goes: no scan of its own first
            joined = "\n".join(cast("list[str]", values))
    if (
        joined is not None
        and joined[:1] not in first
        and _starts_pattern(first).search(joined) is None
    ):
        return None
    out: list[object] | None = None
    for i, value in enumerate(values):
        if isinstance(value, str) and value[:1] in first:
            new = change(value)
            if new != value:
                if out is None:
                    out = list(values)
                out[i] = new
    return out


@functools.cache
def _starts_pattern(first: frozenset[str]) -> re.Pattern[str]:
    """Any of ``first`` after a line break (a literal first character: a fast search)."""
    return re.compile("\n[" + "".join(re.escape(c) for c in sorted(first)) + "]")


#: Significant digits a CSV keeps of a float: all a person or a spreadsheet can use, none
#: of binary floating point's noise (0.4799999999999999 is written 0.48).
CSV_DIGITS = 15


def shortest_float(value: object) -> str:
    """``value`` to ``CSV_DIGITS`` significant digits, in the shortest form that reads back.

    ``value``: a number (as pandas hands a CSV's floats over), or its text.
    """
    exact = float(value if isinstance(value, SupportsFloat) else str(value))
    rounded = float(f"{exact:.{CSV_DIGITS}g}")
    return repr(exact if math.isinf(rounded) else rounded)  # the largest floats round to inf


def table_format(path: str | Path) -> TableFormat:
    """The format a path asks for: ``csv`` or ``xlsx``; any other suffix is refused (exit 2).

    Commands call it before any work, so a wrong name costs nothing.
    """
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".xlsx"):
        return "csv" if suffix == ".csv" else "xlsx"
    raise KleroError(
        "export_suffix_unsupported", path=str(path), suffix=suffix, allowed=".csv, .xlsx"
    )


def write_table(frame: pd.DataFrame, path: str | Path, *, float_format: str | None = None) -> None:
    """Write a frame as UTF-8 CSV, or a real XLSX when the path ends in .xlsx; cells neutralised.

    ``float_format`` (e.g. ``"%.4f"``) applies to CSV only; XLSX keeps full numbers.
    """
    p = Path(path)
    kind = table_format(p)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(table_bytes(frame, kind, float_format=float_format, name=str(p)))


def table_bytes(
    frame: pd.DataFrame,
    kind: TableFormat,
    *,
    float_format: str | None = None,
    name: str = "the table",
) -> bytes:
    """The bytes of ``frame`` as a CSV (UTF-8) or XLSX file, for a download or a file."""
    if kind == "csv":
        text = _plain_csv(frame)
        if text is None:
            safe = neutralise_frame(frame)
            # Python's CSV writer quotes a cell holding a line break only if the break is
            # in the line terminator: a carriage return in a cell needs "\r\n" lines.
            ending = "\r\n" if _has_carriage_return(safe) else "\n"
            if float_format is None:
                safe = _floats_as_text(safe)
            columns = _text_columns(safe)
            if columns is not None:
                text = _csv_text([str(c) for c in safe.columns], columns, ending)
            else:
                text = safe.to_csv(
                    index=False, lineterminator=ending, float_format=float_format or shortest_float
                )
        return text.encode("utf-8")
    buffer = io.BytesIO()
    _xlsx(frame, buffer, name)
    return buffer.getvalue()


def _plain_csv(frame: pd.DataFrame) -> str | None:
    """The CSV of a frame of text and whole numbers only, neutralised, in one pass over each
    column (a third of pandas's time on 100,000 rows, the same bytes); None for any other
    frame (floats, missing values, dates...)."""
    columns = _text_columns(frame)
    if columns is None:
        return None
    breaks = False
    for position, values in enumerate(columns):
        if _is_whole(frame.iloc[:, position]):
            continue
        joined = "\n".join(cast("list[str]", values))
        breaks = breaks or "\r" in joined
        changed = _each_text(values, _RISKY_FIRST, neutralise, joined)
        columns[position] = values if changed is None else changed
    header = [str(neutralise(c)) for c in frame.columns]
    ending = "\r\n" if breaks or any("\r" in c for c in header) else "\n"
    return _csv_text(header, columns, ending)


def _is_whole(column: pd.Series) -> bool:
    return isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu"


def _text_columns(frame: pd.DataFrame) -> list[list[object]] | None:
    """Each column's cells when every name and cell is text or a whole number, else None."""
    if frame.shape[1] == 0 or not all(isinstance(c, str) for c in frame.columns):
        return None
    columns: list[list[object]] = []
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        values = column.tolist()
        if not _is_whole(column):
            try:
                "".join(values)  # only text joins
            except TypeError:
                return None
        columns.append(values)
    return columns


def _csv_text(header: list[str], columns: list[list[object]], ending: str) -> str:
    """The CSV text of these columns, as pandas's ``to_csv`` writes it (the same writer)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=ending)
    writer.writerow(header)
    writer.writerows(zip(*columns, strict=True))
    return out.getvalue()


def _floats_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns written by ``shortest_float`` once per distinct value (a column of
    100,000 chances has far fewer values), missing ones as the CSV's empty cell."""
    out: pd.DataFrame | None = None
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if not pd.api.types.is_float_dtype(column):
            continue
        values = column.to_numpy(dtype=np.float64)
        # Distinct by their bits: -0.0 and 0.0 are written apart, as before.
        codes, distinct = pd.factorize(values.view(np.int64))
        texts = np.array(
            [
                "" if math.isnan(v) else shortest_float(v)
                for v in distinct.view(np.float64).tolist()
            ],
            dtype=object,
        )
        out = frame.copy() if out is None else out
        out.isetitem(position, texts[codes])
    return frame if out is None else out


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    if any(isinstance(c, str) and "\r" in c for c in frame.columns):
        return True
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue  # no text in it
        # One search over the joined text: many times faster than a test per cell.
        values = column.tolist()
        try:
            joined = "".join(values)
        except TypeError:  # not all text
            joined = "".join([v for v in values if isinstance(v, str)])
        if "\r" in joined:
            return True
    return False


def _xlsx(frame: pd.DataFrame, out: io.BytesIO, name: str) -> None:
    _workbook({"Sheet1": frame}, out, name)


def workbook_bytes(sheets: Mapping[str, pd.DataFrame], *, name: str = "the workbook") -> bytes:
    """An XLSX file of one sheet per frame (sheet name -> frame), cells neutralised."""
    buffer = io.BytesIO()
    _workbook(sheets, buffer, name)
    return buffer.getvalue()


def _workbook(sheets: Mapping[str, pd.DataFrame], out: io.BytesIO, name: str) -> None:
    # openpyxl is imported here: most commands never write XLSX, and it is slow to import.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    tables: dict[str, list[list[object]]] = {}
    for title, frame in sheets.items():
        headers = [str(c) for c in frame.columns]
        rows = [[neutralise(h) for h in headers]]
        columns = [frame.iloc[:, i].tolist() for i in range(frame.shape[1])]
        rows += [[_excel_value(column[r]) for column in columns] for r in range(len(frame))]
        # Checked before the workbook exists, so a refused value leaves nothing half-built.
        for r, row in enumerate(rows, start=1):
            for value, header in zip(row, headers, strict=True):
                if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
                    raise KleroError(
                        "export_xlsx_illegal_character", path=name, row=r, column=header
                    )
        tables[title] = rows
    # Write-only mode streams rows (large pools stay cheap); each cell is made by hand so
    # that text is stored as text: openpyxl would store a str starting with "=" as a formula.
    book = Workbook(write_only=True)
    for title, rows in tables.items():
        sheet = book.create_sheet(title)
        for row in rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                cells.append(cell)
            sheet.append(cells)
    book.save(out)


def _excel_value(value: object) -> object:
    """A cell value openpyxl stores faithfully: numbers as numbers, text neutralised."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, datetime | date):
        return value.isoformat()  # a time zone or none: text, as in the CSV
    return neutralise(value if isinstance(value, str) else str(value))
