"""The sites overview in AppTest: filters by country and region, aggregate balance."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.balance_views import deviation_grid, grouped_balance
from recruitment import usecases as uc
from recruitment.db import open_database
from sampling import SelectionSettings
from sampling.names import Algorithm
from tests.dashboard.conftest import DemoDb, open_page, signed_in

ALL_SITES = ["BR-recife", "FR-lille", "FR-lyon", "KE-nairobi"]


def _sites(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["Site"])


def test_coordinator_filters_by_country_then_region(shared_db: DemoDb) -> None:
    at = open_page(signed_in(shared_db, "coordinator"), "sites")
    assert _sites(at) == ALL_SITES
    assert at.dataframe[0].value["Region"].tolist() == [
        "Pernambuco",
        "Hauts-de-France",
        "Auvergne-Rhône-Alpes",
        "Nairobi City",
    ]
    at.multiselect(key="sites_countries").select("FR").run()
    assert _sites(at) == ["FR-lille", "FR-lyon"]
    regions = at.multiselect(key="sites_regions")
    assert regions.options == ["Auvergne-Rhône-Alpes (FR)", "Hauts-de-France (FR)"]
    regions.select(("FR", "Auvergne-Rhône-Alpes")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _sites(at) == ["FR-lyon"]
    assert any(c.value == "1 of 4 sites shown." for c in at.caption)
    # Choosing another country drops the region that no longer belongs to the choice.
    at.multiselect(key="sites_countries").unselect("FR").select("KE").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="sites_regions").value == []
    assert _sites(at) == ["KE-nairobi"]


def test_region_filter_alone_and_aggregate_by_region(shared_db: DemoDb) -> None:
    at = open_page(signed_in(shared_db, "evaluator"), "sites")
    at.multiselect(key="sites_regions").select(("KE", "Nairobi City")).select(
        ("FR", "Auvergne-Rhône-Alpes")
    ).run()
    assert _sites(at) == ["FR-lyon", "KE-nairobi"]
    at.radio(key="sites_group_by").set_value("region").run()
    assert not at.exception, [e.value for e in at.exception]
    summary = at.dataframe[1].value
    assert summary[["Country", "Region", "Sites", "With a panel", "Seats"]].values.tolist() == [
        ["FR", "Auvergne-Rhône-Alpes", "1", "1", "50"],
        ["KE", "Nairobi City", "1", "0", "0"],
    ]


@pytest.fixture
def two_panels(own_db: DemoDb) -> DemoDb:
    """The demo with a second panel, at KE-nairobi (the demo only selects at FR-lyon)."""
    db = open_database(f"sqlite:///{own_db.path}")
    try:
        partner = uc.authenticate(db, "partner-ke", own_db.password("partner-ke"))
        uc.run_selection(
            db, partner, "KE-nairobi", SelectionSettings(algorithm=Algorithm.LEGACY, seed=4)
        )
    finally:
        db.dispose()
    return own_db


def test_global_aggregate_sums_the_seats_of_every_panel(two_panels: DemoDb) -> None:
    at = open_page(signed_in(two_panels, "coordinator"), "sites")
    at.radio(key="sites_group_by").set_value("global").run()
    assert not at.exception, [e.value for e in at.exception]
    summary = at.dataframe[1].value
    assert summary[["Group", "Sites", "With a panel", "Seats"]].values.tolist() == [
        ["All sites", "4", "2", "100"]
    ]
    detail = at.dataframe[2].value
    assert isinstance(detail, pd.DataFrame)
    for feature, part in detail.groupby("Criterion"):
        # Both panels' quotas share every category: each sums 50 + 50 seats, all seated.
        assert (part["Seats"] == 100).all(), feature
        assert part["Selected"].sum() == 100, feature
    assert len(at.get("vega_lite_chart")) == detail["Criterion"].nunique()
    at.radio(key="sites_group_by").set_value("country").run()
    by_country = at.dataframe[1].value
    assert by_country[["Country", "Sites", "With a panel", "Seats"]].values.tolist() == [
        ["BR", "1", "0", "0"],
        ["FR", "2", "1", "50"],
        ["KE", "1", "1", "50"],
    ]
    grid = at.dataframe[2].value
    assert list(grid.index) == ["FR", "KE"]  # BR has no panel, hence no gap
    assert "gender = female" in grid.columns
    at.selectbox(key="sites_detail_of").select(("KE",)).run()
    assert not at.exception, [e.value for e in at.exception]
    kenya = at.dataframe[3].value
    assert (kenya["Seats"] == 50).all() and len(kenya) == len(detail)


def test_overview_speaks_french(shared_db: DemoDb) -> None:
    at = open_page(signed_in(shared_db, "coordinator", lang="fr"), "sites")
    assert at.multiselect(key="sites_regions").label == "Filtrer par région"
    assert at.radio(key="sites_group_by").options == [
        "Par pays",
        "Par région",
        "Tous les sites choisis ensemble",
    ]


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    sites = pd.DataFrame(
        {
            "site": ["a", "b", "c"],
            "country": ["FR", "FR", "KE"],
            "region": ["ARA", "", "NBO"],
            "seats": [50, 0, 60],
        }
    )
    categories = pd.DataFrame(
        {
            "site": ["a", "a", "c", "c"],
            "feature": ["gender"] * 4,
            "value": ["female", "male", "female", "male"],
            "count": [20, 30, 30, 30],
            "seats": [50, 50, 60, 60],
            "target_share": [0.5, 0.5, 0.5, 0.5],
        }
    )
    return sites, categories


def test_grouped_balance_counts_sites_panels_and_seats() -> None:
    sites, categories = _frames()
    summary, detail = grouped_balance(sites, categories, [])
    assert summary[["sites", "panels", "seats"]].values.tolist() == [[3, 2, 110]]
    assert detail.set_index("value").loc["female", "share"] == pytest.approx(50 / 110)
    summary, detail = grouped_balance(sites, categories, ["country"])
    assert summary[["country", "sites", "panels", "seats"]].values.tolist() == [
        ["FR", 2, 1, 50],
        ["KE", 1, 1, 60],
    ]
    assert summary.set_index("country").loc["KE", "score"] == pytest.approx(100.0)
    assert summary.set_index("country").loc["FR", "max_abs_deviation"] == pytest.approx(0.1)
    grid = deviation_grid(detail, detail["country"].tolist())
    assert grid.loc["FR", "gender = female"] == pytest.approx(-0.1)
    assert list(grid.columns) == ["gender = female", "gender = male"]
