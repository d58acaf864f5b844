"""The demo deliberation: sites with synthetic pools and a working login for every role."""

from __future__ import annotations

import pytest

from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.db import open_database
from recruitment.demo import create_demo
from synthetic_data import margins_dict


def test_the_demo_gives_every_role_a_login_and_a_selected_site(db_url: str) -> None:
    demo = create_demo(db_url, pool_size=150)
    roles = sorted({role for role, _, _ in demo.logins.values()})
    assert roles == ["admin", "coordinator", "evaluator", "partner"]
    db = open_database(db_url)
    try:
        for login, (role, _, password) in demo.logins.items():
            assert uc.authenticate(db, login, password).role == role
        evaluator = uc.authenticate(db, "evaluator", demo.logins["evaluator"][2])
        sites = uc.list_sites(db, evaluator)
        assert sorted(s.code for s in sites) == sorted(demo.sites) and len(sites) >= 3
        assert all(s.volunteers == 150 and s.quota_version == 1 for s in sites)
        for site in sites:  # a real first-level subdivision of the site's country
            assert site.region in margins_dict(site.country)["region"], site
        assert demo.run_id is not None
        assert uc.rerun_selection(db, evaluator, demo.run_id).ok
        partner = uc.authenticate(db, "partner-ke", demo.logins["partner-ke"][2])
        assert [s.code for s in uc.list_sites(db, partner)] == ["KE-nairobi"]
        assert uc.verify_audit(db, evaluator).ok
    finally:
        db.dispose()
    with pytest.raises(KleroError) as caught:
        create_demo(db_url, pool_size=150, select=False)
    assert caught.value.code == "demo_needs_empty_database"
