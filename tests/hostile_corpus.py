"""The hostile-input corpus: files a careless or hostile partner might upload, built on demand.

Small cases are committed in tests/data/hostile/ (see its README); the big ones (a huge
CSV field, 200,000 bad rows, wide and zip-bomb-like workbooks) are written here,
deterministically, into a folder the caller gives. Run as a script to write them all:

    python -m tests.hostile_corpus OUT_DIR
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "data" / "hostile"
QUOTAS = HERE / "quotas.csv"
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


def write_xlsx(path: Path, chunks: Iterable[str], *, level: int = 9) -> Path:
    """A minimal workbook whose only sheet is the XML ``chunks`` (streamed into the zip)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            buffer = io.BufferedWriter(sheet, 1 << 20)  # type: ignore[arg-type]
            for chunk in chunks:
                buffer.write(chunk.encode())
            buffer.flush()
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


def bomb_xlsx(path: Path, megabytes: int = 1024) -> Path:
    """A few KB that unzip to ``megabytes`` MB of sheet XML (blank padding between rows)."""

    def chunks() -> Iterator[str]:
        yield from sheet_xml(pool_rows(5))
        padding = " " * (1 << 20)
        for _ in range(megabytes):
            yield padding

    return write_xlsx(path, chunks())


def many_cells_xlsx(path: Path, cells: int = 5_000_100) -> Path:
    """Just over five million non-empty number cells (10 columns), plain XML."""
    width = 10

    def chunks() -> Iterator[str]:
        yield _SHEET_HEAD + "<sheetData>"
        for r in range(1, cells // width + 2):
            yield f'<row r="{r}">' + "".join(
                f'<c r="{column_letters(c)}{r}"><v>{c}</v></c>' for c in range(1, width + 1)
            ) + "</row>"
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


BIG: dict[str, Callable[[Path], Path]] = {
    "wide.xlsx": wide_xlsx,
    "dimension.xlsx": dimension_xlsx,
    "styled_far_right.xlsx": styled_far_right_xlsx,
    "styled_wide.xlsx": styled_wide_xlsx,
    "bomb.xlsx": bomb_xlsx,
    "many_cells.xlsx": many_cells_xlsx,
    "broken_zip.xlsx": broken_zip_xlsx,
    "huge_field.csv": huge_field_csv,
    "bad_rows.csv": bad_rows_csv,
}


def write_all(folder: Path, names: Iterable[str] = BIG) -> dict[str, Path]:
    """Write the generated cases named (default: all) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: BIG[name](folder / name) for name in names}


if __name__ == "__main__":
    for name, written in write_all(Path(sys.argv[1]), sys.argv[2:] or BIG).items():
        print(f"{name:<24}{written.stat().st_size:>12,} bytes")
