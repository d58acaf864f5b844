"""The plan upload on the sites page: what was created, or every problem with its row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from recruitment import usecases as uc
from recruitment.demo import DELIBERATION
from tests.dashboard.conftest import DemoDb, open_page, signed_in
from tests.dashboard.test_flows import pool_count, service

EXAMPLE = Path(__file__).resolve().parents[2] / "recruitment" / "data" / "plan"
FILES = ["pool_FR-grenoble.csv", "margins_FR.csv", "pool_IN-patna.csv", "margins_IN.csv"]


def _plan(rows: list[int]) -> bytes:
    frame = pd.read_csv(EXAMPLE / "plan.csv", dtype=str, keep_default_na=False)
    return frame.iloc[rows].to_csv(index=False).encode()


def _upload(at: AppTest, plan: bytes) -> AppTest:
    at.text_input(key="plan_deliberation").input(DELIBERATION)
    at.file_uploader(key="plan_file").set_value(("plan.csv", plan, "text/csv"))
    files = [(name, (EXAMPLE / name).read_bytes(), "text/csv") for name in FILES]
    at.file_uploader(key="plan_files").set_value(files)
    at.run()
    at.button(key="plan_import_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_coordinator_imports_a_plan_and_sees_each_site_s_outcome(own_db: DemoDb) -> None:
    at = _upload(open_page(signed_in(own_db, "coordinator"), "sites"), _plan([0, 2]))
    assert [s.value for s in at.success] == [
        "Plan imported: 2 sites. Countries added: IN. Partners added: Civic Lab, Jan Sabha Trust."
    ]
    table = next(d.value for d in at.dataframe if "Outcome" in d.value.columns)
    assert table[["Row", "Site", "Outcome", "Volunteers added"]].values.tolist() == [
        [2, "FR-grenoble", "created", 200],
        [3, "IN-patna", "created", 200],
    ]
    with service(own_db, "coordinator") as (database, _):
        assert pool_count(database, "IN-patna") == 200


def test_a_wrong_plan_lists_every_problem_with_its_row_and_stores_nothing(
    own_db: DemoDb,
) -> None:
    frame = pd.read_csv(EXAMPLE / "plan.csv", dtype=str, keep_default_na=False)
    frame = frame.iloc[[0, 2]].reset_index(drop=True)
    frame.loc[0, "region"] = "Bihar"
    frame.loc[1, "panel_size"] = "5000"
    page = open_page(signed_in(own_db, "coordinator"), "sites")
    at = _upload(page, frame.to_csv(index=False).encode())
    assert [e.value for e in at.error] == [
        "The plan was not imported: 2 problem(s) to fix, listed below. Nothing was stored."
    ]
    report = at.dataframe[0].value
    assert report["Code"].tolist() == ["plan_region_unknown", "plan_panel_size_out_of_range"]
    assert str(report.iloc[0, 2]).startswith("Row 2: Bihar is not a first-level region of FR")
    assert str(report.iloc[1, 2]).startswith("Row 3: the panel of site IN-patna has 5000 seats")
    with service(own_db, "coordinator") as (database, coordinator):
        assert "IN-patna" not in {s.code for s in uc.list_sites(database, coordinator)}


def test_an_evaluator_sees_the_sites_but_no_plan_upload(shared_db: DemoDb) -> None:
    at = open_page(signed_in(shared_db, "evaluator"), "sites")
    assert not [u for u in at.get("file_uploader") if u.key == "plan_file"]
