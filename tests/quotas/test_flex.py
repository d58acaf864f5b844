"""The Sortition Foundation's min_flex / max_flex: read, kept, checked, and used as the
limits of the relaxation the feasibility check proposes (never of the selection)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from quotas.feasibility import check_feasibility
from quotas.formats import quota_frame, quotas_from_frame, read_quotas, write_quotas
from quotas.model import QuotaTable, quota_table
from quotas.problems import InvalidInput
from quotas.tables import read_table_text
from recruitment.usecases.common import quota_rows, table_from_rows

SF = "feature,value,min,max,min_flex,max_flex\ngender,female,2,3,1,5\ngender,male,2,3,,\n"


def _table(text: str) -> QuotaTable:
    frame, _ = read_table_text(text)
    table, problems = quotas_from_frame(frame, "sf.csv")
    assert table is not None, problems
    return table


def test_flex_bounds_are_read_blank_means_no_limit() -> None:
    female, male = _table(SF)
    assert (female.min_flex, female.max_flex) == (1, 5)
    assert (male.min_flex, male.max_flex) == (None, None)


def test_flex_bounds_survive_files_and_the_service(tmp_path: Path) -> None:
    table = _table(SF)
    write_quotas(table, tmp_path / "q.csv", "sortition-foundation")
    assert read_quotas(tmp_path / "q.csv").quotas[0] == table.quotas[0]
    assert quota_frame(table, "sortition-foundation")["min_flex"].tolist() == [1, 2]
    assert table_from_rows(quota_rows(table)) == table


def test_a_table_without_flex_keeps_its_hash() -> None:
    """Flex bounds enter the canonical form only when given: old tables' hashes stand."""
    plain = quota_table([("g", "a", 1, 2), ("g", "b", 1, 2)])
    assert all(
        set(row) == {"feature", "value", "min", "max", "target_share"} for row in plain.canonical()
    )
    flexed = QuotaTable([replace(plain.quotas[0], min_flex=0), plain.quotas[1]])
    assert flexed.sha256() != plain.sha256()


@pytest.mark.parametrize(
    "row", ["gender,female,2,3,3,5", "gender,female,2,3,-1,5", "gender,female,2,3,1,2"]
)
def test_flex_inside_the_bounds_is_refused(tmp_path: Path, row: str) -> None:
    path = tmp_path / "q.csv"
    path.write_text(f"feature,value,min,max,min_flex,max_flex\n{row}\ngender,male,2,3,,\n")
    with pytest.raises(InvalidInput) as caught:
        read_quotas(path)
    assert "quota_flex_inside" in [p.code for p in caught.value.problems]


def _short_of_women() -> tuple[pd.DataFrame, int]:
    """One woman in the pool, quotas asking for 2 of 4 seats: infeasible."""
    return pd.DataFrame({"gender": ["female"] + ["male"] * 7}), 4


def test_relaxation_respects_min_flex() -> None:
    people, size = _short_of_women()
    free = quota_table([("gender", "female", 2, 2), ("gender", "male", 2, 2)])
    unlimited = check_feasibility(people, free, size)
    assert unlimited.relaxation is not None
    assert unlimited.relaxation.steps() == [
        "lower the minimum of gender = female from 2 to 1",
        "raise the maximum of gender = male from 2 to 3",
    ]
    # The women's minimum may not go below 2: nothing within the flex bounds helps.
    female, male = free.quotas
    fixed = QuotaTable([replace(female, min_flex=2), male])
    limited = check_feasibility(people, fixed, size)
    assert limited.relaxation is None
    assert "relaxation_none_within_flex" in [p.code for p in limited.problems]
    assert "within their min_flex and max_flex" in (limited.explanation or "")


def test_relaxation_respects_max_flex() -> None:
    people, size = _short_of_women()
    female, male = quota_table([("gender", "female", 2, 2), ("gender", "male", 2, 2)]).quotas
    capped = QuotaTable([female, replace(male, max_flex=2)])
    assert check_feasibility(people, capped, size).relaxation is None
    roomy = QuotaTable([female, replace(male, max_flex=3)])
    relaxation = check_feasibility(people, roomy, size).relaxation
    assert relaxation is not None and relaxation.seats == 2
