"""Benchmark the fair selection engine (LEXIMIN, MAXIMIN, NASH) on reproducible synthetic instances.

Usage: python benchmarks/bench_selection.py [--quick] [--timeout SECONDS] [--algorithms a,b]
       [--families a,b] [--no-head-start] [--cli]

Each (instance, algorithm) runs in its own process so that peak memory is its own and a
run over the time limit can be stopped. Instances come from ``synthetic_data``'s
benchmark families (self-selected pools, census quotas of +-5 points). ``--quick``
skips the 100,000-person instances (``online``: Testland's 5 regions; ``online_de``:
Germany's 16, many more types). ``--families a,b`` runs only those families.
``--no-head-start`` skips the relaxation's walk, so that every level is raised, certified
and fixed by the column generation (its master and pricing). Seconds are wall time; the
CPU seconds beside them are the engine's own, steadier on a loaded machine.

``--cli`` times the whole ``klero select`` process instead (LEXIMIN, seed 1) on each
family's files, written once to a temporary folder: wall and CPU seconds and peak memory
of the process, and its phases from report.json (the engine, the rounding, the rest of
the pipeline) and the rest of the process (reading, checking, hashing and writing files,
imports). Issue 14's goal on the 100,000-person pools: 15 s wall, under 2,048 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# (family, seed, algorithms, target seconds for LEXIMIN, in --quick?)
INSTANCES = [
    ("two_features", 1, ("leximin", "maximin", "nash"), 5.0, True),
    ("small", 1, ("leximin", "maximin", "nash"), 60.0, True),
    ("online", 1, ("leximin", "nash"), 300.0, False),
    ("online_de", 1, ("leximin",), 300.0, False),
]


def run_one(family: str, seed: int, algorithm: str, head_start: bool = True) -> dict[str, object]:
    """Build one instance, run one algorithm, return its figures (called in a child process)."""
    from quotas.pool import Pool
    from sampling.engine.select import select_distribution
    from sampling.names import Algorithm
    from synthetic_data.instances import benchmark_instance

    frame, _margins, quotas, size = benchmark_instance(family, seed=seed)
    pool = Pool.build(frame["id"], frame[list(quotas.features)], quotas, frame["household"])
    settings = {} if head_start else {"head_start": False}
    start, cpu = time.perf_counter(), time.process_time()
    dist = select_distribution(
        pool, quotas, size, algorithm=Algorithm.parse(algorithm), seed=seed, **settings
    )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    fair = dist.fairness()
    extra = dist.figures.extra
    return {
        "family": family,
        "pool": len(pool),
        "size": size,
        "features": len(quotas.features),
        "types": int(pool.type_counts.size),
        "algorithm": algorithm,
        "seconds": seconds,
        "cpu": cpu,
        "iterations": dist.figures.iterations,
        "panels": dist.figures.panels,
        "levels": extra.get("levels", ""),
        "min": fair["min"],
        "equal": fair["equal"],
        "gap": dist.figures.gap,
        "start_s": extra.get("head_start_seconds", 0.0),
        "relax_s": extra.get("relaxation_seconds", 0.0),
        "walk_ips": extra.get("head_start_solves", 0),
        "cert": "relax" if extra.get("relaxation_certificate") else "pricing",
        "pricing_s": extra.get("pricing_seconds", 0.0),
        "master_s": extra.get("master_seconds", 0.0),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(
    family: str, seed: int, algorithm: str, timeout: float, head_start: bool = True
) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--one", family, str(seed), algorithm]
    cmd += [] if head_start else ["--no-head-start"]
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"family": family, "algorithm": algorithm, "error": f"over {timeout:.0f} s"}
    if done.returncode != 0:
        return {"family": family, "algorithm": algorithm, "error": done.stderr.strip()[-200:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_cli(family: str, seed: int) -> dict[str, object]:
    """Write one instance's files, run ``klero select`` on them, time it (see the docstring)."""
    from quotas.formats import write_quotas
    from synthetic_data.instances import benchmark_instance

    frame, _margins, quotas, size = benchmark_instance(family, seed=seed)
    with tempfile.TemporaryDirectory() as folder:
        pool_file, quotas_file, out = (Path(folder) / n for n in ("pool.csv", "q.csv", "out"))
        frame.to_csv(pool_file, index=False)
        write_quotas(quotas, quotas_file)
        klero = Path(sys.executable).with_name("klero")
        args = ["select", "--pool", str(pool_file), "--quotas", str(quotas_file)]
        args += ["--size", str(size), "--out-dir", str(out), "--seed", "1"]
        args += ["--address-columns", "household"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        child = subprocess.Popen([str(klero), *args], env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        if status != 0:
            return {"family": family, "error": f"exit status {status}"}
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    selection = float(report["runtime_seconds"])
    engine, rounding = float(report["solver"]["seconds"]), float(report["rounding"]["seconds"])
    return {
        "family": family,
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "engine": engine,
        "rounding": rounding,
        "pipeline_rest": selection - engine - rounding,
        "process_rest": wall - selection,
    }


def _cli_table(rows: list[dict[str, object]]) -> str:
    head = ("instance", "wall s", "cpu s", "peak MB", "engine s", "rounding s", "pipeline s")
    lines = [" ".join(f"{h:>11}" if i else f"{h:<13}" for i, h in enumerate([*head, "files s"]))]
    for r in rows:
        if "error" in r:
            lines.append(f"{r['family']:<13}  FAILED: {r['error']}")
            continue
        keys = ("wall", "cpu", "peak_mb", "engine", "rounding", "pipeline_rest", "process_rest")
        cells = [f"{float(str(r[k])):>11.{0 if k == 'peak_mb' else 1}f}" for k in keys]
        lines.append(" ".join([f"{r['family']:<13}", *cells]))
    return "\n".join(lines)


def _table(rows: list[dict[str, object]]) -> str:
    head = (
        "instance",
        "pool",
        "k",
        "feat",
        "types",
        "algorithm",
        "seconds",
        "cpu s",
        "iter",
        "panels",
        "levels",
        "min p",
        "k/n",
        "gap",
        "start s",
        "relax s",
        "walk IPs",
        "certified by",
        "pricing s",
        "master s",
        "peak MB",
    )
    lines = [" ".join(f"{h:>12}" if i else f"{h:<13}" for i, h in enumerate(head))]
    for r in rows:
        if "error" in r:
            lines.append(f"{r['family']:<13} {r['algorithm']:>12}  FAILED: {r['error']}")
            continue
        cells = [
            f"{r['family']:<13}",
            f"{r['pool']:>12,}",
            f"{r['size']:>12}",
            f"{r['features']:>12}",
            f"{r['types']:>12,}",
            f"{r['algorithm']:>12}",
            f"{r['seconds']:>12.2f}",
            f"{r['cpu']:>12.2f}",
            f"{r['iterations']:>12}",
            f"{r['panels']:>12}",
            f"{r['levels']!s:>12}",
            f"{r['min']:>12.5f}",
            f"{r['equal']:>12.5f}",
            f"{r['gap']:>12.1e}",
            f"{r['start_s']:>12.1f}",
            f"{r['relax_s']:>12.1f}",
            f"{r['walk_ips']:>12}",
            f"{r['cert']:>12}",
            f"{r['pricing_s']:>12.1f}",
            f"{r['master_s']:>12.1f}",
            f"{r['peak_mb']:>12.0f}",
        ]
        lines.append(" ".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the instances and print one table (targets are printed beside it, not asserted)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-person pool")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument("--algorithms", default="", help="comma-separated subset to run")
    parser.add_argument("--families", default="", help="comma-separated families to run")
    parser.add_argument("--one", nargs=3, metavar=("FAMILY", "SEED", "ALGORITHM"))
    parser.add_argument("--cli", action="store_true", help="time the whole klero select")
    parser.add_argument(
        "--no-head-start", action="store_true", help="column generation from the first level"
    )
    args = parser.parse_args(argv)
    if args.one:
        family, seed, algorithm = args.one
        print(json.dumps(run_one(family, int(seed), algorithm, not args.no_head_start)))
        return
    wanted = set(filter(None, args.algorithms.split(",")))
    families = set(filter(None, args.families.split(",")))
    if args.cli:
        chosen = [(f, s) for f, s, _, _, quick in INSTANCES if (f in families or not quick)]
        rows = [run_cli(f, s) for f, s in chosen if not families or f in families]
        print(_cli_table(rows))
        print(f"\n{date.today().isoformat()}, load {os.getloadavg()[0]:.1f} (2 cores shared)")
        return
    rows = []
    for family, seed, algorithms, target, quick in INSTANCES:
        if (args.quick and not quick) or (families and family not in families):
            continue
        for algorithm in algorithms:
            if wanted and algorithm not in wanted:
                continue
            row = _child(family, seed, algorithm, args.timeout, not args.no_head_start)
            rows.append(row)
            if algorithm == "leximin":
                row["target"] = target
            print(_table(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(_table(rows))
    print(f"\n{date.today().isoformat()}, load {os.getloadavg()[0]:.1f} (2 cores shared)")
    print("LEXIMIN targets: two_features < 5 s, small < 60 s, online(_de) < 300 s and < 2,048 MB.")
    for r in rows:
        if "target" in r and "error" not in r:
            seconds, target = float(str(r["seconds"])), float(str(r["target"]))
            verdict = "met" if seconds <= target else "MISSED"
            print(f"  {r['family']}: {seconds:.1f} s vs {r['target']} s -> {verdict}")


if __name__ == "__main__":
    main()
