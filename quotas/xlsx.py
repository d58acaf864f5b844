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
number format) and written as text, whole numbers without ``.0``.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

from quotas.problems import InvalidInput, Problem

MAX_COLUMNS = 500
MAX_CELLS = 5_000_000
#: Parts of a workbook may unzip to this much in all (about 20 s of parsing at most).
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
#: The zip's table of contents (46 bytes and a name per part) must fit in this.
MAX_DIRECTORY_BYTES = 1024 * 1024
#: Longest cell read (the CSV reader's limit; Excel's own is 32,767 characters).
MAX_CELL_CHARS = 131_072

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
_ROW, _CELL, _VALUE = _MAIN + "row", _MAIN + "c", _MAIN + "v"
_INLINE, _TEXT, _PHONETIC = _MAIN + "is", _MAIN + "t", _MAIN + "rPh"
_SI = _MAIN + "si"
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
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
        _check_directory(path, name)
        with zipfile.ZipFile(path) as z:
            _check_parts(z, name)
            book = _Book.open(z)
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


# -- bounds checked before anything is inflated ----------------------------------------------


def _too_large(name: str) -> InvalidInput:
    limit = MAX_UNZIPPED_BYTES // (1024 * 1024)
    return InvalidInput([Problem("file_xlsx_too_large", {"path": name, "limit_mb": limit})])


def _check_directory(path: Path, name: str) -> None:
    """Refuse a zip whose table of contents is too big to read (before zipfile reads it)."""
    with path.open("rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 65_557))  # the end record and the longest comment it may have
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return  # not a zip: zipfile says so
    entries, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    if directory_size > MAX_DIRECTORY_BYTES or entries > MAX_DIRECTORY_BYTES // 46:
        raise _too_large(name)


def _check_parts(z: zipfile.ZipFile, name: str) -> None:
    if sum(info.file_size for info in z.infolist()) > MAX_UNZIPPED_BYTES:
        raise _too_large(name)


# -- the workbook: which sheet, its shared strings and date styles ---------------------------


def _xml(z: zipfile.ZipFile, part: str) -> ElementTree.Element:
    data = z.read(part)
    if b"<!DOCTYPE" in data:  # entity tricks need one; no workbook part has one
        raise ValueError("a document type declaration")
    return ElementTree.fromstring(data)


def _relations(z: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target part) of a part (targets resolved to zip names)."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if rels not in z.namelist():
        return {}
    out: dict[str, tuple[str, str]] = {}
    for rel in _xml(z, rels).iter(_NS_PKG + "Relationship"):
        target = rel.get("Target", "")
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), resolved)
    return out


@dataclass
class _Book:
    sheet: str
    strings: list[str] = field(default_factory=list)
    date_styles: frozenset[int] = frozenset()
    timedelta_styles: frozenset[int] = frozenset()
    epoch: Any = WINDOWS_EPOCH

    @classmethod
    def open(cls, z: zipfile.ZipFile) -> _Book:
        """The first worksheet (as openpyxl and pandas pick it) and what reading it needs."""
        root = next(t for kind, t in _relations(z, "").values() if kind.endswith("/officeDocument"))
        workbook = _xml(z, root)
        rels = _relations(z, root)
        sheets = [
            rels.get(s.get(_NS_REL + "id", ""), ("", "")) for s in workbook.iter(_NS_MAIN + "sheet")
        ]
        sheet = next(target for kind, target in sheets if kind.endswith("/worksheet"))
        pr = workbook.find(_NS_MAIN + "workbookPr")
        mac = pr is not None and pr.get("date1904", "") in ("1", "true")
        book = cls(sheet, epoch=MAC_EPOCH if mac else WINDOWS_EPOCH)
        for kind, target in rels.values():
            if kind.endswith("/sharedStrings"):
                with z.open(target) as stream:
                    book.strings = _shared_strings(stream)
            elif kind.endswith("/styles"):
                book.date_styles, book.timedelta_styles = _date_styles(_xml(z, target))
        return book


def _date_styles(styles: ElementTree.Element) -> tuple[frozenset[int], frozenset[int]]:
    """Indexes of the cell styles whose number format shows a date, and a duration."""
    custom = {
        int(f.get("numFmtId", "-1")): f.get("formatCode", "")
        for f in styles.iter(_NS_MAIN + "numFmt")
    }
    dates: set[int] = set()
    durations: set[int] = set()
    xfs = styles.find(_NS_MAIN + "cellXfs")
    for index, xf in enumerate([] if xfs is None else xfs.iter(_NS_MAIN + "xf")):
        number = int(xf.get("numFmtId", "0"))
        code = custom.get(number, BUILTIN_FORMATS.get(number))
        if is_date_format(code):
            dates.add(index)
        if is_timedelta_format(code):
            durations.add(index)
    return frozenset(dates), frozenset(durations)


def _sax(
    stream: IO[bytes],
    start: Callable[..., None],
    end: Callable[[str], None],
    chars: Callable[[str], None],
) -> None:
    """Stream ``stream`` through expat; a document type declaration (never in XLSX) is refused."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars

    def no_doctype(*_args: object) -> None:
        raise ValueError("a document type declaration")

    parser.StartDoctypeDeclHandler = no_doctype
    parser.ParseFile(stream)


def _shared_strings(stream: IO[bytes]) -> list[str]:
    """The shared string table (rich text runs joined, phonetic guides left out)."""
    strings: list[str] = []
    parts: list[str] = []
    state = {"text": False, "phonetic": 0}

    def start(tag: str, _attrs: object) -> None:
        if tag == _TEXT and not state["phonetic"]:
            state["text"] = True
        elif tag == _PHONETIC:
            state["phonetic"] += 1
        elif tag == _SI:
            parts.clear()
            if len(strings) >= MAX_CELLS:
                raise ValueError("more shared strings than cells")

    def end(tag: str) -> None:
        if tag == _TEXT:
            state["text"] = False
        elif tag == _PHONETIC:
            state["phonetic"] -= 1
        elif tag == _SI:
            strings.append("".join(parts))

    def chars(data: str) -> None:
        if state["text"]:
            parts.append(data)

    _sax(stream, start, end, chars)
    return strings


# -- the sheet ---------------------------------------------------------------------------------


class _SheetScan:
    """One streaming pass over a worksheet's XML, keeping the non-blank cells of each row."""

    def __init__(self, book: _Book, name: str) -> None:
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
        _sax(stream, self.start, self.end, self.chars)

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
        elif tag == _PHONETIC:
            self.phonetic += 1
        elif tag == _TEXT and self.inline and not self.phonetic:
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
        if tag in (_VALUE, _TEXT):
            self.capture = False
        elif tag == _PHONETIC:
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
