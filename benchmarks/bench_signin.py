"""Signing in at the production scrypt cost: known and unknown logins, locks, one-time codes.

For each kind of attempt, prints the median and spread of ``usecases.check_password`` (and
``check_second_factor`` for a code) over ``--repeat`` attempts, and the scrypt calls per
attempt: a wrong password for a known login and any password for an unknown one should
cost the same; a locked login is refused without hashing. Failures are spread 20 minutes
apart (``now=``) so that none locks the login unless the row is about a lock.

Run from the repository root: ``.venv/bin/python benchmarks/bench_signin.py [--quick]``;
``--database-url URL`` uses that (empty) database instead of a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quotas.problems import KleroError  # noqa: E402

PASSWORD = "bench-password-long"
T0 = datetime(2026, 12, 1, 9, 0, 10, tzinfo=UTC)


def _measure(attempt: Callable[[int], object], repeat: int) -> tuple[float, float, float, float]:
    """Median and 10th/90th percentile seconds of ``attempt(i)``, and scrypt calls per attempt."""
    real = hashlib.scrypt
    calls = [0]

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls[0] += 1
        return real(*args, **kwargs)

    hashlib.scrypt = counting  # type: ignore[assignment]
    seconds = []
    try:
        for i in range(repeat):
            started = time.perf_counter()
            with contextlib.suppress(KleroError):  # the refusals are what is measured
                attempt(i)
            seconds.append(time.perf_counter() - started)
    finally:
        hashlib.scrypt = real  # type: ignore[assignment]
    deciles = statistics.quantiles(seconds, n=10) if len(seconds) > 1 else seconds * 9
    return statistics.median(seconds), deciles[0], deciles[-1], calls[0] / repeat


def run(url: str, repeat: int) -> None:
    import pyotp

    from recruitment import usecases as uc
    from recruitment.db import open_database, upgrade

    upgrade(url)
    db = open_database(url)
    try:
        admin = uc.bootstrap_admin(db, "admin", PASSWORD)
        uc.create_user(db, admin, "coordinator", PASSWORD, "coordinator")
        uc.create_user(db, admin, "locked", PASSWORD, "evaluator")
        setup = uc.enable_totp(db, uc.authenticate(db, "coordinator", PASSWORD, now=T0))
        totp = pyotp.TOTP(setup.secret)
        coordinator = uc.check_password(db, "coordinator", PASSWORD, now=T0)
        assert not isinstance(coordinator, uc.PasswordChecked)
        uc.confirm_totp(db, coordinator, totp.at(T0), now=T0)
        for _ in range(5):
            with contextlib.suppress(KleroError):
                uc.check_password(db, "locked", "wrong-password!", now=T0)

        def spaced(i: int) -> datetime:
            return T0 + timedelta(minutes=20 * (i + 1))

        def with_code(i: int) -> object:
            now = T0 + timedelta(minutes=1 + i)
            checked = uc.check_password(db, "coordinator", PASSWORD, now=now)
            assert isinstance(checked, uc.PasswordChecked)
            return uc.check_second_factor(db, checked, totp.at(now), now=now)

        # The locked row first: later rows' failures, spread into the future, purge old ones.
        rows = {
            "locked login, right password": lambda i: uc.check_password(
                db, "locked", PASSWORD, now=T0
            ),
            "known login, right password": lambda i: uc.check_password(db, "admin", PASSWORD),
            "known login, wrong password": lambda i: uc.check_password(
                db, "admin", "wrong-password!", now=spaced(i)
            ),
            "unknown login": lambda i: uc.check_password(
                db, "nobody", "wrong-password!", now=spaced(i)
            ),
            "password and one-time code": with_code,
        }
        print(f"{'attempt':<30} {'median s':>9} {'p10 s':>7} {'p90 s':>7} {'scrypt':>7}")
        for name, attempt in rows.items():
            median, low, high, calls = _measure(attempt, repeat)
            print(f"{name:<30} {median:>9.3f} {low:>7.3f} {high:>7.3f} {calls:>7.1f}")
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 attempts per row, not 20")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    repeat = args.repeat or (5 if args.quick else 20)
    with tempfile.TemporaryDirectory() as folder:
        if not os.environ.get("KLERO_SECRET_KEY"):
            from cryptography.fernet import Fernet

            os.environ["KLERO_SECRET_KEY"] = Fernet.generate_key().decode()
        url = args.database_url or f"sqlite:///{Path(folder) / 'signin.sqlite'}"
        print(f"scrypt n=2**15 r=8 p=1 (production cost); {repeat} attempts per row; {url}")
        run(url, repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
