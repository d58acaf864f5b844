"""How fast ``klero check`` answers on a 2,000-person pool (target: under a second).

Prints the in-process time of the whole command (read both files, validate, exact
feasibility, pool table) and the wall time of a fresh ``klero`` process, which adds
Python's start-up and imports.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from klero.app import main as klero
from quotas.formats import write_quotas
from synthetic_data.instances import benchmark_instance


def _time_in_process(args: list[str], repeats: int = 5) -> tuple[float, int]:
    times, code = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = klero(args)
        times.append(time.perf_counter() - started)
    return statistics.median(times), code


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for family in ("small", "two_features", "tight"):
            pool, _margins, quotas, size = benchmark_instance(family, seed=1)
            pool_path, quota_path = Path(tmp) / f"{family}_pool.csv", Path(tmp) / f"{family}_q.csv"
            pool.to_csv(pool_path, index=False)
            write_quotas(quotas, quota_path)
            args = [
                "check",
                "--pool",
                str(pool_path),
                "--quotas",
                str(quota_path),
                "--size",
                str(size),
                "--address-columns",
                "household",
            ]
            seconds, code = _time_in_process(args)
            started = time.perf_counter()
            klero_bin = Path(sys.executable).parent / "klero"
            subprocess.run([str(klero_bin), *args], capture_output=True, check=False)
            wall = time.perf_counter() - started
            rows.append((family, len(pool), size, len(quotas.features), code, seconds, wall))
    print("klero check (median of 5 in-process runs; one fresh process)")
    print(
        f"{'instance':<14}{'pool':>8}{'panel':>7}{'features':>10}{'exit':>6}"
        f"{'in-process s':>14}{'process s':>11}   target"
    )
    for family, n, k, f, code, seconds, wall in rows:
        print(f"{family:<14}{n:>8,}{k:>7}{f:>10}{code:>6}{seconds:>14.3f}{wall:>11.2f}   < 1 s")


if __name__ == "__main__":
    main()
