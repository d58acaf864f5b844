"""Invitations by mail merge for a large online panel: the export's time and its SQL.

Builds, through the use cases, one online site (panel of 2,000; ``--quick``: 200;
``--panel N``) with a synthetic French pool three times that size, contact details
included, quotas from the census margins, the panel drawn with the legacy method from
5 samples (the export reads panels, not how they were drawn) and 5 % alternates. Then
prints, for the site's partner, the median over five calls of ``prepare_invitations``
(wall and CPU seconds, SQL statements, rows per second) and of writing the rows as CSV
and as XLSX (``quotas.exports.table_bytes``).

Run from the repository root: ``.venv/bin/python benchmarks/bench_invitations.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password"
SITE = "FR-online"
QUOTA_FEATURES = ("gender", "age", "education", "urban_rural")


def _build(url: str, panel: int) -> float:
    """Create the site, its pool and its panel; return the seconds taken."""
    from recruitment import usecases as uc
    from recruitment.db import open_database, upgrade
    from recruitment.demo import add_synthetic_site
    from sampling import Algorithm, SelectionSettings
    from synthetic_data import generate_pool, margins_dict, margins_object

    clock = time.perf_counter()
    upgrade(url)
    db = open_database(url)
    try:
        admin = uc.bootstrap_admin(db, "admin", PASSWORD)
        uc.create_organisation(db, admin, "Partner")
        uc.create_user(db, admin, "partner", PASSWORD, "partner", "Partner")
        partner = uc.authenticate(db, "partner", PASSWORD)
        uc.create_deliberation(db, admin, "Invitations benchmark")
        uc.create_country(db, admin, "Invitations benchmark", "FR", "France")
        census = margins_dict("FR")
        site = uc.NewSite(
            "Invitations benchmark", "FR", SITE, "Online", panel, "Partner", kind="online"
        )
        margins = margins_object({f: census[f] for f in QUOTA_FEATURES})
        pool = generate_pool("FR", 3 * panel, 7, pii=True)
        add_synthetic_site(
            db,
            admin,
            partner,
            site,
            margins,
            pool,
            address_columns=["household"],
            feature_columns=list(QUOTA_FEATURES),
        )
        settings = SelectionSettings(
            algorithm=Algorithm.LEGACY,
            seed=1,
            algorithm_settings={"samples": 5},
            alternates=max(panel // 20, 1),
        )
        uc.run_selection(db, partner, SITE, settings)
        uc.set_meeting(db, partner, SITE, date(2027, 3, 14), "18:00", "https://meet.example/xyz")
        return time.perf_counter() - clock
    finally:
        db.dispose()


def _timed(call: Callable[[], Any], engine: Any, repeat: int = 5) -> tuple[float, float, int, Any]:
    """Median wall and CPU seconds over ``repeat`` calls, SQL statements of one call, result."""
    from sqlalchemy import event

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    walls, cpus, result = [], [], None
    for attempt in range(repeat):
        if attempt == 0:
            event.listen(engine, "before_cursor_execute", count)
        clock, cpu = time.perf_counter(), time.process_time()
        result = call()
        walls.append(time.perf_counter() - clock)
        cpus.append(time.process_time() - cpu)
        if attempt == 0:
            event.remove(engine, "before_cursor_execute", count)
    return statistics.median(walls), statistics.median(cpus), len(statements), result


def main() -> None:
    """Build the site, then print the export's and the files' times."""
    from cryptography.fernet import Fernet

    from quotas.exports import table_bytes
    from recruitment import usecases as uc
    from recruitment.security import set_password_cost

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--panel", type=int, default=None)
    args = parser.parse_args()
    panel = args.panel or (200 if args.quick else 2000)
    folder = Path(tempfile.mkdtemp(prefix="klero-bench-invitations-"))
    os.environ["KLERO_SECRET_KEY"] = Fernet.generate_key().decode()
    os.environ["KLERO_HOME"] = str(folder)
    set_password_cost(2**4)  # the sign-in KDF is not what this measures
    url = f"sqlite:///{folder / 'invitations.sqlite'}"
    print(f"panel of {panel} (pool {3 * panel}) built in {_build(url, panel):.1f} s")
    db = uc.start(url)
    try:
        partner = uc.authenticate(db, "partner", PASSWORD)
        export = uc.prepare_invitations(db, partner, SITE, kind="invitation")
        print(f"{'step':<34} {'rows':>6} {'median s':>9} {'CPU s':>7} {'SQL':>5} {'rows/s':>8}")
        for name, call in (
            (
                "prepare_invitations",
                lambda: uc.prepare_invitations(db, partner, SITE, kind="invitation"),
            ),
            ("CSV bytes", lambda: table_bytes(export.frame, "csv")),
            ("XLSX bytes", lambda: table_bytes(export.frame, "xlsx")),
        ):
            wall, cpu, statements, _ = _timed(call, db.engine)
            rows = len(export.frame)
            print(
                f"{name:<34} {rows:>6} {wall:>9.3f} {cpu:>7.3f} {statements:>5} {rows / wall:>8.0f}"
            )
    finally:
        db.dispose()


if __name__ == "__main__":
    main()
