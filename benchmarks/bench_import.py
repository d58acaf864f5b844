"""Importing a large volunteer pool into the service (SQLite and PostgreSQL).

Generates a synthetic French pool with personal details (``synthetic_data``), creates a
site with census quotas through the use cases and times ``usecases.import_frame``: the
first import (every column classified, the criteria checked against the quotas, every
row new: pseudonyms, encrypted personal data, duplicate checks, one audit event) and a
second import of the same rows (idempotent: nothing added). Prints one row per database and
size, with the time of a LEXIMIN selection (200 seats, 10 alternates, census quotas of
+-5 points on six features) from the imported pool. PostgreSQL is the local test
server (``KLERO_TEST_PG``, default ``postgresql+psycopg://postgres@127.0.0.1:5432``); a
fresh database is created and dropped. Run from the repository root:
``.venv/bin/python benchmarks/bench_import.py [--quick] [--sizes 10000,100000]``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_SERVER = os.environ.get("KLERO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PASSWORD = "bench-password"
QUOTA_FEATURES = ("gender", "age", "education", "urban_rural", "region", "literacy")


def _time_import(url: str, size: int) -> tuple[float, float, int, float]:
    """Seconds of the first and the repeated import of ``size`` volunteers, rows added, and
    seconds of a LEXIMIN selection of 200 seats with 10 alternates from that pool."""
    from cryptography.fernet import Fernet

    from recruitment import usecases as uc
    from recruitment.db import open_database, upgrade
    from recruitment.security import set_password_cost
    from sampling import SelectionSettings
    from synthetic_data import generate_pool, margins_dict, margins_object

    os.environ.setdefault("KLERO_SECRET_KEY", Fernet.generate_key().decode())
    set_password_cost(2**4)
    frame = generate_pool("FR", size, seed=1)
    upgrade(url)
    db = open_database(url)
    try:
        admin = uc.bootstrap_admin(db, "admin", PASSWORD)
        uc.create_organisation(db, admin, "Partner FR")
        uc.create_deliberation(db, admin, "Import benchmark")
        uc.create_country(db, admin, "Import benchmark", "FR", "France")
        uc.create_site(
            db,
            admin,
            uc.NewSite(
                "Import benchmark", "FR", "FR-online", "Online", 200, "Partner FR", place="Online"
            ),
        )
        census = margins_dict("FR")
        margins = margins_object({f: census[f] for f in QUOTA_FEATURES})
        uc.set_quotas_from_margins(db, admin, "FR-online", margins, tolerance_points=5)
        start = time.perf_counter()
        report = uc.import_frame(db, admin, "FR-online", frame, address_columns=["household"])
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = uc.import_frame(db, admin, "FR-online", frame, address_columns=["household"])
        second = time.perf_counter() - start
        assert not again.added, "a repeated import added rows"
        start = time.perf_counter()
        uc.run_selection(db, admin, "FR-online", SelectionSettings(seed=1, alternates=10))
        selection = time.perf_counter() - start
        return first, second, len(report.added), selection
    finally:
        db.dispose()


def _postgres_url() -> tuple[str, str] | None:
    from sqlalchemy import create_engine, text

    name = f"klero_bench_{secrets.token_hex(4)}"
    try:
        engine = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception as error:  # no server here: the SQLite rows still print
        print(f"PostgreSQL skipped: {str(error).splitlines()[0]}")
        return None
    return f"{PG_SERVER}/{name}", name


def _drop(name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 volunteers only")
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated pool sizes")
    args = parser.parse_args(argv)
    sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    head = f"{'database':<12}{'volunteers':>12}{'import s':>12}{'rows/s':>10}{'again s':>10}"
    print(f"{head}{'select s':>10}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
            first, second, added, chosen = _time_import(url, size)
        line = f"{'SQLite':<12}{added:>12,}{first:>12.1f}{added / first:>10,.0f}"
        print(f"{line}{second:>10.1f}{chosen:>10.1f}")
        made = _postgres_url()
        if made is not None:
            url, name = made
            try:
                first, second, added, chosen = _time_import(url, size)
            finally:
                _drop(name)
            line = f"{'PostgreSQL':<12}{added:>12,}{first:>12.1f}{added / first:>10,.0f}"
            print(f"{line}{second:>10.1f}{chosen:>10.1f}")


if __name__ == "__main__":
    main()
