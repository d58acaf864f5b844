"""The overview's reports, and the multi-site Representativeness page agreeing with the overview.

Regression: with a criterion quota'd at some sites only (literacy and region at FR-lyon),
the Representativeness page divided that criterion's pool and panel counts by every
chosen site's pool and panel (literacy: target 90 %, pool ~47 %; shares not adding up),
and pooled targets category by category (region: targets adding up to 200 % over two
countries), so its score (80) differed from the overview's (86) for the same sites.
Both now pool criterion by criterion (``recruitment.reports.model.pooled_balance``).
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from dashboard.balance_views import SiteGroup, combined_balance, grouped_balance, score_of
from dashboard.data import panel_people
from recruitment import dashboard_support as support
from recruitment import usecases as uc
from recruitment.db import open_database
from sampling import SelectionSettings
from synthetic_data import margins_dict, margins_object
from tests.dashboard.conftest import DemoDb, open_page, signed_in
from tests.dashboard.test_flows import _Downloads, downloads  # noqa: F401 (a fixture)

SITES = ["FR-lyon", "KE-nairobi"]


@pytest.fixture
def mixed_quotas(own_db: DemoDb) -> DemoDb:
    """FR-lyon re-selected with quotas on every census criterion; KE-nairobi selected."""
    db = open_database(f"sqlite:///{own_db.path}")
    try:
        fr = uc.authenticate(db, "partner-fr", own_db.password("partner-fr"))
        margins = margins_object(margins_dict("FR"))
        uc.set_quotas_from_margins(db, fr, "FR-lyon", margins, tolerance_points=5)
        uc.run_selection(db, fr, "FR-lyon", SelectionSettings(seed=3))
        ke = uc.authenticate(db, "partner-ke", own_db.password("partner-ke"))
        uc.run_selection(db, ke, "KE-nairobi", SelectionSettings(seed=4))
    finally:
        db.dispose()
    return own_db


def _page_and_overview(db: DemoDb) -> tuple[list[SiteGroup], float]:
    """The page's site groups (as ``dashboard.data.site_group`` makes them); the overview score."""
    database = open_database(f"sqlite:///{db.path}")
    try:
        who = uc.authenticate(database, "coordinator", db.password("coordinator"))
        groups = []
        for site in SITES:
            details = support.run_details(database, who, site)
            assert details is not None
            people = panel_people(details)
            groups.append(SiteGroup(site, details.pool, people, details.quotas, details.size))
        overview = uc.sites_overview(database, who)
    finally:
        database.dispose()
    sites = pd.DataFrame(
        {"site": [s.code for s in overview.sites], "seats": [s.seats for s in overview.sites]}
    )
    summary, _ = grouped_balance(sites[sites["site"].isin(SITES)], overview.categories, [])
    return groups, float(summary["score"].iloc[0])


def test_the_page_pools_like_the_overview(mixed_quotas: DemoDb) -> None:
    groups, overview_score = _page_and_overview(mixed_quotas)
    table = combined_balance(groups)
    sums = table.groupby("feature")[["target_share", "pool_share", "share"]].sum()
    assert {"literacy", "region"} <= set(sums.index)
    assert sums["share"].round(9).eq(1).all() and sums["pool_share"].round(9).eq(1).all()
    assert sums.loc[["literacy", "region"], "target_share"].round(9).eq(1).all()
    literate = table.set_index("value").loc["literate"]
    assert literate["pool_share"] > 0.8  # of FR-lyon's pool only, not of both sites'
    assert score_of(table) == pytest.approx(overview_score)


def test_the_page_shows_the_overview_s_score(mixed_quotas: DemoDb) -> None:
    at = open_page(signed_in(mixed_quotas, "coordinator"), "balance")
    at.multiselect(key="balance_sites").set_value(SITES).run()
    assert not at.exception, [e.value for e in at.exception]
    page_score = at.metric[2].value
    at = open_page(at, "sites")
    at.multiselect(key="sites_regions").select(("FR", "Auvergne-Rhône-Alpes")).select(
        ("KE", "Nairobi City")
    ).run()
    at.radio(key="sites_group_by").set_value("global").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.dataframe[1].value["Representativeness score"].tolist() == [page_score]


def test_the_overview_offers_each_report_file(
    mixed_quotas: DemoDb,
    downloads: _Downloads,  # noqa: F811 (the fixture imported above)
) -> None:
    at = open_page(signed_in(mixed_quotas, "coordinator"), "sites")
    at.radio(key="sites_report_level").set_value("country").run()
    at.button(key="sites_report_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    page = downloads.data(at, "sites_report_html").content.decode("utf-8")
    assert "<svg" in page and "https:" not in page and "Global Deliberation Day" in page
    csv = pd.read_csv(io.BytesIO(downloads.data(at, "sites_report_csv").content))
    assert sorted(set(csv["country"])) == ["FR", "KE"]
    book = openpyxl.load_workbook(io.BytesIO(downloads.data(at, "sites_report_xlsx").content))
    assert "provenance" in book.sheetnames
    assert downloads.data(at, "sites_report_pdf").content.startswith(b"%PDF")
