"""Tables we write open safely in a spreadsheet (no formula cell) and read back as written."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotas.exports import (
    DANGEROUS_FIRST,
    is_plain_number,
    neutralise,
    neutralise_frame,
    restore,
    shortest_float,
    table_bytes,
    table_format,
    write_table,
)
from quotas.problems import KleroError
from quotas.tables import read_table, read_table_text

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+33 6 12 34 56 78",
    "-foo",
    "@SUM(A1:A9)",
    "\tcmd",
    "\rcmd",
    "=1+1",
    "'=already quoted",
    "''-twice",
]
NUMBERS = ["-0.5", "+3", "1e-9", "-1E+5", "-.5", "+0", "7"]
# Letters, digits and every character that matters here (the dangerous ones and the quote).
TEXT = st.text(alphabet=st.sampled_from("ab1.,;' \"=+-@\t\r\nE()|!"), max_size=12)


def dangerous(cell: str) -> bool:
    """Whether a spreadsheet would run ``cell`` as a formula."""
    return cell[:1] in tuple(DANGEROUS_FIRST) and not is_plain_number(cell)


@given(TEXT)
def test_no_written_text_starts_a_formula_and_it_reads_back_unchanged(text: str) -> None:
    written = neutralise(text)
    assert isinstance(written, str)
    assert not dangerous(written)
    assert restore(written) == text


@given(st.from_regex(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", fullmatch=True))
def test_plain_numbers_stay_as_they_are(number: str) -> None:
    assert neutralise(number) == number


def test_formula_like_text_gets_one_quote_and_numbers_none() -> None:
    for text in HOSTILE:
        assert neutralise(text) == "'" + text
    for number in NUMBERS:
        assert neutralise(number) == number
    for other in ("hello", "'quoted", "", "50+", "a=b"):
        assert neutralise(other) == other and restore(other) == other
    assert neutralise(3) == 3 and neutralise(None) is None


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [*HOSTILE[:4], "plain"],
            "=category": ["+1", "-foo", "=1+1", "-0.5", "ok"],
            "count": np.array([1, -2, 3, -4, 5], dtype=np.int64),
            "share": [-0.5, 0.25, float("nan"), 1e-9, -3.0],
        }
    )


def _csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8"))) for cell in row]


def test_csv_has_no_dangerous_cell_and_reads_back_as_written(tmp_path: Path) -> None:
    frame = _frame()
    write_table(frame, tmp_path / "t.csv")
    cells = _csv_cells((tmp_path / "t.csv").read_bytes())
    assert not [c for c in cells if dangerous(c)]
    assert "-2" in cells and "-0.5" in cells  # numbers stay numbers
    back, problems = read_table(tmp_path / "t.csv")
    assert not problems
    assert list(back.columns) == list(frame.columns)
    assert back["id"].tolist() == frame["id"].tolist()
    assert back["=category"].tolist() == frame["=category"].tolist()
    assert back["count"].tolist() == ["1", "-2", "3", "-4", "5"]


def test_xlsx_is_real_with_text_as_text_and_numbers_as_numbers(tmp_path: Path) -> None:
    frame = _frame()
    write_table(frame, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header == ["id", "'=category", "count", "share"]
    ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == ["'" + t for t in HOSTILE[:4]] + ["plain"]
    for row in sheet.iter_rows(min_row=2):
        assert row[0].data_type == "s" and row[1].data_type == "s"
        assert row[2].data_type == "n" and isinstance(row[2].value, int)
    assert sheet["B5"].value == "-0.5"  # text that is a number stays text, unquoted
    assert sheet["D2"].value == -0.5 and sheet["D4"].value is None
    back, problems = read_table(tmp_path / "t.xlsx")
    assert not problems
    assert list(back.columns) == list(frame.columns)
    assert back["id"].tolist() == frame["id"].tolist()
    assert back["=category"].tolist() == frame["=category"].tolist()


def test_bytes_for_downloads_match_the_files(tmp_path: Path) -> None:
    frame = _frame()
    write_table(frame, tmp_path / "t.csv")
    assert table_bytes(frame, "csv") == (tmp_path / "t.csv").read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(table_bytes(frame, "xlsx")))
    assert book.active is not None and book.active["A2"].value == "'" + HOSTILE[0]


@given(st.lists(st.tuples(TEXT, TEXT), min_size=1, max_size=6))
def test_any_text_survives_a_csv_written_then_read(rows: list[tuple[str, str]]) -> None:
    # The reader strips spaces around cells and skips blank rows: give it neither.
    rows = [(f"x{a.strip()}", b.strip()) for a, b in rows]
    frame = pd.DataFrame(rows, columns=["id", "value"], dtype=object)
    back, _ = read_table_text(table_bytes(frame, "csv").decode("utf-8"))
    assert back.to_numpy().tolist() == frame.to_numpy().tolist()


def test_other_suffixes_are_refused_before_writing(tmp_path: Path) -> None:
    assert table_format("a.CSV") == "csv" and table_format(tmp_path / "b.xlsx") == "xlsx"
    for name in ("a.txt", "a.xls", "a"):
        with pytest.raises(KleroError) as raised:
            write_table(_frame(), tmp_path / name)
        assert raised.value.code == "export_suffix_unsupported" and raised.value.exit_code == 2
        assert ".csv, .xlsx" in raised.value.message
    assert list(tmp_path.iterdir()) == []


def test_a_control_character_xlsx_cannot_hold_is_named_with_its_row(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": ["a", "b\x01"]})
    with pytest.raises(KleroError) as raised:
        write_table(frame, tmp_path / "t.xlsx")
    assert raised.value.code == "export_xlsx_illegal_character"
    assert raised.value.params["row"] == 3 and raised.value.params["column"] == "id"
    write_table(frame, tmp_path / "t.csv")  # CSV can


def test_no_product_code_writes_a_table_but_through_exports() -> None:
    # Every CSV or XLSX goes through quotas.exports, or a cell could open as a formula.
    writers = re.compile(r"\.(to_csv|to_excel)\(|openpyxl\.Workbook\(|csv\.writer\(")
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in ("quotas", "sampling", "synthetic_data", "recruitment", "dashboard")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "quotas" / "exports.py"
        for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if writers.search(line)
    ]
    assert found == []


def test_csv_floats_carry_no_binary_noise() -> None:
    """0.4799999999999999 is written 0.48; missing stays empty; every value reads back."""
    values = [0.4799999999999999, 0.1 + 0.2, 1 / 3, 3.2e-05, float("nan"), 12.0]
    frame = pd.DataFrame({"id": list("abcdef"), "share": values})
    text = table_bytes(frame, "csv").decode()
    assert [line.split(",")[1] for line in text.splitlines()] == [
        "share",
        "0.48",
        "0.3",
        "0.333333333333333",
        "3.2e-05",
        "",
        "12.0",
    ]
    back = pd.read_csv(io.StringIO(text))["share"].tolist()
    for before, after in zip(values, back, strict=True):
        assert (np.isnan(before) and np.isnan(after)) or abs(before - after) < 1e-15


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_csv_floats_keep_fifteen_significant_digits(value: float) -> None:
    written = float(shortest_float(value))
    assert written == pytest.approx(value, rel=1e-14, abs=0.0)


cells = st.text(alphabet=st.sampled_from(list("ab ,;\"'=+-@\t\r\n\u00e9")), max_size=6)


@given(
    st.lists(st.tuples(cells, cells, st.integers(-(2**40), 2**40)), max_size=8),
    st.sampled_from(["id", "a,b", 'q"uote', "=x"]),
)
def test_text_and_whole_numbers_are_written_as_pandas_writes_them(
    rows: list[tuple[str, str, int]], name: str
) -> None:
    """The CSV writer's own path for text and integers gives pandas's bytes exactly."""
    frame = pd.DataFrame(
        {name: [r[0] for r in rows], "b": [r[1] for r in rows], "n": [r[2] for r in rows]}
    )
    frame["n"] = frame["n"].astype(np.int64)
    safe = neutralise_frame(frame)
    ending = "\r\n" if any("\r" in c for r in rows for c in r[:2]) or "\r" in name else "\n"
    expected = safe.to_csv(index=False, lineterminator=ending).encode("utf-8")
    assert table_bytes(frame, "csv") == expected
