"""Nobody on two panels: what finding people registered at several sites costs.

A deliberation of S sites with V volunteers each (SQLite file, rows inserted directly:
the pool import's own cost is bench_import's); at every other site 5 % of the volunteers
registered at the site before too (same e-mail hash), at every third site 1 % at the
site two before (same phone hash). Times: the exclusions
of one site as a selection's snapshot computes them (``cross_site.excluded_at``; mean and
worst over the sites) and the deliberation-wide list ``klero pool duplicates`` prints
(``cross_site.deliberation_groups``).

Usage: python benchmarks/bench_cross_site.py [--quick]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from recruitment.db import open_database, upgrade
from recruitment.models import (
    Country,
    Deliberation,
    Organisation,
    Site,
    Volunteer,
    VolunteerContact,
)
from recruitment.usecases.cross_site import deliberation_groups, excluded_at

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _fill(url: str, sites: int, per_site: int) -> None:
    db = open_database(url)
    with db.unit_of_work() as session:
        org = Organisation(name="Org")
        delib = Deliberation(name="Day")
        session.add_all([org, delib])
        session.flush()
        country = Country(deliberation_id=delib.id, code="FR", name="France")
        session.add(country)
        session.flush()
        for s in range(sites):
            site = Site(
                code=f"S{s:03d}",
                country_id=country.id,
                name=f"Site {s}",
                panel_size=50,
                partner_organisation_id=org.id,
            )
            session.add(site)
            session.flush()
            volunteers = [
                Volunteer(
                    site_id=site.id,
                    pseudonym=f"v{s:03d}{i:06d}",
                    external_id=str(i),
                    features={"gender": "female"},
                    channel="file",
                    consent=True,
                    created_at=T0 + timedelta(seconds=s * per_site + i),
                )
                for i in range(per_site)
            ]
            session.add_all(volunteers)
            session.flush()
            session.add_all(
                [
                    VolunteerContact(
                        volunteer_id=v.id,
                        ciphertext=b"x",
                        # At odd sites 5 % are the person of the same number at
                        # the site before; at every third site 1 % that at two before.
                        email_hash=f"e{s - 1 if s % 2 and i % 20 == 0 else s}-{i}",
                        phone_hash=f"p{s - 2 if s % 3 == 2 and i % 100 == 1 else s}-{i}",
                    )
                    for i, v in enumerate(volunteers)
                ]
            )
    db.dispose()


def main(argv: list[str]) -> int:
    cases = [(10, 500)] if "--quick" in argv else [(10, 2000), (50, 2000)]
    print(
        f"{'sites':>6} {'per site':>9} {'people x2+':>11} {'site mean s':>12} "
        f"{'site max s':>11} {'all s':>7}"
    )
    for sites, per_site in cases:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
            upgrade(url)
            _fill(url, sites, per_site)
            db = open_database(url)
            with db.unit_of_work() as session:
                times = []
                for site in session.execute(select(Site).order_by(Site.code)).scalars():
                    started = time.perf_counter()
                    excluded_at(session, site)
                    times.append(time.perf_counter() - started)
                started = time.perf_counter()
                groups = deliberation_groups(session, 1)
                whole = time.perf_counter() - started
            db.dispose()
        print(
            f"{sites:>6} {per_site:>9} {len(groups):>11} {sum(times) / len(times):>12.3f} "
            f"{max(times):>11.3f} {whole:>7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
