"""The readers' defences, piece by piece: the bounded XLSX reader agrees with openpyxl and
pandas on ordinary workbooks; text decoding; bounded problem lists; look-alike spellings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotas.confusables import look_alike_pairs, skeleton
from quotas.problems import InvalidInput, Problem, bounded, problem_counts
from quotas.tables import read_table
from quotas.text_files import binary_format
from tests.hostile_corpus import pool_rows, sheet_xml, write_xlsx

# -- XLSX: the same table as pandas read before, without its cost ----------------------------


def pandas_text(path: Path) -> list[list[str]]:
    """The oracle: the first sheet as pandas (openpyxl) reads it, cells as table text."""
    raw = pd.read_excel(path, dtype=object, engine="openpyxl", keep_default_na=False)
    raw = raw.dropna(how="all")

    def text(value: object) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()

    rows = [[str(c).strip() for c in raw.columns]]
    rows += [[text(v) for v in row] for row in raw.itertuples(index=False)]
    return rows


def ours(path: Path) -> list[list[str]]:
    frame, problems = read_table(path)
    assert not problems
    return [list(frame.columns), *frame.to_numpy().tolist()]


cells = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(dt.date(1901, 1, 1), dt.date(2099, 12, 31)),
    st.datetimes(dt.datetime(1901, 1, 1), dt.datetime(2099, 12, 31)),
)


@settings(max_examples=30, deadline=None)
@given(body=st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=6))
def test_an_ordinary_workbook_reads_as_pandas_read_it(
    body: list[list[object]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("xlsx") / "table.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "Gender", "when"])
    for row in body:
        sheet.append([row[0] or "x", *row[1:]])  # a non-blank first cell keeps every row
    book.create_sheet("second").append(["not", "this", "sheet"])
    book.save(path)
    assert ours(path) == pandas_text(path)


def test_dates_follow_their_number_format_and_the_1904_calendar(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "registered", "amount"])
    sheet.append(["p1", dt.datetime(2026, 3, 1, 12, 30), 7.0])
    sheet.append(["p2", dt.date(1999, 12, 31), 0.25])
    book.save(tmp_path / "dates.xlsx")
    assert ours(tmp_path / "dates.xlsx") == [
        ["id", "registered", "amount"],
        ["p1", "2026-03-01 12:30:00", "7"],
        ["p2", "1999-12-31 00:00:00", "0.25"],
    ]


def test_empty_columns_and_rows_are_left_out_and_rows_keep_their_sheet_numbers(
    tmp_path: Path,
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["B3"], sheet["D3"] = "id", "gender"
    sheet["B4"], sheet["D4"] = "p1", "female"
    sheet["B7"], sheet["D7"] = "p2", "male"
    sheet["Z40"].number_format = "0.00"  # formatted, but empty
    book.save(tmp_path / "sparse.xlsx")
    frame, problems = read_table(tmp_path / "sparse.xlsx")
    assert problems == []
    assert frame.to_dict("list") == {"id": ["p1", "p2"], "gender": ["female", "male"]}
    assert frame.attrs["row_numbers"].tolist() == [4, 7]


def test_a_blank_header_above_data_is_named_by_its_column_letter(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["A2"], sheet["C2"] = "id", "p1", "stray"
    book.save(tmp_path / "blank.xlsx")
    _, problems = read_table(tmp_path / "blank.xlsx")
    assert [(p.code, p.params["column"]) for p in problems] == [("file_blank_header", "C")]


def test_500_columns_are_read_and_a_value_in_column_501_is_refused(tmp_path: Path) -> None:
    header = [f"c{i}" for i in range(1, 501)]
    wide = write_xlsx(tmp_path / "500.xlsx", sheet_xml([header, ["v"] * 500]))
    assert read_table(wide)[0].shape == (1, 500)
    over = write_xlsx(tmp_path / "501.xlsx", sheet_xml([[*header, "c501"], ["v"] * 500]))
    with pytest.raises(InvalidInput) as raised:
        read_table(over)
    assert raised.value.problems[0].params["cell"] == "SG1"  # column 501


def test_a_doctype_is_refused_in_a_sheet(tmp_path: Path) -> None:
    # Entity expansion (the "billion laughs") needs a document type declaration: none
    # is allowed, whatever expat's own limits.
    doctype = '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">]>'
    chunks = list(sheet_xml(list(pool_rows(2))))
    chunks[0] = doctype + chunks[0].split("\n", 1)[1]
    path = write_xlsx(tmp_path / "doctype.xlsx", chunks)
    with pytest.raises(InvalidInput) as raised:
        read_table(path)
    assert raised.value.code == "file_xlsx_broken"


# -- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "name"),
    [
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"%PDF-1.4", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "XLS"),
        (b"PK\x03\x04", "ZIP"),
        (b"id,gender\n", None),
        (b"MZone,BMI\n", None),  # column names that only start like a format
    ],
)
def test_binary_formats_are_told_by_their_signature(start: bytes, name: str | None) -> None:
    assert binary_format(start + b"rest") == name


def test_old_mac_line_ends_and_a_cr_inside_a_cell_are_rows(tmp_path: Path) -> None:
    (tmp_path / "mac.csv").write_bytes(b"id,name\rp1,Ann\rp2,Bo\r")
    frame, problems = read_table(tmp_path / "mac.csv")
    assert problems == [] and frame["name"].tolist() == ["Ann", "Bo"]


def test_a_file_of_delimiters_is_empty(tmp_path: Path) -> None:
    (tmp_path / "commas.csv").write_text(",,,\n , ,\n\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as raised:
        read_table(tmp_path / "commas.csv")
    assert raised.value.code == "file_empty"


def test_a_windows_1252_file_is_still_read_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "w.csv").write_bytes("id;name\np1;Zoë’s\n".encode("cp1252"))
    frame, problems = read_table(tmp_path / "w.csv")
    assert [p.code for p in problems] == ["file_encoding_latin1"]
    assert frame["name"].tolist() == ["Zoë’s"]


# -- bounded problem lists -----------------------------------------------------------------------


@given(st.lists(st.sampled_from(["a", "b", "c"]), max_size=80), st.integers(1, 5))
def test_bounded_keeps_the_first_of_each_code_in_order_and_counts_the_rest(
    codes: list[str], per_code: int
) -> None:
    problems = [Problem(code, {"row": i}) for i, code in enumerate(codes)]
    shown = bounded(problems, per_code)
    kept = [p for p in shown if p.code != "problems_more"]
    expected = [
        p
        for p in problems
        if [q.code for q in problems[: p.params["row"]]].count(p.code) < per_code
    ]
    assert kept == expected
    assert problem_counts(shown) == problem_counts(problems)
    assert bounded(shown, per_code) == shown  # bounding twice changes nothing
    for summary in (p for p in shown if p.code == "problems_more"):
        kind = summary.params["kind"]
        last = max(i for i, p in enumerate(shown) if p.code == kind)
        assert shown[last + 1] == summary  # right after the last one shown


# -- look-alikes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "category"),
    [
        ("m\u0430le", "male"),  # Cyrillic a
        ("\u039c\u0391LE", "male"),  # Greek capital mu and alpha
        ("ｆｅｍａｌｅ", "female"),  # full-width
        ("２０２６", "2026"),  # full-width digits
    ],
)
def test_look_alike_spellings_share_a_skeleton(written: str, category: str) -> None:
    assert skeleton(written) == skeleton(category)
    assert look_alike_pairs([category, written]) == [(category, written)]


def test_different_words_and_spellings_of_one_category_do_not_look_alike() -> None:
    # "Male ", "urban\u00a0area" and "ﬁfty" (a ligature, undone by case folding) already
    # are the categories "male", "urban area" and "fifty": not a pair to warn about.
    values = ["male", "female", "Male ", "urban area", "urban\u00a0area", "fifty", "ﬁfty"]
    assert look_alike_pairs(values) == []
