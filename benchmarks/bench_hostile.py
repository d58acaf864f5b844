"""How long ``klero check`` takes, and how much memory, on hostile and large input files.

Writes the generated cases of the hostile corpus (tests/hostile_corpus.py) and an ordinary
20,000-person workbook, then runs a fresh ``klero check`` process on each and prints its
wall time and peak memory (the child's maximum resident set size, from ``os.wait4``).
Refusals should take about as long as Python's start-up; ``--quick`` skips the
five-million-cell workbook; ``--limit=SECONDS`` (default 600) stops a run that hangs.
With PYTHONPATH set to another checkout, it measures that checkout's code (before/after).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import hostile_corpus  # noqa: E402


def measure(args: list[str], limit: float) -> tuple[str, float, float]:
    """Exit code, wall seconds and peak memory (MB) of one fresh process, stopped at ``limit``."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        seconds = time.perf_counter() - started
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return str(child.returncode), seconds, usage.ru_maxrss / 1024
        if seconds > limit:
            child.kill()
            _, _, usage = os.wait4(child.pid, 0)
            return "killed", seconds, usage.ru_maxrss / 1024
        time.sleep(0.02)


def ordinary_workbook(path: Path, people: int = 20_000) -> Path:
    """A plain pool workbook, as a partner's spreadsheet program would save it."""
    import pandas as pd

    rows = list(hostile_corpus.pool_rows(people))
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(path, index=False)
    return path


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    limit = float(next((a.split("=")[1] for a in argv if a.startswith("--limit=")), "600"))
    # The CLI as a module, so that PYTHONPATH may point at another checkout (before/after).
    klero = [sys.executable, "-m", "klero"]
    names = [n for n in hostile_corpus.BIG if not (quick and n == "many_cells.xlsx")]
    with tempfile.TemporaryDirectory() as folder:
        files = hostile_corpus.write_all(Path(folder), names)
        files["pool_20000.xlsx"] = ordinary_workbook(Path(folder) / "pool_20000.xlsx")
        print("klero check on hostile and large files (one fresh process each)")
        print(f"{'file':<24}{'size':>14}{'exit':>8}{'seconds':>10}{'peak MB':>10}")
        for name, path in files.items():
            args = [*klero, "check", "--pool", str(path), "--quotas", str(hostile_corpus.QUOTAS)]
            code, seconds, peak = measure([*args, "--size", "4"], limit)
            size = path.stat().st_size
            print(f"{name:<24}{size:>14,}{code:>8}{seconds:>10.2f}{peak:>10.0f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
