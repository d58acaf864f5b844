"""The demo: a small global day made from its plan file, every panel drawn in one batch."""

from __future__ import annotations

import pytest

from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.db import open_database
from recruitment.demo import create_demo, plan_rows
from synthetic_data import margins_dict, margins_object


def test_the_demo_plan_is_a_small_global_day() -> None:
    rows = plan_rows()
    countries = {r["country"] for r in rows}
    assert len(rows) >= 20 and len(countries) == 8
    continents = {"FR": "Europe", "DE": "Europe", "KE": "Africa", "NG": "Africa"}
    continents |= {"BR": "America", "MX": "America", "IN": "Asia", "JP": "Asia"}
    assert {continents[c] for c in countries} == {"Europe", "Africa", "America", "Asia"}
    assert [r["site_code"] for r in rows if r["kind"] == "online"] == ["IN-online"]
    for row in rows:  # a regional site's region is a real first-level subdivision
        assert row["kind"] == "online" or row["region"] in margins_dict(row["country"])["region"]


# The whole day once, on SQLite (make run's database); the smaller demos below, the plan
# import and the batch tests cover PostgreSQL.
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_demo_gives_every_role_a_login_and_draws_every_panel(db_url: str) -> None:
    demo = create_demo(db_url, pool_size=200)
    roles = sorted({role for role, _, _ in demo.logins.values()})
    assert roles == ["admin", "coordinator", "evaluator", "partner"]
    db = open_database(db_url)
    try:
        for login, (role, _, password) in demo.logins.items():
            assert uc.authenticate(db, login, password).role == role
        evaluator = uc.authenticate(db, "evaluator", demo.logins["evaluator"][2])
        sites = uc.list_sites(db, evaluator)
        assert sorted(s.code for s in sites) == sorted(demo.sites) and len(sites) == 21
        assert all(s.volunteers == max(200, 2 * s.panel_size) for s in sites)
        assert all(s.quota_version == 1 for s in sites)
        assert all(s.last_run_status == "succeeded" for s in sites), [
            s for s in sites if s.last_run_status != "succeeded"
        ]
        assert demo.run_id is not None
        assert uc.rerun_selection(db, evaluator, demo.run_id).ok
        partner = uc.authenticate(db, "partner-ke", demo.logins["partner-ke"][2])
        codes = [s.code for s in uc.list_sites(db, partner)]
        assert sorted(codes) == ["KE-kisumu", "KE-mombasa", "KE-nairobi"]
        assert uc.verify_audit(db, evaluator).ok
    finally:
        db.dispose()
    with pytest.raises(KleroError) as caught:
        create_demo(db_url, pool_size=200, select="none")
    assert caught.value.code == "demo_needs_empty_database"


def test_a_demo_of_some_sites_draws_only_the_first_panel(db_url: str) -> None:
    """What the dashboard's tests use: the plan's first sites, one panel drawn."""
    demo = create_demo(db_url, pool_size=200, sites=("FR-lyon", "KE-nairobi"), select="first")
    db = open_database(db_url)
    try:
        evaluator = uc.authenticate(db, "evaluator", demo.logins["evaluator"][2])
        drawn = {s.code: s.last_run_id is not None for s in uc.list_sites(db, evaluator)}
        assert drawn == {"FR-lyon": True, "KE-nairobi": False}
    finally:
        db.dispose()


def test_quotas_from_margins_follow_the_catchment(db_url: str) -> None:
    """Margins given as values (not a file) are narrowed to the site's regions too."""
    demo = create_demo(db_url, pool_size=120, sites=("FR-lyon",), select="none")
    db = open_database(db_url)
    try:
        partner = uc.authenticate(db, "partner-fr", demo.logins["partner-fr"][2])
        margins = margins_object(margins_dict("FR"))
        view = uc.set_quotas_from_margins(db, partner, "FR-lyon", margins, tolerance_points=5)
        regions = [q for q in view.table if q.feature == "region"]
        assert [(q.value, q.target_share) for q in regions] == [("Auvergne-Rhône-Alpes", 1.0)]
        assert uc.check_feasibility(db, partner, "FR-lyon").feasible
    finally:
        db.dispose()
