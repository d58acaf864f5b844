"""Our MAXIMIN and LEXIMIN next to the Sortition Foundation's MAXIMIN (HiGHS), same instances.

Run from the repo root: ``.venv/bin/python benchmarks/bench_reference.py [--quick]
[--reference-timeout=900] [--households] [--seed=1] [--no-reference]``.

The reference, the GPL package ``sortition-algorithms`` 0.12, is never a dependency
of ours: it lives in its own venv, ``.venv-bench-reference/`` at the repo root, which
this script creates on first use (``python3 -m venv`` and ``pip install
'sortition-algorithms==0.12.*'``). It runs in a separate process,
``benchmarks/reference_runner.py``, that reads the CSV files written here (quotas in
the Sortition Foundation layout, the pool with an ``id`` column) and prints its
figures as JSON. If the package cannot be installed, a line says so and our figures
are still printed; the exit status is 0 either way.

Times are the selection computation alone on both sides: ``select_distribution``
here, ``find_distribution_maximin`` (plus its clean-up of negligible committees)
there; reading files and building the pool are left out of both. The reference gets
``--reference-timeout`` seconds per instance (default 900; its MAXIMIN is known to
take ~700 s on the 2,000/150 instance); ``--quick`` skips the reference on that one.

Households: by default neither side applies the one-person-per-household rule (the
pools have ~5-8 % shared addresses), because that rule costs our engine its
type-level symmetry and the comparison is of the core algorithms. ``--households``
applies the same rule on both sides: the ``household`` column is our address column
and the reference's ``check_same_address_columns``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quotas.formats import write_quotas
from quotas.model import QuotaTable
from quotas.pool import Pool
from quotas.pool_files import pool_from_frame
from sampling.engine.select import select_distribution
from synthetic_data.instances import InstanceParams, benchmark_instance, scaled

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_VENV = ROOT / ".venv-bench-reference"
RUNNER = Path(__file__).resolve().parent / "reference_runner.py"
REQUIREMENT = "sortition-algorithms==0.12.*"


@dataclass(frozen=True)
class Case:
    """One benchmark instance; ``heavy`` ones skip the reference under ``--quick``."""

    label: str
    spec: str | InstanceParams
    heavy: bool = False


CASES: tuple[Case, ...] = (
    Case("small@500/75", scaled("small", 500, 75)),
    Case("two_features", "two_features"),
    Case("small", "small", heavy=True),
)


@dataclass
class Figures:
    """One side's result on one instance: seconds and minimum probability, or why not."""

    seconds: float | None = None
    min_pi: float | None = None
    note: str = ""

    def time_cell(self) -> str:
        """The seconds, or a short reason (``> 900`` on a timeout, ``error``, ``skipped``)."""
        if self.seconds is None:
            return self.note or "n/a"
        return f"{self.seconds:.2f}" if self.seconds < 10 else f"{self.seconds:.1f}"

    def pi_cell(self) -> str:
        """The minimum probability in percent, or ``-``."""
        return f"{100 * self.min_pi:.3f}%" if self.min_pi is not None else "-"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Our flags; flags meant for other benchmarks (run_all passes all of them) are ignored."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the reference on 2,000/150")
    parser.add_argument("--reference-timeout", type=float, default=900.0, metavar="SECONDS")
    parser.add_argument("--install-timeout", type=float, default=900.0, metavar="SECONDS")
    parser.add_argument("--households", action="store_true", help="one per household, both sides")
    parser.add_argument("--seed", type=int, default=1, help="instance seed")
    parser.add_argument("--no-reference", action="store_true", help="only our side")
    args, _unknown = parser.parse_known_args(argv)
    return args


def _run(command: list[str], timeout: float) -> tuple[bool, str]:
    """Run a command; (succeeded, the last line of its output: the version, or the error)."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    ok = done.returncode == 0
    # On success the answer is on stdout; on failure the reason ends stderr (or stdout).
    lines = (done.stdout if ok else done.stdout + "\n" + done.stderr).strip().splitlines()
    return ok, lines[-1].strip() if lines else f"exit {done.returncode}"


def reference_python(install_timeout: float) -> tuple[Path | None, str]:
    """The reference venv's python (creating the venv if needed) and a status line."""
    python = REFERENCE_VENV / "bin" / "python"
    probe = [
        str(python),
        "-c",
        "import importlib.metadata as m; "
        "import sortition_algorithms; print(m.version('sortition-algorithms'))",
    ]
    if python.exists():
        ok, out = _run(probe, 120)
        if ok:
            return (
                python,
                f"reference: sortition-algorithms {out.strip()} in {REFERENCE_VENV.name}/",
            )
    else:
        base = shutil.which("python3") or sys.executable
        print(f"creating {REFERENCE_VENV.name}/ for the reference ...", flush=True)
        ok, out = _run([base, "-m", "venv", str(REFERENCE_VENV)], install_timeout)
        if not ok:
            return None, f"reference could not be installed (python3 -m venv failed: {out})"
    print(f"installing {REQUIREMENT} into {REFERENCE_VENV.name}/ ...", flush=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    ok, out = _run([*pip, REQUIREMENT], install_timeout)
    if not ok:
        return None, f"reference could not be installed (pip install {REQUIREMENT} failed: {out})"
    ok, out = _run(probe, 120)
    if not ok:
        return None, f"reference could not be installed (import failed after install: {out})"
    return python, f"reference: sortition-algorithms {out.strip()} in {REFERENCE_VENV.name}/"


def run_reference(
    python: Path, folder: Path, size: int, households: bool, timeout: float
) -> tuple[Figures, dict[str, Any]]:
    """Run reference_runner.py on the CSV files in ``folder``; its figures and raw JSON."""
    command = [
        str(python),
        str(RUNNER),
        "--features",
        str(folder / "quotas.csv"),
        "--people",
        str(folder / "pool.csv"),
        "--size",
        str(size),
        "--backend",
        "highspy",
    ]
    if households:
        command += ["--address-columns", "household"]
    try:
        # cwd is the temporary folder so the runner cannot import our packages by accident.
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False, cwd=folder
        )
    except subprocess.TimeoutExpired:
        return Figures(note=f"> {timeout:.0f}"), {"error": f"timed out after {timeout:.0f} s"}
    except OSError as exc:
        return Figures(note="error"), {"error": f"could not start: {exc}"}
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        result = {}
    if not isinstance(result, dict) or "seconds" not in result:
        error = result.get("error") if isinstance(result, dict) else None
        stderr_tail = " | ".join(done.stderr.strip().splitlines()[-2:])
        return Figures(note="error"), {"error": error or stderr_tail or f"exit {done.returncode}"}
    return Figures(float(result["seconds"]), float(result["min"])), result


def run_ours(
    pool: Pool, quotas: QuotaTable, size: int, algorithm: Literal["maximin", "leximin"]
) -> tuple[Figures, str]:
    """Time one of our algorithms; its figures and a detail note."""
    started = time.perf_counter()
    try:
        dist = select_distribution(pool, quotas, size, algorithm=algorithm)
    except Exception as exc:  # a failure is reported in the table, not raised
        return Figures(note="error"), f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    f = dist.figures
    detail = f"{f.iterations} iterations, {f.panels} panels, gap {f.gap:.1e}"
    return Figures(seconds, float(dist.fairness()["min"])), detail


COLUMNS = (
    ("instance", 14),
    ("pool", 7),
    ("panel", 6),
    ("feat", 5),
    ("ours maximin s", 15),
    ("ours leximin s", 15),
    ("ref maximin s", 14),
    ("ours min π", 11),
    ("ref min π", 11),
)


def _row(cells: list[str]) -> str:
    first = f"{cells[0]:<{COLUMNS[0][1]}}"
    return first + "".join(f"{c:>{w}}" for c, (_, w) in zip(cells[1:], COLUMNS[1:], strict=True))


def main() -> None:
    """Print one row per instance (as it finishes), then the details and notes."""
    args = parse_args(sys.argv[1:])
    python: Path | None = None
    if args.no_reference:
        print("reference: not run (--no-reference)")
    else:
        python, status = reference_python(args.install_timeout)
        print(status)
    rule = "one per household on both sides" if args.households else "no household rule"
    print(f"seed {args.seed}, {rule}, reference timeout {args.reference_timeout:.0f} s\n")
    print(_row([name for name, _ in COLUMNS]))
    notes: list[str] = []
    for case in CASES:
        frame, _, quotas, size = benchmark_instance(case.spec, seed=args.seed)
        address = ["household"] if args.households else []
        pool = pool_from_frame(frame, quotas, id_column="id", address_columns=address)
        built = pool.raise_for_errors()
        ours_max, max_detail = run_ours(built, quotas, size, "maximin")
        ours_lex, lex_detail = run_ours(built, quotas, size, "leximin")
        notes.append(f"{case.label}: ours maximin {max_detail}; leximin {lex_detail}")
        if ours_lex.min_pi is not None and ours_max.min_pi is not None:
            notes[-1] += f"; leximin min π {100 * ours_lex.min_pi:.3f}%"
        ref = Figures(note="n/a")
        if python is not None and case.heavy and args.quick:
            ref = Figures(note="skipped")
            notes.append(f"{case.label}: reference skipped (--quick)")
        elif python is not None:
            with tempfile.TemporaryDirectory(prefix="klero-bench-ref-") as tmp:
                folder = Path(tmp)
                write_quotas(
                    quotas, folder / "quotas.csv", format="sortition-foundation", size=size
                )
                frame.to_csv(folder / "pool.csv", index=False)
                ref, raw = run_reference(
                    python, folder, size, args.households, args.reference_timeout
                )
            if "error" in raw:
                notes.append(f"{case.label}: reference {raw['error']}")
            else:
                notes.append(
                    f"{case.label}: reference {raw['panels']} committees, "
                    f"sum π {float(raw['sum']):.4f}, {raw['zero']} people at 0, "
                    f"reading the files {float(raw['load_seconds']):.1f} s (not counted)"
                )
        features = str(len(quotas.features))
        cells = [
            case.label,
            f"{len(frame):,}",
            str(size),
            features,
            ours_max.time_cell(),
            ours_lex.time_cell(),
            ref.time_cell(),
            ours_max.pi_cell(),
            ref.pi_cell(),
        ]
        print(_row(cells), flush=True)
    print()
    for note in notes:
        print(f"  {note}")


if __name__ == "__main__":
    main()
