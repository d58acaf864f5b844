"""The sites overview with hundreds of sites: the batched use case and the page's render.

Builds, through the use cases, a deliberation of 300 sites (``--quick``: 60; ``--sites N``)
in the 15 real synthetic countries, each site in a region of its country, with quotas
from the country's census margins, a small synthetic pool (200 volunteers, no contact
details) and a panel of 50 drawn with the legacy method from 20 samples (fast: the
overview reads panels, not how they were drawn). Then prints the median time and the
number of SQL statements of ``usecases.list_sites`` and ``usecases.sites_overview`` for a
coordinator, and the time of the Sites overview page (Streamlit AppTest) per grouping:
its first render, then the median of three more (what a filter change costs).

Run from the repository root: ``.venv/bin/python benchmarks/bench_overview.py [--quick]``;
``--database-url URL`` uses that (empty) database instead of a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DELIBERATION = "Overview benchmark"
POOL_SIZE = 200
PANEL_SIZE = 50
QUOTA_FEATURES = ("gender", "age", "education", "urban_rural")
PASSWORD = "bench-password"


def _build(url: str, sites: int) -> tuple[int, float]:
    """Create the deliberation; return the number of panels selected and the seconds taken."""
    from quotas.problems import KleroError
    from recruitment import usecases as uc
    from recruitment.db import open_database, upgrade
    from recruitment.demo import add_synthetic_site
    from sampling import Algorithm, SelectionSettings
    from synthetic_data import available_countries, generate_pool, margins_dict, margins_object
    from synthetic_data.countries import COUNTRIES

    clock = time.perf_counter()
    upgrade(url)
    db = open_database(url)
    try:
        admin = uc.bootstrap_admin(db, "admin", PASSWORD)
        uc.create_user(db, admin, "coordinator", PASSWORD, "coordinator")
        uc.create_deliberation(db, admin, DELIBERATION)
        codes = [c for c in available_countries() if not COUNTRIES[c].fictional]
        pools, margins, regions = {}, {}, {}
        for number, code in enumerate(codes):
            uc.create_country(db, admin, DELIBERATION, code, COUNTRIES[code].name)
            uc.create_organisation(db, admin, f"Partner {code}")
            census = margins_dict(code)
            margins[code] = margins_object({f: census[f] for f in QUOTA_FEATURES})
            regions[code] = list(census["region"])
            pools[code] = generate_pool(code, POOL_SIZE, 100 + number, pii=False)
        panels = 0
        for index in range(sites):
            code = codes[index % len(codes)]
            nth = index // len(codes)
            site = f"{code}-{nth:03d}"
            region = regions[code][nth % len(regions[code])]
            partner = f"Partner {code}"
            add_synthetic_site(
                db,
                admin,
                admin,
                uc.NewSite(
                    DELIBERATION, code, site, f"Site {nth} of {code}", PANEL_SIZE, partner, region
                ),
                margins[code],
                pools[code],
                address_columns=["household"],
                feature_columns=[*QUOTA_FEATURES, "region", "literacy"],
            )
            try:
                uc.run_selection(
                    db,
                    admin,
                    site,
                    SelectionSettings(
                        algorithm=Algorithm.LEGACY, seed=index, algorithm_settings={"samples": 20}
                    ),
                )
                panels += 1
            except KleroError as error:  # an infeasible small pool: the site stays unselected
                print(f"  {site}: no panel ({error.code})")
        return panels, time.perf_counter() - clock
    finally:
        db.dispose()


def _timed(call: Callable[[], Any], engine: Any, repeat: int = 5) -> tuple[float, int, Any]:
    """Median seconds over ``repeat`` calls, SQL statements of one call, and its result."""
    from sqlalchemy import event

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    times, result = [], None
    for attempt in range(repeat):
        if attempt == 0:
            event.listen(engine, "before_cursor_execute", count)
        clock = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - clock)
        if attempt == 0:
            event.remove(engine, "before_cursor_execute", count)
    return statistics.median(times), len(statements), result


def _pages(url: str) -> None:
    from streamlit.testing.v1 import AppTest

    os.environ["KLERO_DATABASE_URL"] = url
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=300)
    at.run()
    at.text_input(key="signin_login").input("coordinator")
    at.text_input(key="signin_password").input(PASSWORD)
    at.button(key="signin_submit").click().run()
    at.switch_page("views/sites.py")
    print(f"{'page: Sites overview, grouping':<34} {'first s':>9} {'then s':>9}")
    for grouping in ("country", "region", "global"):
        at.session_state["sites_group_by"] = grouping
        times = []
        for _ in range(4):
            clock = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - clock)
        problem = " (exception)" if at.exception or at.error else ""
        print(f"{grouping:<34} {times[0]:>9.2f} {statistics.median(times[1:]):>9.2f}{problem}")


def main() -> None:
    """Build the deliberation, then print the use cases' and the page's times."""
    from cryptography.fernet import Fernet

    from recruitment import usecases as uc
    from recruitment.security import set_password_cost

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sites", type=int, default=None)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    sites = args.sites or (60 if args.quick else 300)
    folder = Path(tempfile.mkdtemp(prefix="klero-bench-overview-"))
    os.environ["KLERO_SECRET_KEY"] = Fernet.generate_key().decode()
    os.environ["KLERO_HOME"] = str(folder)
    set_password_cost(2**4)  # the sign-in KDF is not what this measures
    url = args.database_url or f"sqlite:///{folder / 'overview.sqlite'}"
    panels, seconds = _build(url, sites)
    print(f"{sites} sites ({panels} with a panel of {PANEL_SIZE}) built in {seconds:.1f} s")
    db = uc.start(url)
    try:
        coordinator = uc.authenticate(db, "coordinator", PASSWORD)
        print(f"{'use case (coordinator, all sites)':<34} {'median s':>9} {'SQL statements':>15}")
        for name, call in (
            ("list_sites", lambda: uc.list_sites(db, coordinator)),
            ("sites_overview", lambda: uc.sites_overview(db, coordinator)),
        ):
            median, statements, result = _timed(call, db.engine)
            rows = len(result) if isinstance(result, list) else len(result.sites)
            print(f"{name + f' ({rows} sites)':<34} {median:>9.3f} {statements:>15}")
    finally:
        db.dispose()
    _pages(url)


if __name__ == "__main__":
    main()
