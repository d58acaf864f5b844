"""Reading the first sheet of an XLSX workbook within bounds: only the cells that hold a value.

A workbook is a zip of XML parts, and both can lie: a 25 KB file may unzip to gigabytes,
or hold a stray cell at column XFD that a table reader pads into millions of empty
cells. So, before anything is inflated, the zip's directory must be small and the parts'
unzipped sizes (which ``zipfile`` never reads past) must add up to at most
``MAX_UNZIPPED_BYTES``. Then one streaming pass (expat, constant memory, no element
tree) reads the first worksheet, keeping only cells whose text is not blank, and refuses
the sheet as soon as a value lies beyond column ``MAX_COLUMNS`` or the values exceed
``MAX_CELLS``; the ``<dimension>`` claim and formatted empty cells cost nothing. Values
are converted as openpyxl would (shared and inline strings, numbers, dates by their
number format) and written as text, whole numbers without ``.0``. The bounds of the zip
and the workbook's parts (which sheet, shared strings, date styles) are in
``quotas.xlsx_parts``; this module reads the sheet.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO

from openpyxl.utils.datetime import from_excel, from_ISO8601

from quotas.problems import InvalidInput, Problem
from quotas.xlsx_parts import (
    MAIN,
    MAX_CELLS,
    PHONETIC,
    TEXT,
    Book,
    check_directory,
    check_parts,
    sax,
)

MAX_COLUMNS = 500
#: Longest cell read (the CSV reader's limit; Excel's own is 32,767 characters).
MAX_CELL_CHARS = 131_072

_ROW, _CELL, _VALUE, _INLINE = MAIN + "row", MAIN + "c", MAIN + "v", MAIN + "is"
_COORDINATE = re.compile(r"([A-Za-z]{1,3})(\d+)$")


def read_xlsx(
    path: Path, name: str
) -> tuple[list[tuple[int, list[str]]], list[str], list[Problem]]:
    """The non-blank rows of the first sheet, as text over the columns that hold a value.

    Returns ``(rows, columns, problems)``: each row is ``(sheet row number, cells)``, the
    first being the header; ``columns`` gives each kept column's letters. Raises
    InvalidInput when the workbook is damaged or over the bounds.
    """
    try:
        check_directory(path, name)
        with zipfile.ZipFile(path) as z:
            check_parts(z, name)
            book = Book.open(z)
            with z.open(book.sheet) as stream:
                if _surely_too_many_values(stream, book):
                    params = {"path": name, "limit": MAX_CELLS}
                    raise InvalidInput([Problem("file_too_many_cells", params)])
            scan = _SheetScan(book, name)
            with z.open(book.sheet) as stream:
                scan.run(stream)
    except InvalidInput:
        raise
    except Exception as exc:  # zipfile, zlib, expat and int() all raise their own types
        raise InvalidInput([Problem("file_xlsx_broken", {"path": name})]) from exc
    columns = sorted(scan.used_columns)
    rows = [(number, [cells.get(c, "") for c in columns]) for number, cells in scan.rows]
    return rows, [column_letters(c) for c in columns], scan.problems


#: What a quick count looks for in a sheet's XML, and what it takes away (see below).
_VALUE_TAG, _EMPTY_VALUE = b"<v>", b"<v><"
_MAYBE_BLANK = (b't="e"', b't="str"')
_STRING_CELL = b't="s"'


def _surely_too_many_values(stream: IO[bytes], book: Book) -> bool:
    """Whether the sheet holds more than ``MAX_CELLS`` non-blank values, for certain.

    A byte count (C speed, a second or so for five million cells, where the exact
    streaming pass takes half a minute): every ``<v>`` holding something, less every
    cell that could still be blank (errors, formula strings, and string cells when a
    shared string is blank), is a value the exact pass would count. Above the limit the
    sheet is refused at once; otherwise the exact pass decides.
    """
    counted = {pattern: 0 for pattern in (_VALUE_TAG, _EMPTY_VALUE, *_MAYBE_BLANK, _STRING_CELL)}
    tail = b""
    while chunk := stream.read(1 << 20):
        both = tail + chunk
        for pattern in counted:  # occurrences ending in this chunk, none counted twice
            counted[pattern] += both.count(pattern) - tail.count(pattern)
        tail = both[-8:]
    surely = counted[_VALUE_TAG] - counted[_EMPTY_VALUE] - sum(counted[p] for p in _MAYBE_BLANK)
    if any(not text.strip() for text in book.strings):
        surely -= counted[_STRING_CELL]
    return surely > MAX_CELLS


def column_letters(number: int) -> str:
    """The letters of a 1-based column number.

    >>> column_letters(1), column_letters(27), column_letters(16384)
    ('A', 'AA', 'XFD')
    """
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def cell_text(value: object) -> str:
    """A cell's value as the text a table holds: whole numbers without ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- the sheet ---------------------------------------------------------------------------------


class _SheetScan:
    """One streaming pass over a worksheet's XML, keeping the non-blank cells of each row."""

    def __init__(self, book: Book, name: str) -> None:
        self.book = book
        self.name = name
        self.rows: list[tuple[int, dict[int, str]]] = []
        self.used_columns: set[int] = set()
        self.problems: list[Problem] = []
        self.cells = 0
        self.row = 0
        self.column = 0
        self.current: dict[int, str] = {}
        self.kind = "n"
        self.style = 0
        self.parts: list[str] | None = None  # the text of the value being read
        self.capture = False
        self.inline = False
        self.phonetic = 0
        self.length = 0

    def run(self, stream: IO[bytes]) -> None:
        """Read the whole sheet (raises InvalidInput at the first bound exceeded)."""
        sax(stream, self.start, self.end, self.chars)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == _CELL:
            coordinate = attrs.get("r")
            if coordinate:
                match = _COORDINATE.match(coordinate)
                if match is None:
                    raise ValueError(f"cell reference {coordinate!r}")
                self.column = _column_number(match.group(1))
            else:
                self.column += 1
            self.kind = attrs.get("t", "n")
            self.style = int(attrs.get("s") or 0)
            self.parts, self.inline, self.length = None, False, 0
        elif tag == _VALUE and not self.inline:
            self.parts, self.capture = [], True
        elif tag == _INLINE:
            self.inline, self.parts = True, []
        elif tag == PHONETIC:
            self.phonetic += 1
        elif tag == TEXT and self.inline and not self.phonetic:
            self.capture = True
        elif tag == _ROW:
            given = attrs.get("r")
            self.row = int(float(given)) if given else self.row + 1
            self.column = 0
            self.current = {}

    def chars(self, data: str) -> None:
        if self.capture and self.parts is not None and self.length <= MAX_CELL_CHARS:
            self.parts.append(data)
            self.length += len(data)

    def end(self, tag: str) -> None:
        if tag in (_VALUE, TEXT):
            self.capture = False
        elif tag == PHONETIC:
            self.phonetic -= 1
        elif tag == _CELL:
            self._keep_cell()
        elif tag == _ROW and self.current:
            self.rows.append((self.row, self.current))
            self.current = {}

    def _keep_cell(self) -> None:
        if self.parts is None:
            return
        text = self._text("".join(self.parts))
        self.parts = None
        if not text:
            return
        if self.column > MAX_COLUMNS:
            cell = f"{column_letters(self.column)}{self.row}"
            params = {"path": self.name, "cell": cell, "limit": MAX_COLUMNS}
            raise InvalidInput([Problem("file_too_many_columns", params)])
        self.cells += 1
        if self.cells > MAX_CELLS:
            params = {"path": self.name, "limit": MAX_CELLS}
            raise InvalidInput([Problem("file_too_many_cells", params)])
        if self.length > MAX_CELL_CHARS or len(text) > MAX_CELL_CHARS:
            params = {"path": self.name, "row": self.row, "limit": MAX_CELL_CHARS}
            self.problems.append(Problem("file_field_too_long", params))
        self.used_columns.add(self.column)
        self.current[self.column] = text

    def _text(self, raw: str) -> str:
        """A value as openpyxl reads it (data only), then as table text ("" when empty)."""
        kind = self.kind
        if kind == "s":
            return self.book.strings[int(raw)].strip() if raw else ""
        if kind == "b":
            return str(bool(int(raw))) if raw else ""
        if kind == "e":
            return ""  # #N/A, #DIV/0!...: no value (pandas read them as missing)
        if kind == "d" and raw:
            return cell_text(from_ISO8601(raw))
        if kind != "n" or not raw:
            return raw.strip()  # inline strings, formula results written as text
        number: float = float(raw) if any(c in raw for c in ".eE") else int(raw)
        if self.style in self.book.date_styles:
            try:
                delta = self.style in self.book.timedelta_styles
                return cell_text(from_excel(number, self.book.epoch, timedelta=delta))
            except (OverflowError, ValueError):
                return ""
        return cell_text(number)
