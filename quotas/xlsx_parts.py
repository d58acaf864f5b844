"""The parts of an XLSX workbook that reading its first sheet needs, bounded before inflating.

A workbook is a zip of XML parts, and both can lie: a 25 KB file may unzip to gigabytes.
So the zip's directory must be small and the parts' unzipped sizes (which ``zipfile`` never
reads past) must add up to at most ``MAX_UNZIPPED_BYTES`` before any part is read. Then
the package's relationships name the first worksheet (as openpyxl and pandas pick it), its
shared strings (streamed with expat, at most ``MAX_CELLS``) and the cell styles that show
dates or durations. The sheet itself is read by ``quotas.xlsx``.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

from quotas.problems import InvalidInput, Problem

MAX_CELLS = 5_000_000
#: Parts of a workbook may unzip to this much in all (about 20 s of parsing at most).
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
#: The zip's table of contents (46 bytes and a name per part) must fit in this.
MAX_DIRECTORY_BYTES = 1024 * 1024

#: Tags as expat names them (namespace, a space, the local name).
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
TEXT, PHONETIC, SI = MAIN + "t", MAIN + "rPh", MAIN + "si"
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


# -- bounds checked before anything is inflated ----------------------------------------------


def _too_large(name: str) -> InvalidInput:
    limit = MAX_UNZIPPED_BYTES // (1024 * 1024)
    return InvalidInput([Problem("file_xlsx_too_large", {"path": name, "limit_mb": limit})])


def check_directory(path: Path, name: str) -> None:
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


def check_parts(z: zipfile.ZipFile, name: str) -> None:
    """Refuse a zip whose parts unzip to more than ``MAX_UNZIPPED_BYTES`` in all."""
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
class Book:
    """The first worksheet's part and what reading its cells needs."""

    sheet: str
    strings: list[str] = field(default_factory=list)
    date_styles: frozenset[int] = frozenset()
    timedelta_styles: frozenset[int] = frozenset()
    epoch: Any = WINDOWS_EPOCH

    @classmethod
    def open(cls, z: zipfile.ZipFile) -> Book:
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


def sax(
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
        if tag == TEXT and not state["phonetic"]:
            state["text"] = True
        elif tag == PHONETIC:
            state["phonetic"] += 1
        elif tag == SI:
            parts.clear()
            if len(strings) >= MAX_CELLS:
                raise ValueError("more shared strings than cells")

    def end(tag: str) -> None:
        if tag == TEXT:
            state["text"] = False
        elif tag == PHONETIC:
            state["phonetic"] -= 1
        elif tag == SI:
            strings.append("".join(parts))

    def chars(data: str) -> None:
        if state["text"]:
            parts.append(data)

    sax(stream, start, end, chars)
    return strings
