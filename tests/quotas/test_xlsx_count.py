"""The quick count that refuses a sheet with too many values before the exact pass reads it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import quotas.xlsx as xlsx
from quotas.problems import InvalidInput

# Cells of every kind the count has to be careful with: numbers, text, blank text,
# errors, booleans and empty cells.
CELLS = st.one_of(
    st.integers(-1000, 1000),
    st.sampled_from(["a", "b", " ", "", "#N/A", "#DIV/0!"]),
    st.booleans(),
    st.none(),
)


def _workbook(folder: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = folder / "t.xlsx"
    book.save(path)
    return path


def _exact_refuses(path: Path) -> bool:
    try:
        xlsx.read_xlsx(path, "t.xlsx")
    except InvalidInput as refused:
        return refused.problems[0].code == "file_too_many_cells"
    return False


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=1, max_size=12), st.integers(1, 30)
)
def test_the_quick_count_never_refuses_what_the_exact_pass_accepts(
    rows: list[list[object]], limit: int
) -> None:
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        path = _workbook(Path(folder), rows)
        patch.setattr(xlsx, "MAX_CELLS", limit)
        with xlsx.zipfile.ZipFile(path) as z:
            book = xlsx.Book.open(z)
            with z.open(book.sheet) as stream:
                surely = xlsx._surely_too_many_values(stream, book)
        assert not surely or _exact_refuses(path)


def test_a_sheet_of_numbers_is_refused_by_the_count_alone(tmp_path: Path) -> None:
    """Plain numbers: the count is exact, one over the limit is refused, the limit is not."""
    over = _workbook(tmp_path, [[1, 2, 3]] * 4)  # 12 values
    with xlsx.zipfile.ZipFile(over) as z:
        book = xlsx.Book.open(z)
        for limit, expected in ((11, True), (12, False)):
            with pytest.MonkeyPatch.context() as patch, z.open(book.sheet) as stream:
                patch.setattr(xlsx, "MAX_CELLS", limit)
                assert xlsx._surely_too_many_values(stream, book) is expected
