"""Loading pool files: every problem of the bad-input corpus, encodings, households, crossing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotas.exports import write_table
from quotas.formats import read_quotas
from quotas.model import QuotaTable, quota_table
from quotas.pool import Pool
from quotas.pool_files import address_key, load_pool, normalise_address, pool_from_frame
from quotas.problems import InvalidInput
from quotas.tables import read_table

DATA = Path(__file__).resolve().parents[1] / "data"
BAD = DATA / "bad"
GOOD = DATA / "good"


def quotas_from(path: Path) -> QuotaTable:
    """A quota table from a ``feature,value,min,max`` file (independent of quotas.formats)."""
    frame, problems = read_table(path)
    assert not problems
    rows = frame[["feature", "value", "min", "max"]].itertuples(index=False, name=None)
    return quota_table([(feature, value, int(lo), int(hi)) for feature, value, lo, hi in rows])


BAD_QUOTAS = quotas_from(BAD / "quotas.csv")
GOOD_QUOTAS = quotas_from(GOOD / "quotas.csv")


def codes(loaded: object) -> list[str]:
    return [p.code for p in loaded.problems]  # type: ignore[attr-defined]


# -- the corpus: exact problem codes -------------------------------------------------

LOADS_FINE = {
    "semicolon.csv": [],
    "tab.tsv": [],
    "pipe.csv": [],
    "crlf.csv": [],
    "utf8_bom.csv": [],
    "utf16_excel.txt": [],
    "semicolon_commas_in_cells.csv": [],
    "case_and_spaces.csv": [],
    "latin1.csv": ["file_encoding_latin1"],
    "windows1252.csv": ["file_encoding_latin1"],
    "nobody_in_category.csv": ["pool_category_empty"],
}

FAILS = {
    "missing_column.csv": ["pool_missing_feature_columns"],
    "missing_id_column.csv": ["pool_missing_id_column"],
    "duplicate_ids.csv": ["pool_duplicate_id"],
    "unknown_values.csv": ["pool_unknown_value_no_suggestion", "pool_unknown_value"],
    "blank_ids.csv": ["pool_blank_id"],
    "blank_values.csv": ["pool_blank_value", "pool_blank_value"],
    "empty.csv": ["file_empty"],
    "header_only.csv": ["file_no_rows"],
    # The short row is padded, so its missing region is reported as well.
    "ragged_rows.csv": ["file_ragged_row", "file_ragged_row", "pool_blank_value"],
    "blank_line.csv": ["pool_unknown_value_no_suggestion", "pool_unknown_value"],
    "many_problems.csv": [
        "pool_duplicate_id",
        "pool_unknown_value",
        "pool_blank_id",
        "pool_blank_value",
    ],
}


@pytest.mark.parametrize(("name", "expected"), sorted(LOADS_FINE.items()))
def test_unusual_but_good_files_load(name: str, expected: list[str]) -> None:
    loaded = load_pool(BAD / name, BAD_QUOTAS)
    assert codes(loaded) == expected
    assert all(p.severity == "warning" for p in loaded.problems)
    pool = loaded.raise_for_errors()
    assert pool.features == ("gender", "age", "region")
    assert len(pool) == (6 if name == "nobody_in_category.csv" else 8)


@pytest.mark.parametrize(("name", "expected"), sorted(FAILS.items()))
def test_bad_files_report_exact_problems(name: str, expected: list[str]) -> None:
    loaded = load_pool(BAD / name, BAD_QUOTAS)
    assert codes(loaded) == expected
    assert loaded.pool is None
    with pytest.raises(InvalidInput) as info:
        loaded.raise_for_errors()
    assert [p.code for p in info.value.problems] == expected


def test_every_corpus_pool_is_covered() -> None:
    pools = {p.name for p in BAD.iterdir() if not p.name.startswith("quotas")}
    assert pools == set(LOADS_FINE) | set(FAILS)


# -- messages and row numbers --------------------------------------------------------


def messages(name: str) -> list[str]:
    return [p.message for p in load_pool(BAD / name, BAD_QUOTAS).problems]


def test_typo_names_row_value_and_closest_category() -> None:
    found = messages("unknown_values.csv")
    assert found[0].startswith("Row 4: age = 'elderly' is not a category of age.")
    assert found[1].startswith(
        "Row 7: gender = 'femal' is not a category of gender (did you mean 'female'?)"
    )


def test_suggestion_ignores_case_and_accents_only_by_closeness() -> None:
    problem = load_pool(BAD / "many_problems.csv", BAD_QUOTAS).problems[1]
    assert problem.params["value"] == "Ile de France"
    assert problem.params["suggestion"] == "Île-de-France"


def test_blank_line_counts_as_a_spreadsheet_row() -> None:
    rows = [p.params["row"] for p in load_pool(BAD / "blank_line.csv", BAD_QUOTAS).problems]
    assert rows == [5, 8]


def test_duplicate_ids_list_every_row() -> None:
    (problem,) = load_pool(BAD / "duplicate_ids.csv", BAD_QUOTAS).problems
    assert problem.params["id"] == "p02"
    assert problem.params["rows"] == "3, 6, 9"


def test_blank_ids_list_rows_including_white_space_only() -> None:
    (problem,) = load_pool(BAD / "blank_ids.csv", BAD_QUOTAS).problems
    assert (problem.params["rows"], problem.params["count"]) == ("3, 8", 2)


def test_missing_columns_are_named_with_the_columns_found() -> None:
    (missing,) = messages("missing_column.csv")
    assert "no column for 'age'" in missing
    assert "'id', 'gender', 'region'" in missing
    (no_id,) = messages("missing_id_column.csv")
    assert "no id column 'id'" in no_id
    assert "'gender', 'age', 'region'" in no_id


def test_missing_address_column_is_an_error() -> None:
    loaded = load_pool(BAD / "semicolon.csv", BAD_QUOTAS, address_columns=["postcode"])
    assert codes(loaded) == ["pool_missing_address_columns"]
    assert "'postcode'" in loaded.problems[0].message


def test_empty_category_is_a_warning_with_its_bounds() -> None:
    (problem,) = load_pool(BAD / "nobody_in_category.csv", BAD_QUOTAS).problems
    assert problem.severity == "warning"
    assert (problem.params["value"], problem.params["min"]) == ("50+", 1)


def test_missing_file_is_a_problem_not_a_crash() -> None:
    loaded = load_pool(BAD / "no_such_file.csv", BAD_QUOTAS)
    assert codes(loaded) == ["file_not_found"]
    assert loaded.pool is None


def test_many_rows_with_one_bad_value_give_one_problem_with_a_count() -> None:
    q = quota_table([("gender", "female", 1, 1), ("gender", "male", 1, 1)])
    frame = pd.DataFrame({"id": [f"p{i}" for i in range(50)], "gender": ["F"] * 50})
    (problem,) = pool_from_frame(frame, q).problems
    assert problem.params["count"] == 50
    assert problem.params["rows"].endswith(", …")
    assert problem.params["row"] == 2


# -- encodings, delimiters and normalisation ------------------------------------------


@pytest.mark.parametrize(
    "name", ["latin1.csv", "utf8_bom.csv", "utf16_excel.txt", "semicolon.csv", "tab.tsv"]
)
def test_accented_values_survive_every_encoding(name: str) -> None:
    loaded = load_pool(BAD / name, BAD_QUOTAS)
    assert loaded.frame.loc["p01", "region"] == "Île-de-France"
    assert list(loaded.frame.columns) == ["gender", "age", "region"]
    assert loaded.frame.index.name == "id"


def test_windows_quotes_are_read_as_themselves() -> None:
    loaded = load_pool(BAD / "windows1252.csv", BAD_QUOTAS)
    assert loaded.frame.loc["p03", "name"] == "Maëlle d’Armor"


@pytest.mark.parametrize("name", ["semicolon.csv", "tab.tsv", "pipe.csv"])
def test_a_single_column_reading_would_be_detected(name: str) -> None:
    frame, problems = read_table(BAD / name)
    assert list(frame.columns) == ["id", "gender", "age", "region"]
    assert problems == []


def test_commas_inside_semicolon_cells_stay_in_the_cell() -> None:
    loaded = load_pool(BAD / "semicolon_commas_in_cells.csv", BAD_QUOTAS)
    assert loaded.frame.loc["p01", "address"] == "1, rue de la Paix"


def test_case_and_white_space_match_categories_and_columns() -> None:
    plain = load_pool(BAD / "semicolon.csv", BAD_QUOTAS).raise_for_errors()
    odd = load_pool(BAD / "case_and_spaces.csv", BAD_QUOTAS, id_column="Id")
    assert odd.raise_for_errors().sha256() == plain.sha256()
    # The personal-details side keeps the file's own spelling.
    assert odd.frame.loc["p05", "Region"] == "ÎLE-DE-FRANCE"
    assert list(odd.frame.columns) == ["Gender", "AGE", "Region"]


def test_columns_that_differ_only_in_case_are_ambiguous() -> None:
    q = quota_table([("gender", "female", 1, 1), ("gender", "male", 1, 1)])
    frame = pd.DataFrame({"id": ["a", "b"], "Gender": ["female", "male"], "gender": ["f", "m"]})
    assert codes(pool_from_frame(frame, q)) == ["pool_ambiguous_column"]


def test_a_column_given_twice_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "pool.csv"
    path.write_text("id,gender,age,region,gender\np01,female,50+,Bretagne,male\n")
    assert codes(load_pool(path, BAD_QUOTAS)) == ["file_duplicate_header"]
    frame = pd.DataFrame([["p01", "female", "50+", "Bretagne", "male"]])
    frame.columns = pd.Index(["id", "gender", "age", "region", "gender"])
    assert codes(pool_from_frame(frame, BAD_QUOTAS)) == ["file_duplicate_header"]


def test_empty_frame_is_an_empty_pool_problem() -> None:
    q = quota_table([("gender", "female", 0, 1), ("gender", "male", 0, 1)])
    frame = pd.DataFrame({"id": [], "gender": []})
    assert codes(pool_from_frame(frame, q)) == ["pool_empty"]


def test_a_pool_before_any_quota_has_its_people_and_no_features() -> None:
    frame = pd.DataFrame({"id": ["b", "a"], "gender": ["male", "female"]})
    loaded = pool_from_frame(frame, quota_table([]))
    assert loaded.pool is not None and not loaded.problems
    assert loaded.pool.ids == ("a", "b")
    assert loaded.pool.matrix.shape == (2, 0)


def test_numbers_and_missing_cells_in_a_frame_become_text() -> None:
    q = quota_table([("age", "30", 1, 1), ("age", "40", 1, 1)])
    frame = pd.DataFrame({"id": [7.0, 3.0, 5.0], "age": [30, 40, 30], "note": [None, "x", 1.5]})
    loaded = pool_from_frame(frame, q)
    assert loaded.raise_for_errors().ids == ("3", "5", "7")
    assert loaded.frame["note"].tolist() == ["x", "1.5", ""]
    assert loaded.frame["age"].tolist() == ["40", "30", "30"]


def test_xlsx_rows_are_numbered_as_in_the_sheet(tmp_path: Path) -> None:
    frame, _ = read_table(BAD / "unknown_values.csv")
    write_table(frame, tmp_path / "pool.xlsx")
    loaded = load_pool(tmp_path / "pool.xlsx", BAD_QUOTAS)
    assert [p.params["row"] for p in loaded.problems] == [4, 7]


# -- the good pool: households and the kept frame --------------------------------------


def good() -> tuple[Pool, pd.DataFrame]:
    loaded = load_pool(GOOD / "pool.csv", GOOD_QUOTAS, address_columns=["Address"])
    return loaded.raise_for_errors(), loaded.frame


def test_good_pool_loads_without_problems() -> None:
    loaded = load_pool(GOOD / "pool.csv", GOOD_QUOTAS, address_columns=["address"])
    assert loaded.problems == []
    assert len(loaded.raise_for_errors()) == 30
    assert GOOD_QUOTAS.problems(10) == []


def test_households_match_addresses_up_to_case_space_and_punctuation() -> None:
    pool, _ = good()
    groups = [[pool.ids[i] for i in rows] for rows in pool.households()]
    assert groups == [["v004", "v017"], ["v010", "v011", "v025"], ["v020", "v030"]]
    # v006 gave no address: alone, not in a household with other blanks.
    assert pool.household[pool.index_of("v006")] == -1


def test_without_address_columns_no_one_shares_a_household() -> None:
    loaded = load_pool(GOOD / "pool.csv", GOOD_QUOTAS)
    assert loaded.raise_for_errors().households() == []


def test_kept_frame_has_every_column_in_pool_order() -> None:
    pool, frame = good()
    assert tuple(frame.index) == pool.ids
    assert list(frame.columns) == ["gender", "age", "education", "address"]
    assert frame.loc["v017", "address"] == "4 STATION ROAD."
    assert all(isinstance(value, str) for value in frame.to_numpy().ravel())
    pd.testing.assert_frame_equal(
        pool.frame(),
        frame[["gender", "age", "education"]],
        check_dtype=False,
        check_index_type=False,
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [("12 High St.", "12  high st"), ("Flat 2, 5 Rue d'Alsace", "flat 2 5 rue dalsace")],
)
def test_normalise_address(a: str, b: str) -> None:
    assert normalise_address(a) == normalise_address(b)


def test_several_address_columns_all_blank_means_no_household() -> None:
    q = quota_table([("g", "f", 0, 2), ("g", "m", 0, 2)])
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "g": ["f", "m", "f", "m"],
            "street": ["", "1 Main St", "", "1 main st."],
            "postcode": ["", "AB1 2CD", "", "ab1 2cd"],
        }
    )
    pool = pool_from_frame(frame, q, address_columns=["street", "postcode"]).raise_for_errors()
    assert [list(h) for h in pool.households()] == [[1, 3]]


ADDRESS_PARTS = st.sampled_from(["12 High St.", " 12  high st", "3 Low Rd", "3, low rd", "", " "])


@given(st.lists(st.tuples(ADDRESS_PARTS, ADDRESS_PARTS), min_size=1, max_size=12))
def test_a_file_and_the_service_group_the_same_people_into_households(
    addresses: list[tuple[str, str]],
) -> None:
    # The service keys each stored volunteer by address_key; a file's pool must agree.
    n = len(addresses)
    frame = pd.DataFrame(
        {
            "id": [f"p{i:02d}" for i in range(n)],
            "g": ["f"] * n,
            "street": [street for street, _ in addresses],
            "town": [town for _, town in addresses],
        }
    )
    q = quota_table([("g", "f", 0, n)])
    pool = pool_from_frame(frame, q, address_columns=["street", "town"]).raise_for_errors()
    by_key: dict[str, list[str]] = {}
    for i, parts in enumerate(addresses):
        key = address_key(parts)
        if key is not None:
            by_key.setdefault(key, []).append(f"p{i:02d}")
    expected = sorted(ids for ids in by_key.values() if len(ids) > 1)
    assert sorted(sorted(pool.ids[i] for i in rows) for rows in pool.households()) == expected


# -- crossed features ------------------------------------------------------------------

CROSSED = quota_table(
    [
        ("gender", "female", 1, 2),
        ("gender", "male", 1, 2),
        ("gender x age", "female x young", 0, 1),
        ("gender x age", "female x old", 0, 1),
        ("gender x age", "male x young", 0, 1),
        ("gender x age", "male x old", 0, 1),
    ]
)


def test_crossed_feature_is_derived_from_its_two_columns() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "Gender": ["Female", "male", "female"],
            "age": ["old", "young", "young"],
        }
    )
    pool = pool_from_frame(frame, CROSSED).raise_for_errors()
    assert pool.features == ("gender", "gender x age")
    assert pool.frame()["gender x age"].tolist() == [
        "female x old",
        "male x young",
        "female x young",
    ]


@pytest.mark.parametrize("first_crossed", [False, True])
def test_crossed_feature_reports_a_bad_part_once(first_crossed: bool) -> None:
    quotas = QuotaTable(reversed(CROSSED.quotas)) if first_crossed else CROSSED
    frame = pd.DataFrame(
        {"id": ["a", "b", "c"], "gender": ["femal", "male", ""], "age": ["old", "yuong", "old"]}
    )
    found = [
        (p.code, p.params["feature"], p.params["row"])
        for p in pool_from_frame(frame, quotas).problems
    ]
    assert found == [
        ("pool_unknown_value", "gender", 2),
        ("pool_unknown_value", "gender x age", 3),
        ("pool_blank_value", "gender", 4),
    ]


def test_crossed_feature_names_the_missing_source_column() -> None:
    frame = pd.DataFrame({"id": ["a"], "gender": ["female"]})
    (problem,) = pool_from_frame(frame, CROSSED).problems
    assert problem.code == "pool_missing_feature_columns"
    assert problem.params["features"] == "'age'"


# -- property: file order, delimiter and spelling never change the pool ----------------

PROPERTY_QUOTAS = quota_table(
    [
        ("gender", "female", 0, 9),
        ("gender", "male", 0, 9),
        ("age", "young", 0, 9),
        ("age", "old", 0, 9),
    ]
)


@settings(max_examples=25, deadline=None)
@given(
    people=st.lists(
        st.tuples(st.sampled_from(["female", "male"]), st.sampled_from(["young", "old"])),
        min_size=1,
        max_size=12,
    ),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    shout=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_same_people_give_the_same_pool(
    tmp_path_factory: pytest.TempPathFactory,
    people: list[tuple[str, str]],
    delimiter: str,
    shout: bool,
    seed: int,
) -> None:
    ids = [f"id{i:02d}" for i in range(len(people))]
    expected = Pool.build(
        ids, pd.DataFrame(people, columns=["gender", "age"]), PROPERTY_QUOTAS
    ).sha256()
    order = np.random.default_rng(seed).permutation(len(people))
    lines = [delimiter.join(["id", "gender", "age"])]
    for i in order:
        g, a = people[i]
        lines.append(delimiter.join([ids[i], g.upper() if shout else g, f" {a} "]))
    path = tmp_path_factory.mktemp("pool") / "pool.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_pool(path, PROPERTY_QUOTAS)
    assert loaded.raise_for_errors().sha256() == expected


def test_empty_category_with_minimum_zero_asks_for_nothing(tmp_path: Path) -> None:
    """A category no one has is only a problem when its minimum is above 0."""
    pool = tmp_path / "pool.csv"
    pool.write_text("id,age\na,young\nb,young\nc,young\n", encoding="utf-8")
    for low, code in ((0, "pool_category_empty_allowed"), (1, "pool_category_empty")):
        quotas = tmp_path / f"quotas{low}.csv"
        quotas.write_text(f"feature,value,min,max\nage,young,0,3\nage,old,{low},2\n", "utf-8")
        loaded = load_pool(pool, read_quotas(quotas))
        found = [p for p in loaded.problems if p.code.startswith("pool_category_empty")]
        assert [p.code for p in found] == [code]
        assert found[0].severity == "warning"
        english = found[0].message
        assert ("minimum cannot be met" in english) == (low > 0)
