"""Run every benchmark script (benchmarks/bench_*.py) in turn; each prints its own table.

Usage: python benchmarks/run_all.py [--quick] [NAME ...]   (NAME: e.g. selection, lottery)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    flags = [a for a in argv if a.startswith("--")]
    names = [a for a in argv if not a.startswith("--")]
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    failures = 0
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script), *flags], cwd=HERE.parent)
        print(f"({script.name}: exit {code}, {time.perf_counter() - started:.1f} s)", flush=True)
        failures += code != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
