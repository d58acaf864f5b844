"""Faults across processes: a run killed mid-way, and two runs started at the same time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from recruitment import usecases as uc
from recruitment.models import PanelSeat, SelectionRun
from sampling import SelectionSettings
from tests.recruitment.conftest import SITE, SIZE, World

ROOT = Path(__file__).resolve().parents[2]


def _worker(
    mode: str, world: World, tmp_path: Path, name: str
) -> tuple[subprocess.Popen[str], Path]:
    ready = tmp_path / f"{name}.ready"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.recruitment._worker",
            mode,
            world.db.url,
            str(ready),
            str(tmp_path / "go"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return process, ready


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _runs(world: World) -> list[tuple[int, str, str | None, int]]:
    with world.db.unit_of_work() as session:
        runs = session.execute(select(SelectionRun).order_by(SelectionRun.id)).scalars().all()
        return [
            (
                r.id,
                r.status,
                r.error_code,
                session.execute(
                    select(func.count()).select_from(PanelSeat).where(PanelSeat.run_id == r.id)
                ).scalar_one(),
            )
            for r in runs
        ]


@pytest.mark.slow
def test_a_killed_run_is_marked_failed_at_the_next_start(ready: World, tmp_path: Path) -> None:
    process, flag = _worker("hang", ready, tmp_path, "hang")
    _wait_for(lambda: flag.exists() or process.poll() is not None, "the run to start")
    assert process.poll() is None, process.stdout.read() if process.stdout else ""
    [(run_id, status, _, seats)] = _runs(ready)
    assert (status, seats) == ("running", 0)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    # PostgreSQL may take a moment to notice the dead connection and free its lock.
    def restarted() -> bool:
        uc.start(ready.db.url).dispose()
        return _runs(ready)[0][1] != "running"

    _wait_for(restarted, "the interrupted run to be marked failed", 20)
    assert _runs(ready) == [(run_id, "failed", "selection_interrupted", 0)]
    summary = uc.run_selection(ready.db, ready.partner, SITE, SelectionSettings(seed=1))
    assert _runs(ready)[-1] == (summary.run_id, "succeeded", None, SIZE)
    assert uc.verify_audit(ready.db, ready.admin).ok


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_two_processes_starting_at_once_make_one_panel(ready: World, tmp_path: Path) -> None:
    workers = [_worker("race", ready, tmp_path, f"w{i}") for i in range(2)]
    _wait_for(
        lambda: all(flag.exists() or p.poll() is not None for p, flag in workers),
        "both workers to be ready",
    )
    (tmp_path / "go").touch()
    outputs = []
    for process, _ in workers:
        out, _ = process.communicate(timeout=120)
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    # The loser sees the winner's run, or (a moment earlier) only the one-running-run index.
    [lost] = [o for o in outputs if "error" in o]
    assert lost["error"] in {"selection_already_running", "selection_started_meanwhile"}
    [won] = [o for o in outputs if "error" not in o]
    assert set(won) == {"run"}
    [(_, status, _, seats)] = _runs(ready)
    assert (status, seats) == ("succeeded", SIZE)
