"""A global day selected in one batch: wall time and peak memory per executor.

Builds, through the use cases, a deliberation of 300 sites (``--sites N``; ``--quick``: 20)
in the 15 real synthetic countries, each with quotas from its country's census margins
(5 points either side) and its own synthetic pool of 2,000 volunteers (no contact
details), panels of 50 to 200 seats. Then selects every site in one batch
(``usecases.run_batch``, LEXIMIN, 10 alternates, seed 2026) on a copy of that database
with each executor: inline (1 worker), a local pool of 2 processes, and a local Dask
cluster of 2 worker processes. Prints per executor the wall time, the CPU time of the
process tree (what a machine with free cores would need), the sites selected,
infeasible or failed, and the peak resident memory of the whole process tree (sampled
every 0.1 s with psutil). Results must be identical across executors: the script checks
that each executor stored the same panels.

Run from the repository root: ``.venv/bin/python benchmarks/bench_global.py --sites 20``
(``--modes 1,2,dask`` to choose executors).

Measured 2026-12-07 with ``--sites 20`` on the shared 2-core box (load average 9-11 from
other jobs, so wall times are 3-6x CPU times): inline 193.5 s wall / 30.4 s CPU, 2 local
processes 126.2 s / 34.0 s, local Dask (2 processes) 193.2 s / 51.4 s; 20 of 20 sites
selected, the same panels with each executor; peak memory of the process tree 238, 597
and 683 MB. About 1.5 CPU seconds per site. The database work stays in the calling
process and does not parallelise: 0.3-0.7 s to start a site (pool snapshot) and
0.3-0.5 s to store its seats, measured (wall, under the same load) against 1.3-7 s of
computation. Extrapolated to 300 sites on an idle 2-core machine: ~450 CPU seconds, so
about 7-8 minutes inline and, with 2 workers sharing the 2 cores with the main process,
about 4-5 minutes at best (not measured: the full 300 would take well over 10 minutes
here).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DELIBERATION = "Global benchmark"
POOL_SIZE = 2000
QUOTA_FEATURES = ("gender", "age", "education", "urban_rural")
PASSWORD = "bench-password"


def panel_size(index: int) -> int:
    """Panels of 50 to 200 seats, spread evenly over the sites."""
    return 50 + (index * 37) % 151


def _build(url: str, sites: int) -> float:
    """Create the deliberation with ``sites`` ready sites; return the seconds taken."""
    from recruitment import usecases as uc
    from recruitment.db import open_database, upgrade
    from recruitment.demo import add_synthetic_site
    from synthetic_data import available_countries, generate_pool, margins_dict, margins_object
    from synthetic_data.countries import COUNTRIES

    clock = time.perf_counter()
    upgrade(url)
    db = open_database(url)
    try:
        admin = uc.bootstrap_admin(db, "admin", PASSWORD)
        uc.create_user(db, admin, "coordinator", PASSWORD, "coordinator")
        uc.create_deliberation(db, admin, DELIBERATION)
        codes = [c for c in available_countries() if not COUNTRIES[c].fictional][:15]
        margins = {}
        for code in codes:
            uc.create_country(db, admin, DELIBERATION, code, COUNTRIES[code].name)
            uc.create_organisation(db, admin, f"Partner {code}")
            census = margins_dict(code)
            margins[code] = margins_object({f: census[f] for f in QUOTA_FEATURES})
        for index in range(sites):
            code = codes[index % len(codes)]
            site = f"{code}-{index // len(codes):03d}"
            add_synthetic_site(
                db,
                admin,
                admin,
                uc.NewSite(DELIBERATION, code, site, site, panel_size(index), f"Partner {code}"),
                margins[code],
                generate_pool(code, POOL_SIZE, 1000 + index, pii=False),
                address_columns=["household"],
                feature_columns=[*QUOTA_FEATURES, "region", "literacy"],
            )
        return time.perf_counter() - clock
    finally:
        db.dispose()


class PeakMemory:
    """The peak resident memory of this process and all its descendants, sampled."""

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                for proc in [self._me, *self._me.children(recursive=True)]:
                    total += proc.memory_info().rss
            except Exception:  # a process ended while we looked
                pass
            self.peak = max(self.peak, total)
            self._stop.wait(0.1)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _executor(mode: str) -> Any:
    from recruitment.batch_compute import DaskCluster, Inline, LocalPool

    if mode == "1":
        return Inline(), None
    if mode == "2":
        return LocalPool(2), None
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    return DaskCluster(client=client), (client, cluster)


def _run(url: str, mode: str) -> tuple[float, float, int, Any, dict[str, Any]]:
    from recruitment import usecases as uc
    from sampling import Algorithm, SelectionSettings

    db = uc.start(url)
    coordinator = uc.authenticate(db, "coordinator", PASSWORD)
    settings = SelectionSettings(algorithm=Algorithm.LEXIMIN, seed=2026, alternates=10)
    before = os.times()
    with PeakMemory() as memory:
        clock = time.perf_counter()
        executor, extra = _executor(mode)
        try:
            report = uc.run_batch(db, coordinator, DELIBERATION, settings, executor=executor)
        finally:
            executor.close()
            if extra is not None:
                extra[0].close()
                extra[1].close()
        seconds = time.perf_counter() - clock
    cpu = _cpu(os.times()) - _cpu(before)
    panels = _panels(db)
    db.dispose()
    return seconds, cpu, memory.peak, report, panels


def _cpu(times: os.times_result) -> float:
    """CPU seconds of this process and its ended children (the pool's and Dask's workers)."""
    return times.user + times.system + times.children_user + times.children_system


def _panels(db: Any) -> dict[str, Any]:
    from sqlalchemy import select

    from recruitment.models import PanelSeat, SelectionRun, Site

    with db.unit_of_work() as session:
        rows = session.execute(
            select(Site.code, PanelSeat.kind, PanelSeat.rank, PanelSeat.volunteer_id)
            .join(SelectionRun, SelectionRun.id == PanelSeat.run_id)
            .join(Site, Site.id == SelectionRun.site_id)
            .order_by(Site.code, PanelSeat.kind, PanelSeat.rank)
        ).all()
    out: dict[str, list[Any]] = {}
    for code, kind, rank, volunteer in rows:
        out.setdefault(code, []).append((kind, rank, volunteer))
    return out


def main() -> None:
    """Build once, then batch-select a copy per executor and print the table."""
    from cryptography.fernet import Fernet

    from recruitment.security import set_password_cost

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sites", type=int, default=None)
    parser.add_argument("--modes", default="1,2,dask")
    args = parser.parse_args()
    sites = args.sites or (20 if args.quick else 300)
    folder = Path(tempfile.mkdtemp(prefix="klero-bench-global-"))
    os.environ["KLERO_SECRET_KEY"] = Fernet.generate_key().decode()
    os.environ["KLERO_HOME"] = str(folder)
    set_password_cost(2**4)
    template = folder / "template.sqlite"
    built = _build(f"sqlite:///{template}", sites)
    print(f"{sites} sites x {POOL_SIZE} volunteers, panels 50-200, built in {built:.1f} s")
    print(
        f"{'executor':<22} {'wall s':>8} {'CPU s':>7} {'s/site':>7} {'selected':>9}"
        f" {'infeasible':>11}"
        f" {'failed':>7} {'peak MB':>8}"
    )
    names = {
        "1": "inline (1 worker)",
        "2": "local pool, 2 workers",
        "dask": "Dask local, 2 workers",
    }
    reference: dict[str, Any] | None = None
    for mode in args.modes.split(","):
        copy = folder / f"run-{mode}.sqlite"
        shutil.copyfile(template, copy)
        seconds, cpu, peak, report, panels = _run(f"sqlite:///{copy}", mode)
        same = "" if reference is None or panels == reference else "  (PANELS DIFFER!)"
        reference = reference if reference is not None else panels
        print(
            f"{names[mode]:<22} {seconds:>8.1f} {cpu:>7.1f} {seconds / sites:>7.2f}"
            f" {report.count('selected'):>9} {report.count('infeasible'):>11}"
            f" {report.count('failed'):>7} {peak / 2**20:>8.0f}{same}",
            flush=True,
        )
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
