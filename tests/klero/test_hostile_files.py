"""``klero check`` on the hostile corpus (tests/data/hostile): refused calmly, or read right.

Every file runs through the CLI in-process, as a pool and (for faults of the file itself)
as a quota table: the expected code, exit 2, a message naming the file and the row or
byte, and never "Unexpected error" or a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from klero.app import main
from tests.hostile_corpus import LOADS, POOL_ONLY, REFUSED, SLOW

QUOTAS = Path(__file__).resolve().parents[1] / "data" / "hostile" / "quotas.csv"
GOOD_POOL = Path(__file__).resolve().parents[1] / "data" / "good" / "pool.csv"


def _cases(names: list[str]) -> list[object]:
    return [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in names]


def check(
    pool: Path, quotas: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str]:
    """Run ``klero check`` in-process; its exit code and everything it printed."""
    code = main(["check", "--pool", str(pool), "--quotas", str(quotas), "--size", "4", *extra])
    out = capsys.readouterr()
    printed = out.out + out.err
    assert "Unexpected error" not in printed
    assert "Traceback" not in printed
    return code, printed


def errors(printed: str) -> dict[str, str]:
    """Error code -> message, from ``--json`` output."""
    payload = json.loads(printed)
    return {p["code"]: p["message"] for p in payload["problems"] if p["severity"] == "error"}


@pytest.mark.parametrize("name", _cases(sorted(REFUSED)))
def test_a_hostile_pool_file_is_refused_calmly(
    name: str, hostile_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    expected, where = REFUSED[name]
    path = hostile_file(name)
    code, printed = check(path, QUOTAS, capsys, "--json")
    assert code == 2
    found = errors(printed)
    assert expected in found, found
    assert where in found[expected]
    assert path.name in printed
    code, printed = check(path, QUOTAS, capsys)
    assert code == 2 and "The input is not valid" in printed and where in printed


@pytest.mark.parametrize("name", _cases(sorted(set(REFUSED) - POOL_ONLY)))
def test_a_hostile_quota_file_is_refused_calmly(
    name: str, hostile_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    expected, where = REFUSED[name]
    code, printed = check(GOOD_POOL, hostile_file(name), capsys, "--json")
    assert code == 2
    found = errors(printed)
    assert expected in found, found
    assert where in found[expected]


@pytest.mark.parametrize("name", sorted(LOADS))
def test_an_odd_but_valid_pool_is_read(
    name: str, hostile_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = check(hostile_file(name), QUOTAS, capsys, "--json")
    payload = json.loads(printed)
    assert payload["valid"] is True, payload["problems"]
    assert code == 0
    counts = {(r["feature"], r["value"]): r["count"] for r in payload["pool_vs_target"]}
    assert counts[("gender", "female")] + counts[("gender", "male")] == LOADS[name]


def test_a_full_width_category_is_read_as_that_category_with_a_warning(
    capsys: pytest.CaptureFixture[str], hostile_file: Callable[[str], Path]
) -> None:
    code, printed = check(hostile_file("full_width.csv"), QUOTAS, capsys, "--json")
    payload = json.loads(printed)
    assert code == 0
    counts = {(r["feature"], r["value"]): r["count"] for r in payload["pool_vs_target"]}
    assert counts[("gender", "female")] == 3  # rows 2, 4 and 6, row 2 in full-width letters
    (warning,) = [p for p in payload["problems"] if p["code"] == "pool_value_compatibility_form"]
    assert warning["severity"] == "warning" and warning["row"] == 2
    assert 'was read as "female"' in warning["message"]
    assert "U+FF46 FULLWIDTH LATIN SMALL LETTER F" in warning["message"]


def test_a_cyrillic_look_alike_names_both_spellings(
    capsys: pytest.CaptureFixture[str], hostile_file: Callable[[str], Path]
) -> None:
    code, printed = check(hostile_file("look_alike.csv"), QUOTAS, capsys)
    assert code == 2
    assert '"m\u0430le" (U+0430 CYRILLIC SMALL LETTER A) looks like "male"' in printed
    assert "Row 3:" in printed


def test_look_alike_categories_of_a_quota_table_are_warned_about(
    capsys: pytest.CaptureFixture[str], hostile_file: Callable[[str], Path]
) -> None:
    code, printed = check(GOOD_POOL, hostile_file("quotas_look_alike.csv"), capsys)
    assert code in (0, 1)
    assert 'the categories "male" and "m\u0430le" of gender look alike' in printed
    assert "U+0430 CYRILLIC SMALL LETTER A" in printed


def test_200000_bad_rows_are_listed_20_per_kind_and_counted(
    capsys: pytest.CaptureFixture[str], hostile_file: Callable[[str], Path]
) -> None:
    code, printed = check(hostile_file("bad_rows.csv"), QUOTAS, capsys, "--json")
    assert code == 2
    payload = json.loads(printed)
    problems, counts = payload["problems"], payload["problem_counts"]
    assert counts["pool_duplicate_id"] == 100_000  # every id given twice
    # Each of the 66,667 rows with gender "F" shares one problem; the 133,333 others are
    # distinct (bar a few the generator drew twice), and so are the ages 20 to 79.
    assert 133_300 < counts["pool_unknown_value_no_suggestion"] < 133_400
    assert len(problems) <= 21 * len(counts)  # 20 of each kind, and one "… and N more"
    for kind in ("pool_duplicate_id", "pool_unknown_value_no_suggestion"):
        shown = [p for p in problems if p["code"] == kind]
        (more,) = [p for p in problems if p["code"] == "problems_more" and p["kind"] == kind]
        assert len(shown) == 20
        assert more["count"] == counts[kind] - 20
        assert more["message"] == f"… and {counts[kind] - 20} more problems like this ({kind})."
    assert [p["row"] for p in problems if p["code"] == "pool_duplicate_id"][:3] == [2, 4, 6]
    code, printed = check(hostile_file("bad_rows.csv"), QUOTAS, capsys)
    total = sum(counts.values())
    assert f"The input is not valid ({total:,} problem(s)):" in printed
    assert len(printed.splitlines()) <= 21 * len(counts) + 1
