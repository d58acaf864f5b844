"""Benchmark the fair selection engine (LEXIMIN, MAXIMIN, NASH) on reproducible synthetic instances.

Usage: python benchmarks/bench_selection.py [--quick] [--timeout SECONDS] [--algorithms a,b]
       [--families a,b]

Each (instance, algorithm) runs in its own process so that peak memory is its own and a
run over the time limit can be stopped. Instances come from ``synthetic_data``'s
benchmark families (self-selected pools, census quotas of +-5 points). ``--quick``
skips the 100,000-person instances (``online``: Testland's 5 regions; ``online_de``:
Germany's 16, many more types). ``--families a,b`` runs only those families.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
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


def run_one(family: str, seed: int, algorithm: str) -> dict[str, object]:
    """Build one instance, run one algorithm, return its figures (called in a child process)."""
    from quotas.pool import Pool
    from sampling.engine.select import select_distribution
    from sampling.names import Algorithm
    from synthetic_data.instances import benchmark_instance

    frame, _margins, quotas, size = benchmark_instance(family, seed=seed)
    pool = Pool.build(frame["id"], frame[list(quotas.features)], quotas, frame["household"])
    start = time.perf_counter()
    dist = select_distribution(pool, quotas, size, algorithm=Algorithm.parse(algorithm), seed=seed)
    seconds = time.perf_counter() - start
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
        "iterations": dist.figures.iterations,
        "panels": dist.figures.panels,
        "levels": extra.get("levels", ""),
        "min": fair["min"],
        "equal": fair["equal"],
        "gap": dist.figures.gap,
        "start_s": extra.get("head_start_seconds", 0.0),
        "walk_ips": extra.get("head_start_solves", 0),
        "cert": "relax" if extra.get("relaxation_certificate") else "pricing",
        "pricing_s": extra.get("pricing_seconds", 0.0),
        "master_s": extra.get("master_seconds", 0.0),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(family: str, seed: int, algorithm: str, timeout: float) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--one", family, str(seed), algorithm]
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"family": family, "algorithm": algorithm, "error": f"over {timeout:.0f} s"}
    if done.returncode != 0:
        return {"family": family, "algorithm": algorithm, "error": done.stderr.strip()[-200:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _table(rows: list[dict[str, object]]) -> str:
    head = (
        "instance",
        "pool",
        "k",
        "feat",
        "types",
        "algorithm",
        "seconds",
        "iter",
        "panels",
        "levels",
        "min p",
        "k/n",
        "gap",
        "start s",
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
            f"{r['iterations']:>12}",
            f"{r['panels']:>12}",
            f"{r['levels']!s:>12}",
            f"{r['min']:>12.5f}",
            f"{r['equal']:>12.5f}",
            f"{r['gap']:>12.1e}",
            f"{r['start_s']:>12.1f}",
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
    args = parser.parse_args(argv)
    if args.one:
        family, seed, algorithm = args.one
        print(json.dumps(run_one(family, int(seed), algorithm)))
        return
    wanted = set(filter(None, args.algorithms.split(",")))
    families = set(filter(None, args.families.split(",")))
    rows = []
    for family, seed, algorithms, target, quick in INSTANCES:
        if (args.quick and not quick) or (families and family not in families):
            continue
        for algorithm in algorithms:
            if wanted and algorithm not in wanted:
                continue
            row = _child(family, seed, algorithm, args.timeout)
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
