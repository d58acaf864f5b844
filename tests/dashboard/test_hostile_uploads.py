"""Hostile files uploaded in the dashboard: the same translated problem list as the CLI gives,
never an exception on the page, nothing stored; a long list is bounded with counts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.dashboard.conftest import DemoDb, open_page, signed_in
from tests.dashboard.test_flows import pool_count, service

SITE = "FR-lille"


def test_a_binary_pool_file_is_refused_with_its_problem(
    own_db: DemoDb, hostile_file: Callable[[str], Path]
) -> None:
    with service(own_db, "partner-fr") as (database, _):
        stored = pool_count(database, SITE)
    at = open_page(signed_in(own_db, "partner-fr"), "pool", SITE)
    data = hostile_file("png.csv").read_bytes()
    at.file_uploader(key="pool_file").set_value(("photo.csv", data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [
        "The file was not imported: 1 problem(s) to fix, listed below."
    ]
    report = at.dataframe[0].value
    assert report["Code"].tolist() == ["file_binary_format"]
    assert "is in the PNG format, not a table saved as text" in report["What to do"][0]
    with service(own_db, "partner-fr") as (database, _):
        assert pool_count(database, SITE) == stored


def test_a_wide_workbook_is_refused_in_french(
    own_db: DemoDb, hostile_file: Callable[[str], Path]
) -> None:
    at = open_page(signed_in(own_db, "partner-fr", lang="fr"), "pool", SITE)
    data = hostile_file("wide.xlsx").read_bytes()
    at.file_uploader(key="pool_file").set_value(("wide.xlsx", data, "application/xlsx")).run()
    assert not at.exception, [e.value for e in at.exception]
    report = at.dataframe[0].value
    (message,) = report.iloc[:, 2].tolist()
    assert report.iloc[0, 1] == "file_too_many_columns"
    assert message.startswith("La première feuille de ") and "cellule XFD1" in message


def test_200000_bad_rows_give_a_bounded_problem_list(
    own_db: DemoDb, hostile_file: Callable[[str], Path]
) -> None:
    with service(own_db, "partner-fr") as (database, _):
        stored = pool_count(database, SITE)
    at = open_page(signed_in(own_db, "partner-fr"), "pool", SITE)
    data = hostile_file("bad_rows.csv").read_bytes()
    at.file_uploader(key="pool_file").set_value(("bad.csv", data, "text/csv")).run()
    at.button(key="pool_import_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    report = [d.value for d in at.dataframe if "Code" in d.value.columns][-1]
    codes = report["Code"].tolist()
    assert all(codes.count(code) <= 21 for code in set(codes))
    assert (
        "… and 99980 more problems like this (pool_duplicate_id)." in report["What to do"].tolist()
    )
    (headline,) = [e.value for e in at.error]
    count = int(headline.split(": ")[1].split(" ")[0].replace(",", ""))
    assert count > 200_000  # every problem counted, though few are listed
    with service(own_db, "partner-fr") as (database, _):
        assert pool_count(database, SITE) == stored


def test_a_random_margins_file_is_refused_with_its_problem(
    own_db: DemoDb, hostile_file: Callable[[str], Path]
) -> None:
    at = open_page(signed_in(own_db, "partner-fr"), "quotas", SITE)
    data = hostile_file("random.csv").read_bytes()
    at.file_uploader(key="margins_file").set_value(("census.csv", data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert errors[0] == (
        "The margins file has 1 problem(s), listed below; nothing was taken from it."
    )
    report = at.dataframe[0].value
    assert report["Code"].tolist() == ["file_binary"]
    (message,) = report["What to do"].tolist()
    assert "census.csv holds binary data, not text" in message
