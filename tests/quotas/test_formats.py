"""Quota table and census margin files: layouts, round trips and every bad-input problem."""

from __future__ import annotations

import math
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotas.formats import (
    QUOTA_FORMATS,
    QuotaFormat,
    detect_quota_format,
    quota_frame,
    quotas_from_frame,
    read_quotas,
    write_quotas,
)
from quotas.margin_files import margins_from_frame, read_margins, write_margins
from quotas.model import Category, Quota, QuotaTable, normalise
from quotas.problems import InvalidInput
from quotas.tables import read_table_text
from quotas.targets import Margins, quotas_from_margins

TABLE = QuotaTable(
    [
        Quota(Category("gender", "female"), 17, 19, 0.51),
        Quota(Category("gender", "male"), 16, 18, 0.49),
        Quota(Category("age", "16-29"), 7, 10, 0.25),
        Quota(Category("age", "30+"), 26, 29, 0.75),
    ]
)
NO_SHARES = QuotaTable(Quota(q.category, q.min, q.max) for q in TABLE)


def problems_of(text: str) -> list[tuple[str, dict[str, object]]]:
    frame, _ = read_table_text(text)
    table, problems = quotas_from_frame(frame, "q.csv")
    assert table is None
    return [(p.code, dict(p.params)) for p in problems]


# -- quota tables: layouts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["feature", "value", "min", "max"], "kleroterion"),
        (["Feature", "VALUE", " Min ", "max", "Target Share"], "kleroterion"),
        (["feature", "value", "min", "max", "min_flex", "max_flex"], "sortition-foundation"),
        (["feature", "value", "min", "max", "Min-Flex", "MAX FLEX"], "sortition-foundation"),
        (["Category", "Name", "Min", "Max"], "sf-category"),
        (["feature", "min", "max"], None),
    ],
)
def test_layout_is_detected_from_the_header(header: list[str], expected: str | None) -> None:
    assert detect_quota_format(header) == expected


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("fmt", QUOTA_FORMATS)
def test_quota_round_trip(tmp_path: Path, fmt: QuotaFormat, suffix: str) -> None:
    path = tmp_path / f"quotas{suffix}"
    write_quotas(TABLE, path, fmt)
    expected = TABLE if fmt == "kleroterion" else NO_SHARES
    if fmt == "sortition-foundation":  # written without flex bounds: min and max, no relaxation
        expected = QuotaTable(replace(q, min_flex=q.min, max_flex=q.max) for q in NO_SHARES)
    assert read_quotas(path) == expected


def test_header_of_each_layout(tmp_path: Path) -> None:
    headers = {}
    for fmt in QUOTA_FORMATS:
        write_quotas(TABLE, tmp_path / f"{fmt}.csv", fmt)
        headers[fmt] = (tmp_path / f"{fmt}.csv").read_text().splitlines()[0]
    assert headers == {
        "kleroterion": "feature,value,min,max,target_share",
        "sortition-foundation": "feature,value,min,max,min_flex,max_flex",
        "sf-category": "category,name,min,max",
    }
    assert list(quota_frame(NO_SHARES).columns) == ["feature", "value", "min", "max"]


def test_sortition_foundation_flex_columns() -> None:
    strict = quota_frame(TABLE, "sortition-foundation")
    assert strict[["min_flex", "max_flex"]].values.tolist() == [
        [17, 19],
        [16, 18],
        [7, 10],
        [26, 29],
    ]
    relaxable = quota_frame(TABLE, "sortition-foundation", size=35)
    assert set(relaxable["min_flex"]) == {0} and set(relaxable["max_flex"]) == {35}


def test_target_share_forms_and_blank() -> None:
    frame, _ = read_table_text(
        "feature,value,min,max,target_share\ng,a,1,2,51%\ng,b,1,2,0.49\ng,c,0,1,\n"
    )
    table, _ = quotas_from_frame(frame, "q.csv")
    assert table is not None
    assert [q.target_share for q in table] == [0.51, 0.49, None]


def test_target_shares_above_one_are_percentages() -> None:
    frame, _ = read_table_text("feature,value,min,max,target_share\ng,a,1,2,51\ng,b,1,2,0.49%\n")
    table, _ = quotas_from_frame(frame, "q.csv")
    assert table is not None and [q.target_share for q in table] == [0.51, 0.0049]


def test_a_frame_with_numbers_and_missing_values_is_read() -> None:
    table, problems = quotas_from_frame(NO_SHARES.to_frame(), "frame")
    assert problems == [] and table == NO_SHARES
    table, _ = quotas_from_frame(TABLE.to_frame(), "frame")
    assert table == TABLE


def test_whole_numbers_written_with_a_decimal_point_are_accepted() -> None:
    frame, _ = read_table_text("feature,value,min,max\ng,a,1.0,2\ng,b, 3 ,4.0\n")
    table, _ = quotas_from_frame(frame, "q.csv")
    assert table is not None and [(q.min, q.max) for q in table] == [(1, 2), (3, 4)]


# -- quota tables: problems ----------------------------------------------------------------


def test_missing_columns_name_the_expected_ones() -> None:
    [(code, params)] = problems_of("feature,value,minimum,max\ng,a,1,2\n")
    assert code == "quota_file_missing_columns"
    assert params["missing"] == "min"
    assert params["expected"] == "feature, value, min, max"
    [(code, params)] = problems_of("Category,max\ng,2\n")
    assert params["missing"] == "name, min"


def test_every_row_problem_is_reported_at_once() -> None:
    found = problems_of(
        "feature,value,min,max,target_share\n"
        "gender,female,1,2,\n"
        ",male,one,2,\n"  # row 3
        "gender,,1,2.5,\n"  # row 4
        "gender,FEMALE ,1,2,\n"  # row 5: the same category as row 2
        "age,old,3,1,\n"
        "age,young,1,2,lots\n"  # row 7
    )
    codes = [(code, params.get("row"), params.get("column")) for code, params in found]
    assert ("quota_file_blank_cell", 3, "feature") in codes
    assert ("quota_file_not_integer", 3, "min") in codes
    assert ("quota_file_blank_cell", 4, "value") in codes
    assert ("quota_file_not_integer", 4, "max") in codes
    assert ("quota_file_share_not_number", 7, None) in codes
    duplicate = [p for c, p in found if c == "quota_file_duplicate_category"]
    assert duplicate == [
        {"source": "q.csv", "rows": "2, 5", "feature": "gender", "value": "female"}
    ]
    assert ("quota_min_above_max", None, None) in codes


def test_an_empty_table_is_an_error() -> None:
    frame = pd.DataFrame(columns=["feature", "value", "min", "max"])
    table, problems = quotas_from_frame(frame, "q.csv")
    assert table is None and [p.code for p in problems] == ["quota_table_empty"]


def test_read_quotas_raises_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("feature,value,min,max\ng,a,x,2\ng,b,1,y\n")
    with pytest.raises(InvalidInput) as caught:
        read_quotas(path)
    assert [p.params["row"] for p in caught.value.problems] == [2, 3]
    assert "Row 2 of" in str(caught.value) and "Row 3 of" in str(caught.value)


def test_unknown_format_cannot_be_written(tmp_path: Path) -> None:
    unknown: Any = "excel"
    with pytest.raises(InvalidInput) as caught:
        write_quotas(TABLE, tmp_path / "x.csv", unknown)
    assert caught.value.code == "quota_format_unknown"


# -- quota tables: random round trips --------------------------------------------------------

# Names as people write them; pandas reads some words (NA, null, ...) in XLSX as missing.
word = (
    st.text(
        alphabet=st.sampled_from(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+/ éø"
        ),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(lambda s: s != "" and normalise(s) not in {"na", "nan", "null", "none", "n/a"})
)


@st.composite
def tables(draw: st.DrawFn) -> QuotaTable:
    features = draw(st.lists(word, min_size=1, max_size=3, unique_by=normalise))
    with_shares = draw(st.booleans())
    quotas = []
    for feature in features:
        values = draw(st.lists(word, min_size=1, max_size=4, unique_by=normalise))
        for value in values:
            lo = draw(st.integers(0, 50))
            hi = draw(st.integers(lo, 60))
            share = draw(st.integers(0, 1000).map(lambda n: n / 1000)) if with_shares else None
            quotas.append(Quota(Category(feature, value), lo, hi, share))
    return QuotaTable(quotas)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.sampled_from(QUOTA_FORMATS), st.sampled_from([".csv", ".xlsx"]))
def test_random_quota_tables_round_trip(table: QuotaTable, fmt: QuotaFormat, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"quotas{suffix}"
        write_quotas(table, path, fmt)
        back = read_quotas(path)
    if fmt != "kleroterion":
        table = QuotaTable(Quota(q.category, q.min, q.max) for q in table)
    if fmt == "sortition-foundation":
        table = QuotaTable(replace(q, min_flex=q.min, max_flex=q.max) for q in table)
    assert back == table


# -- census margins ------------------------------------------------------------------------

GENDER = {"female": 0.51, "male": 0.49}
AGE = {"young": 0.3, "old": 0.7}


def same_margins(a: Margins, b: Margins) -> bool:
    """Equal names in the same order, shares equal to 15 significant digits (what a
    spreadsheet keeps, and what a CSV is written with)."""

    def flat(m: Margins) -> list[tuple[object, float]]:
        rows: list[tuple[object, float]] = [
            ((f, v), s) for f, values in m.features.items() for v, s in values.items()
        ]
        rows += [((fs, vs), s) for fs, cells in m.crossed.items() for vs, s in cells.items()]
        return rows

    left, right = flat(a), flat(b)
    return [k for k, _ in left] == [k for k, _ in right] and all(
        math.isclose(x, y, rel_tol=1e-14, abs_tol=0)
        for (_, x), (_, y) in zip(left, right, strict=True)
    )


def margins_of(text: str) -> tuple[Margins | None, list[tuple[str, dict[str, object]]]]:
    frame, _ = read_table_text(text)
    margins, problems = margins_from_frame(frame, "m.csv")
    return margins, [(p.code, dict(p.params)) for p in problems]


@pytest.mark.parametrize(
    "text",
    [
        "feature,value,share\ngender,female,0.51\ngender,male,0.49\n",
        "Feature,Value,Share\ngender,female,51\ngender,male,49\n",
        "feature,value,share\ngender,female,51%\ngender,male,49 %\n",
        "feature;value;share\ngender;female;0,51\ngender;male;0,49\n",
        "feature,value,share\ngender,female,51%\ngender,male,0.49\n",
    ],
)
def test_share_forms(text: str) -> None:
    margins, problems = margins_of(text)
    assert problems == [] and margins == Margins({"gender": GENDER})


def test_any_share_above_one_makes_every_share_a_percentage() -> None:
    margins, problems = margins_of("feature,value,share\ng,a,99.5\ng,b,0.5\n")
    assert margins == Margins({"g": {"a": 0.995, "b": 0.005}}) and problems == []


def test_crossed_file_with_single_margins_and_a_swapped_pair() -> None:
    margins, problems = margins_of(
        "feature_1,value_1,feature_2,value_2,share\n"
        "gender,female,,,51\ngender,male,,,49\nage,young,,,30\nage,old,,,70\n"
        "gender,female,age,young,15\ngender,female,age,old,36\n"
        "age,young,gender,male,15\n"  # the pair written the other way round
        "gender,male,age,old,34\n"
    )
    assert problems == []
    assert margins is not None
    assert margins.features == {"gender": GENDER, "age": AGE}
    assert margins.crossed == {
        ("gender", "age"): {
            ("female", "young"): 0.15,
            ("female", "old"): 0.36,
            ("male", "young"): 0.15,
            ("male", "old"): 0.34,
        }
    }


def test_crossed_columns_may_use_plain_feature_and_value() -> None:
    margins, problems = margins_of("feature,value,feature_2,value_2,share\ng,a,h,x,1\n")
    assert problems == [] and margins == Margins({}, {("g", "h"): {("a", "x"): 1.0}})


def test_margin_file_problems_all_at_once() -> None:
    margins, found = margins_of(
        "feature_1,value_1,feature_2,value_2,share\n"
        "gender,,,,0.5\n"  # row 2
        "gender,male,,,half\n"  # row 3
        "gender,Male,,,0.5\n"
        "gender,male,,,0.5\n"  # duplicate of row 4
        "gender,male,age,,0.2\n"  # row 6
    )
    assert margins is None
    codes = [(code, params.get("row"), params.get("column")) for code, params in found]
    assert ("margin_file_blank_cell", 2, "value_1") in codes
    assert ("margin_file_share_not_number", 3, None) in codes
    assert ("margin_file_blank_cell", 6, "value_2") in codes
    assert [p["rows"] for c, p in found if c == "margin_file_duplicate"] == ["4, 5"]


def test_margin_missing_columns() -> None:
    margins, found = margins_of("feature,value,percent\ng,a,1\n")
    assert margins is None
    assert found[0][0] == "margin_file_missing_columns"
    assert found[0][1]["missing"] == "share"
    _, found = margins_of("feature_1,feature_2,value_2,share\ng,h,x,1\n")
    assert found[0][1]["missing"] == "value_1"


def test_margin_share_problems_come_from_the_margins() -> None:
    margins, found = margins_of("feature,value,share\ng,a,0.5\ng,b,0.3\n")
    assert margins is None and [c for c, _ in found] == ["margin_shares_sum_wrong"]
    margins, found = margins_of("feature,value,share\ng,a,0.5\ng,b,0.497\n")
    assert margins is not None and [c for c, _ in found] == ["margin_shares_sum_off"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_margins_round_trip(tmp_path: Path, suffix: str) -> None:
    single = Margins({"gender": GENDER, "age": AGE})
    joint = {(g, a): GENDER[g] * AGE[a] for g in GENDER for a in AGE}
    crossed = Margins({"gender": GENDER, "age": AGE}, {("gender", "age"): joint})
    for margins in (single, crossed):
        path = tmp_path / f"margins{suffix}"
        write_margins(margins, path)
        back = read_margins(path)
        assert same_margins(back, margins)


def test_read_margins_raises_on_errors(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("feature,value,share\ng,a,-0.5\ng,b,1.5\n")
    with pytest.raises(InvalidInput) as caught:
        read_margins(path)
    assert caught.value.code == "margin_share_negative"


def normalised(counts: list[int]) -> list[float]:
    """Shares adding up to 1 (within rounding), like a census table's."""
    total = sum(counts)
    return [c / total for c in counts] if total else [1 / len(counts)] * len(counts)


@st.composite
def margin_sets(draw: st.DrawFn) -> Margins:
    features = draw(st.lists(word, min_size=1, max_size=3, unique_by=normalise))
    singles: dict[str, dict[str, float]] = {}
    for feature in features:
        values = draw(st.lists(word, min_size=1, max_size=4, unique_by=normalise))
        counts = draw(st.lists(st.integers(0, 999), min_size=len(values), max_size=len(values)))
        singles[feature] = dict(zip(values, normalised(counts), strict=True))
    crossed: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
    if len(features) >= 2 and draw(st.booleans()):
        a, b = features[0], features[1]
        pairs = [(va, vb) for va in singles[a] for vb in singles[b]]
        counts = draw(st.lists(st.integers(0, 999), min_size=len(pairs), max_size=len(pairs)))
        crossed[(a, b)] = dict(zip(pairs, normalised(counts), strict=True))
    return Margins(singles, crossed)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(margin_sets(), st.sampled_from([".csv", ".xlsx"]))
def test_random_margins_round_trip(margins: Margins, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"margins{suffix}"
        write_margins(margins, path)
        back = read_margins(path)
        assert same_margins(back, margins)


def test_from_census_file_to_quota_file(tmp_path: Path) -> None:
    (tmp_path / "census.csv").write_text(
        "feature,value,share\ngender,female,51%\ngender,male,49%\n"
    )
    table = quotas_from_margins(read_margins(tmp_path / "census.csv"), 35)
    write_quotas(table, tmp_path / "quotas.xlsx")
    assert read_quotas(tmp_path / "quotas.xlsx") == table
    assert [(q.min, q.max) for q in table] == [(17, 19), (16, 18)]
