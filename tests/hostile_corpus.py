"""The hostile-input corpus: files a careless or hostile partner might upload, built on demand.

Small cases are committed in tests/data/hostile/ (see its README); the big ones (a huge
CSV field, 200,000 bad rows, wide and zip-bomb-like workbooks) are written here,
deterministically, into a folder the caller gives. Run as a script to write them all:

    python -m tests.hostile_corpus OUT_DIR        # the big ones
    python -m tests.hostile_corpus --small        # rewrite the committed small ones
"""

from __future__ import annotations

import io
import struct
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "data" / "hostile"
QUOTAS = HERE / "quotas.csv"
FULL_WIDTH = "ｆｅｍａｌｅ"  # "female" in full-width letters (U+FF46 ...)
HEADER = "id,gender,age,name"

# -- XLSX written by hand: the parts Excel needs, and a sheet whose XML we control -----------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    'worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="pool" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def column_letters(number: int) -> str:
    """The spreadsheet letters of a 1-based column number (1 -> A, 16384 -> XFD)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(column: int, row: int, text: str) -> str:
    return f'<c r="{column_letters(column)}{row}" t="inlineStr"><is><t>{text}</t></is></c>'


def pool_rows(n: int) -> Iterator[list[str]]:
    """``n`` valid pool rows for quotas.csv (ids P00001...), the header first."""
    yield HEADER.split(",")
    genders, ages = ("female", "male"), ("16-29", "30-49", "50+")
    for i in range(n):
        yield [f"P{i + 1:05d}", genders[i % 2], ages[i % 3], f"Person {i + 1}"]


def sheet_xml(
    rows: Iterable[list[str]],
    *,
    dimension: str | None = None,
    extra: Callable[[int], str] | None = None,
) -> Iterator[str]:
    """The XML of a worksheet holding ``rows`` as inline strings, in chunks.

    ``dimension`` writes a ``<dimension ref=...>`` claim; ``extra(row)`` adds raw XML at
    the end of each row (e.g. formatted empty cells far to the right).
    """
    yield _SHEET_HEAD
    if dimension:
        yield f'<dimension ref="{dimension}"/>'
    yield "<sheetData>"
    for r, values in enumerate(rows, start=1):
        cells = "".join(_cell(c, r, v) for c, v in enumerate(values, start=1) if v)
        yield f'<row r="{r}">{cells}{extra(r) if extra else ""}</row>'
    yield "</sheetData></worksheet>"


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry dated 1 January 2026, so that the same content gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_xlsx(path: Path, chunks: Iterable[str], *, level: int = 9) -> Path:
    """A minimal workbook whose only sheet is the XML ``chunks`` (streamed into the zip)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr(_entry("[Content_Types].xml"), _CONTENT_TYPES)
        z.writestr(_entry("_rels/.rels"), _ROOT_RELS)
        z.writestr(_entry("xl/workbook.xml"), _WORKBOOK)
        z.writestr(_entry("xl/_rels/workbook.xml.rels"), _WORKBOOK_RELS)
        with z.open(_entry("xl/worksheets/sheet1.xml"), "w") as sheet:
            batch = io.BytesIO()  # compressing a megabyte at a time, not each small chunk
            for chunk in chunks:
                batch.write(chunk.encode())
                if batch.tell() >= 1 << 20:
                    sheet.write(batch.getvalue())
                    batch = io.BytesIO()
            sheet.write(batch.getvalue())
    return path


# -- the big cases -----------------------------------------------------------------------------


def wide_xlsx(path: Path, people: int = 1_000) -> Path:
    """A pool with a stray "x" in column XFD (the sheet's last, 16,384) of every row:
    about 25 KB, which pandas pads into 16 million cells."""

    def stray(r: int) -> str:
        return _cell(16384, r, "x")

    return write_xlsx(path, sheet_xml(pool_rows(people), extra=stray))


def dimension_xlsx(path: Path) -> Path:
    """A valid 30-person pool whose sheet claims ``A1:XFD100000`` (the claim is ignored)."""
    return write_xlsx(path, sheet_xml(pool_rows(30), dimension="A1:XFD100000"))


def styled_far_right_xlsx(path: Path, people: int = 2_000) -> Path:
    """A valid pool where every row also has formatted, empty cells out to column XFD."""

    def styled(r: int) -> str:
        return "".join(f'<c r="{column_letters(c)}{r}" s="0"/>' for c in (200, 5000, 16384))

    return write_xlsx(path, sheet_xml(pool_rows(people), dimension="A1:XFD1", extra=styled))


def styled_wide_xlsx(path: Path, rows: int = 100_000) -> Path:
    """The ~35 KB monster: 30 people, then ``rows`` rows each holding only a formatted,
    empty cell at XFD (what pandas pads out to 16,384 columns)."""

    def chunks() -> Iterator[str]:
        for chunk in sheet_xml(pool_rows(30), dimension=f"A1:XFD{rows + 31}"):
            if chunk == "</sheetData></worksheet>":
                for r in range(32, rows + 32):
                    yield f'<row r="{r}"><c r="XFD{r}" s="0"/></row>'
            yield chunk

    return write_xlsx(path, chunks())


def bomb_xlsx(path: Path, megabytes: int = 300) -> Path:
    """About 1 MB that unzips to ``megabytes`` MB of sheet XML (blank padding after the rows)."""

    def chunks() -> Iterator[str]:
        yield from sheet_xml(pool_rows(5))
        padding = " " * (1 << 20)
        for _ in range(megabytes):
            yield padding

    return write_xlsx(path, chunks(), level=1)


def lying_bomb_xlsx(path: Path) -> Path:
    """``bomb_xlsx`` whose zip headers claim the sheet unzips to 4 KB (it is 300 MB)."""
    bomb_xlsx(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        at = z.start_dir  # the central directory: one 46-byte record (and names) per part
    claim = struct.pack("<I", 4096)
    data[info.header_offset + 22 : info.header_offset + 26] = claim  # the local header
    while data[at : at + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[at + 28 : at + 34])
        if data[at + 46 : at + 46 + name_len] == info.filename.encode():
            data[at + 24 : at + 28] = claim
        at += 46 + name_len + extra_len + comment_len
    path.write_bytes(bytes(data))
    return path


def many_cells_xlsx(path: Path, cells: int = 5_000_100) -> Path:
    """Just over five million non-empty number cells (10 columns), plain XML."""
    width = 10

    def chunks() -> Iterator[str]:
        yield _SHEET_HEAD + "<sheetData>"
        for r in range(1, cells // width + 2):
            yield (
                f'<row r="{r}">'
                + "".join(
                    f'<c r="{column_letters(c)}{r}"><v>{c}</v></c>' for c in range(1, width + 1)
                )
                + "</row>"
            )
        yield "</sheetData></worksheet>"

    return write_xlsx(path, chunks(), level=1)


def broken_zip_xlsx(path: Path) -> Path:
    """A valid workbook cut in half (an interrupted download)."""
    whole = write_xlsx(path, sheet_xml(pool_rows(30))).read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


def huge_field_csv(path: Path, length: int = 200_000) -> Path:
    """A pool whose row 3 has a 200,000-character name (the CSV field limit is 131,072)."""
    rows = [",".join(r) for r in pool_rows(4)]
    rows[2] = rows[2] + "x" * length
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def bad_rows_csv(path: Path, rows: int = 200_000) -> Path:
    """A pool of ``rows`` people whose every row is wrong: unknown genders (most distinct),
    ages written as numbers, every id given twice."""
    rng = np.random.default_rng(11)
    lines = [HEADER]
    for i in range(rows):
        gender = "F" if i % 3 == 0 else f"g{rng.integers(10**9)}"
        lines.append(f"X{i // 2:06d},{gender},{20 + i % 60},Person {i}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the small cases, committed in tests/data/hostile/ (``python -m tests.hostile_corpus --small``)


def _pool_text(n: int = 6) -> str:
    return "\n".join(",".join(r) for r in pool_rows(n)) + "\n"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # one grey pixel
    pixels = zlib.compress(b"\x00\x00")
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def _zip_of_csv() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(_entry("pool.csv"), _pool_text())
    return out.getvalue()


def _xlsx_bytes() -> bytes:
    folder = Path(tempfile.mkdtemp())
    return write_xlsx(folder / "pool.xlsx", sheet_xml(pool_rows(6))).read_bytes()


def _with_row(n: int, row: int, replace: Callable[[str], str]) -> str:
    lines = _pool_text(n).splitlines()
    lines[row - 1] = replace(lines[row - 1])
    return "\n".join(lines) + "\n"


SMALL: dict[str, Callable[[], bytes]] = {
    "png.csv": _png,
    "zip.csv": _zip_of_csv,
    "xlsx_named.csv": _xlsx_bytes,
    "random.csv": lambda: np.random.default_rng(5).integers(0, 256, 1024, dtype=np.uint8).tobytes(),
    "nul_byte.csv": lambda: _with_row(6, 4, lambda r: r.replace("Person", "Per\x00son")).encode(),
    "utf16_no_bom.csv": lambda: _pool_text().encode("utf-16-le"),
    "mixed_encodings.csv": lambda: (
        _with_row(6, 2, lambda r: r + " Zoë").encode() + "P00099,male,50+,Zoë\n".encode("cp1252")
    ),
    "unclosed_quote.csv": lambda: _with_row(6, 3, lambda r: r.replace(",male", ',"male')).encode(),
    "only_delimiters.csv": lambda: b",,,\n,,,\n",
    "cr_only.csv": lambda: _pool_text().replace("\n", "\r").encode(),
    "look_alike.csv": lambda: _with_row(6, 3, lambda r: r.replace("male", "m\u0430le")).encode(),
    "full_width.csv": lambda: _with_row(6, 2, lambda r: r.replace("female", FULL_WIDTH)).encode(),
    "quotas_look_alike.csv": lambda: QUOTAS.read_bytes() + "gender,m\u0430le,0,1\n".encode(),
    "not_a_zip.xlsx": lambda: _pool_text().encode(),
    "empty_sheet.xlsx": lambda: _xlsx_from(sheet_xml([])),
}


def _xlsx_from(chunks: Iterable[str]) -> bytes:
    folder = Path(tempfile.mkdtemp())
    return write_xlsx(folder / "sheet.xlsx", chunks).read_bytes()


def write_small(folder: Path = HERE) -> dict[str, Path]:
    """Write the small, committed cases (deterministic: same bytes every time)."""
    written = {}
    for name, make in SMALL.items():
        written[name] = folder / name
        written[name].write_bytes(make())
    return written


def too_large_csv(path: Path) -> Path:
    """A 201 MB file, over the 200 MB limit: sparse, so it costs no disk and no time."""
    with path.open("wb") as f:
        f.write(HEADER.encode() + b"\n")
        f.truncate(201 * 1024 * 1024)
    return path


BIG: dict[str, Callable[[Path], Path]] = {
    "wide.xlsx": wide_xlsx,
    "dimension.xlsx": dimension_xlsx,
    "styled_far_right.xlsx": styled_far_right_xlsx,
    "styled_wide.xlsx": styled_wide_xlsx,
    "bomb.xlsx": bomb_xlsx,
    "lying_bomb.xlsx": lying_bomb_xlsx,
    "many_cells.xlsx": many_cells_xlsx,
    "broken_zip.xlsx": broken_zip_xlsx,
    "huge_field.csv": huge_field_csv,
    "bad_rows.csv": bad_rows_csv,
    "too_large.csv": too_large_csv,
}


def write_all(folder: Path, names: Iterable[str] = BIG) -> dict[str, Path]:
    """Write the generated cases named (default: all) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: BIG[name](folder / name) for name in names}


# -- what each case must give ------------------------------------------------------------

# file -> (the error code expected, a piece of its message: the row, byte or cell)
REFUSED: dict[str, tuple[str, str]] = {
    "png.csv": ("file_binary_format", "in the PNG format"),
    "zip.csv": ("file_binary_format", "in the ZIP format"),
    "xlsx_named.csv": ("file_binary_format", "in the XLSX format"),
    "random.csv": ("file_binary", "from byte 6 on"),
    "nul_byte.csv": ("file_nul_byte", "Row 4 of"),
    "utf16_no_bom.csv": ("file_encoding_utf16_no_bom", "UTF-16"),
    "mixed_encodings.csv": ("file_encoding_mixed", "Row 8 of"),
    "unclosed_quote.csv": ("file_ragged_row", "Row 3 of"),
    "only_delimiters.csv": ("file_empty", "is empty"),
    "not_a_zip.xlsx": ("file_xlsx_broken", "not a readable XLSX workbook"),
    "empty_sheet.xlsx": ("file_empty", "is empty"),
    "huge_field.csv": ("file_field_too_long", "Row 3 of"),
    "wide.xlsx": ("file_too_many_columns", "cell XFD1"),
    "bomb.xlsx": ("file_xlsx_too_large", "more than 256 MB"),
    "lying_bomb.xlsx": ("file_xlsx_broken", "not a readable XLSX workbook"),
    "broken_zip.xlsx": ("file_xlsx_broken", "not a readable XLSX workbook"),
    "too_large.csv": ("file_too_large", "is 201 MB"),
    "many_cells.xlsx": ("file_too_many_cells", "more than 5000000 non-empty cells"),
}
# Faults of the pool's content, not of the file: not tried as a quota table.
POOL_ONLY = {"unclosed_quote.csv"}
SLOW = {"many_cells.xlsx"}

# file -> people read (each file is a valid pool, however odd)
LOADS = {
    "cr_only.csv": 6,
    "full_width.csv": 6,
    "dimension.xlsx": 30,
    "styled_far_right.xlsx": 2_000,
    "styled_wide.xlsx": 30,
}


if __name__ == "__main__":
    if sys.argv[1:] == ["--small"]:
        made = write_small()
    else:
        made = write_all(Path(sys.argv[1]), sys.argv[2:] or BIG)
    for name, written in made.items():
        print(f"{name:<24}{written.stat().st_size:>12,} bytes")
