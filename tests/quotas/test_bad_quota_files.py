"""Bad quota-table files of the corpus, read with quotas.formats.read_quotas."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotas.formats import read_quotas
from quotas.problems import InvalidInput, Problem

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
GOOD = Path(__file__).resolve().parents[1] / "data" / "good"


def problems_of(path: Path) -> list[Problem]:
    """Every problem of a quota file: the errors read_quotas raises, else the table's own."""
    try:
        table = read_quotas(path)
    except InvalidInput as exc:
        return list(exc.problems)
    return table.problems()


def error_codes(path: Path) -> list[str]:
    return [p.code for p in problems_of(path) if p.severity == "error"]


@pytest.mark.parametrize("path", [BAD / "quotas.csv", GOOD / "quotas.csv"])
def test_corpus_quota_tables_are_valid(path: Path) -> None:
    assert error_codes(path) == []


def test_min_above_max() -> None:
    assert error_codes(BAD / "quotas_min_above_max.csv") == ["quota_min_above_max"]


def test_negative_min() -> None:
    assert error_codes(BAD / "quotas_negative.csv") == ["quota_negative"]


def test_non_numeric_min_names_the_value() -> None:
    problems = [p for p in problems_of(BAD / "quotas_non_numeric_min.csv") if p.severity == "error"]
    assert len(problems) == 1
    assert "one" in problems[0].message


def test_missing_max_column_is_named() -> None:
    problems = [p for p in problems_of(BAD / "quotas_missing_column.csv") if p.severity == "error"]
    assert len(problems) == 1
    assert "max" in problems[0].message
