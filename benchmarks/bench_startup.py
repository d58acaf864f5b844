"""What a fresh ``klero`` process loads before it works: import time, modules, heavy libraries.

Runs each command in a new interpreter under ``python -X importtime`` and prints the
median time spent importing (the sum of the top-level imports), the median wall time of
the same command without ``-X importtime``, how many modules it loaded and which of the
database, encryption, web and synthetic-data libraries among them. File commands should
load none of them; a service command (``db upgrade``) loads the database stack.
Run from the repository root: ``.venv/bin/python benchmarks/bench_startup.py [--quick]``.
Commands run in the current folder, so an older checkout (before ``klero/``) is measured
from its root with ``PYTHONPATH=. python .../bench_startup.py --module recruitment.cli``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HEAVY = ("alembic", "cryptography", "faker", "psycopg", "sqlalchemy", "streamlit")
EXAMPLE = [
    *("--pool", "recruitment/data/example_pool.csv"),
    *("--quotas", "recruitment/data/example_quotas.csv"),
    *("--size", "30", "--address-columns", "address,postcode"),
]
IMPORT_LINE = re.compile(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)")


def _run(module: str, args: list[str], importtime: bool) -> tuple[float, str]:
    flags = ["-X", "importtime"] if importtime else []
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-m", module, *args], capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{module} {' '.join(args)}: exit {done.returncode}\n{done.stderr[-800:]}")
    return seconds, done.stderr


def _imports(stderr: str) -> tuple[float, list[str]]:
    """Seconds of the top-level imports, and every module imported (from -X importtime)."""
    total, modules = 0, []
    for cumulative, indent, name in IMPORT_LINE.findall(stderr):
        modules.append(name)
        if len(indent) == 1:
            total += int(cumulative)
    return total / 1e6, modules


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="One run per command.")
    parser.add_argument("--module", default="klero", help="Entry module (python -m MODULE).")
    options = parser.parse_args(argv)
    rounds = 1 if options.quick else 5
    folder = Path(tempfile.mkdtemp(prefix="klero-bench-startup-"))
    published = folder / "published"
    _run(options.module, ["select", *EXAMPLE, "--seed", "2026", "--out-dir", str(published)], False)
    fresh = iter(range(10**6))
    commands: dict[str, Callable[[], list[str]]] = {
        "--help": lambda: ["--help"],
        "check --help": lambda: ["check", "--help"],
        "check (example)": lambda: ["check", *EXAMPLE],
        "select (example)": lambda: [
            *("select", *EXAMPLE, "--seed", "2026"),
            *("--out-dir", str(folder / f"out{next(fresh)}")),
        ],
        "verify": lambda: ["verify", "--out-dir", str(published)],
        "db upgrade": lambda: [
            *("db", "upgrade", "--database-url"),
            f"sqlite:///{folder / f'klero{next(fresh)}.db'}",
        ],
    }
    print(f"A fresh `python -m {options.module}` process per command (median of {rounds})")
    print(f"{'command':<18}{'imports s':>10}{'wall s':>8}{'modules':>9}  heavy libraries loaded")
    for name, make in commands.items():
        imported, walls, modules = [], [], []
        for _ in range(rounds):
            seconds, modules = _imports(_run(options.module, make(), True)[1])
            imported.append(seconds)
            walls.append(_run(options.module, make(), False)[0])
        heavy = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
        print(
            f"{name:<18}{statistics.median(imported):>10.2f}{statistics.median(walls):>8.2f}"
            f"{len(modules):>9}  {', '.join(heavy) or '-'}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
