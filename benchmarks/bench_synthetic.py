"""Time and memory of synthetic pool generation, with and without personal details.

Run from the repo root: ``.venv/bin/python benchmarks/bench_synthetic.py``.
Targets (issue 4): 100,000 volunteers with personal details in under 30 s and 1 GB;
demographic features only in under 2 s. Time is measured without tracing; the peak
of Python/numpy allocations is measured in a second, traced run (tracemalloc slows
Python code down, so its time is not reported). Max RSS is the whole process's.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synthetic_data import generate_pool
from synthetic_data.instances import FAMILIES, benchmark_instance

CASES: tuple[tuple[str, int, bool], ...] = (
    ("FR", 100_000, False),
    ("IN", 100_000, False),
    ("FR", 100_000, True),
    ("JP", 100_000, True),
    ("EG", 100_000, True),
    ("KE", 10_000, True),
)
TARGETS = {False: 2.0, True: 30.0}


def _seconds(country: str, size: int, pii: bool) -> float:
    start = time.perf_counter()
    generate_pool(country, size, seed=1, pii=pii)
    return time.perf_counter() - start


def _peak_mb(country: str, size: int, pii: bool) -> float:
    tracemalloc.start()
    generate_pool(country, size, seed=1, pii=pii)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    """Print one row per case and one per benchmark instance family."""
    generate_pool("XX", 10, seed=0)  # warm up imports and Faker's locale loading
    print("synthetic pools (generate_pool, seed 1)")
    print(f"{'country':<8}{'volunteers':>11}{'pii':>5}{'seconds':>9}{'target':>8}{'peak MB':>9}")
    for country, size, pii in CASES:
        seconds = _seconds(country, size, pii)
        peak = _peak_mb(country, size, pii)
        target = f"<{TARGETS[pii]:.0f}s"
        flag = "yes" if pii else "no"
        print(f"{country:<8}{size:>11,}{flag:>5}{seconds:>9.2f}{target:>8}{peak:>9.0f}")
    print()
    print("benchmark instance families (benchmark_instance, seed 1)")
    print(f"{'family':<14}{'pool':>9}{'panel':>7}{'features':>9}{'tol pts':>8}{'seconds':>9}")
    for name, params in FAMILIES.items():
        start = time.perf_counter()
        benchmark_instance(name, seed=1)
        seconds = time.perf_counter() - start
        print(
            f"{name:<14}{params.pool_size:>9,}{params.panel_size:>7,}{len(params.features):>9}"
            f"{params.tolerance_points:>8.1f}{seconds:>9.2f}"
        )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmax RSS of this process: {rss_mb:.0f} MB (target < 1024 MB)")


if __name__ == "__main__":
    main()
