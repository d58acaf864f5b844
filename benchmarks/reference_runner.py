"""Run the Sortition Foundation's MAXIMIN on one instance and print its figures as JSON.

This script runs INSIDE the separate benchmark venv ``.venv-bench-reference/``, where
the GPL package ``sortition-algorithms`` is installed; it imports nothing of
Kleroterion's (our side writes the CSV files, this side only reads them) and only
calls that package's public API::

    .venv-bench-reference/bin/python benchmarks/reference_runner.py \\
        --features quotas.csv --people pool.csv --size 75 [--address-columns household]

The feature file is the ``feature,value,min,max[,min_flex,max_flex]`` layout, the
people file a CSV with an ``id`` column and one column per feature. The last line of
standard output is one JSON object: ``version``, ``load_seconds`` (reading the CSV
files), ``seconds`` (the MAXIMIN computation alone, comparable with our
``select_distribution``), ``people``, ``panels``, ``min``, ``max``, ``sum`` and
``zero`` (people with probability 0) of the per-person selection probabilities. The
per-person probabilities are computed here from the committees and their
probabilities, since the package only prints them in its report text. On failure
the object has ``error`` instead and the exit status is 1.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line: input files, panel size, optional address columns, backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=Path, required=True, help="feature,value,min,max CSV")
    parser.add_argument("--people", type=Path, required=True, help="people CSV with an id column")
    parser.add_argument("--size", type=int, required=True, help="panel size")
    parser.add_argument("--id-column", default="id")
    parser.add_argument(
        "--address-columns", default="", help="comma-separated; enables one person per address"
    )
    parser.add_argument("--backend", default="highspy", help="the package's solver_backend")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Load the files with the package's CSV adapter, run MAXIMIN and summarise it."""
    # Imported here so that a missing package is reported as JSON like any other failure.
    from sortition_algorithms import CSVFileDataSource, SelectionData, Settings
    from sortition_algorithms.committee_generation import (
        find_distribution_maximin,
        standardize_distribution,
    )

    address_columns = [c for c in args.address_columns.split(",") if c]
    started = time.perf_counter()
    source = CSVFileDataSource(
        features_file=args.features,
        people_file=args.people,
        already_selected_file=None,
        # Required by the adapter's constructor; MAXIMIN alone never writes them.
        selected_file=args.people.with_name("reference_selected.csv"),
        remaining_file=args.people.with_name("reference_remaining.csv"),
    )
    data = SelectionData(source)
    features, _ = data.load_features(args.size)
    settings = Settings(
        id_column=args.id_column,
        columns_to_keep=[],
        check_same_address=bool(address_columns),
        check_same_address_columns=address_columns,
        selection_algorithm="maximin",
        solver_backend=args.backend,
    )
    people, _ = data.load_people(settings, features)
    load_seconds = time.perf_counter() - started

    started = time.perf_counter()
    committees, weights, _ = find_distribution_maximin(
        features, people, args.size, settings.normalised_address_columns, args.backend
    )
    # The same clean-up (drop negligible committees, renormalise) the package applies
    # before it draws; it is part of the reference's work, so it is timed too.
    committees, weights = standardize_distribution(committees, weights)
    seconds = time.perf_counter() - started

    probability = dict.fromkeys(people, 0.0)
    for committee, weight in zip(committees, weights, strict=True):
        for person in committee:
            probability[person] += weight
    values = sorted(probability.values())
    return {
        "version": importlib.metadata.version("sortition-algorithms"),
        "backend": args.backend,
        "load_seconds": load_seconds,
        "seconds": seconds,
        "people": len(values),
        "panels": len(committees),
        "min": values[0] if values else 0.0,
        "max": values[-1] if values else 0.0,
        "sum": sum(values),
        "zero": sum(1 for v in values if v <= 1e-9),
    }


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send everything written to stdout, by Python or by C libraries, to stderr meanwhile."""
    # The package prints progress and HiGHS writes its banner straight to file
    # descriptor 1; stdout is kept for the JSON line alone.
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main(argv: list[str] | None = None) -> int:
    """Run and print the JSON line; 0 on success, 1 (with an ``error`` field) on failure."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        with _stdout_to_stderr():
            result = run(args)
    except Exception as exc:  # any failure of the reference is reported, never raised
        traceback.print_exc(file=sys.stderr)
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
