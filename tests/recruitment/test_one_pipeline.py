"""The service and ``klero select`` on files are one pipeline: same inputs, same report.

A site's run is taken from the database as anyone re-running it would: its stored pool
snapshot (pseudonyms, criteria, household labels), quotas and settings. Written as files
and given to ``klero select`` with the same draw, they must give the very same hash,
lottery number, panel, alternates, probabilities and fairness figures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from klero.app import main
from quotas.formats import write_quotas
from recruitment import usecases as uc
from recruitment.models import PanelSeat, SelectionRun, Volunteer
from recruitment.snapshots import HOUSEHOLD_COLUMN, ID_COLUMN
from recruitment.usecases.common import pool_of, table_from_rows
from recruitment.usecases.selection import frame_of
from sampling import SelectionSettings
from sampling.engine.select import ENGINE
from sampling.inputs import input_sha256
from tests.recruitment.conftest import SITE, World


def _stored(world: World, run_id: int) -> tuple[SelectionRun, list[str], list[str]]:
    """The run row, its panel (sorted) and its alternates (rank order)."""
    with world.db.unit_of_work() as session:
        run = session.get(SelectionRun, run_id)
        assert run is not None
        seats = session.execute(
            select(PanelSeat.kind, Volunteer.pseudonym)
            .join(Volunteer, Volunteer.id == PanelSeat.volunteer_id)
            .where(PanelSeat.run_id == run_id)
            .order_by(PanelSeat.kind, PanelSeat.rank)
        ).all()
    panel = sorted(p for kind, p in seats if kind == "selected")
    return run, panel, [p for kind, p in seats if kind == "alternate"]


def _files_of(run: SelectionRun, folder: Path) -> list[str]:
    """Write the run's snapshot as a pool file, a quota file and a drop-out rates file;
    return the ``klero select`` arguments that repeat the run on them."""
    pool = frame_of(run.inputs["pool"]).rename(
        columns={ID_COLUMN: "id", HOUSEHOLD_COLUMN: "household"}
    )
    pool.to_csv(folder / "pool.csv", index=False)
    write_quotas(table_from_rows(run.inputs["quotas"]), folder / "quotas.csv")
    recorded = run.settings["alternates_dropout"]
    rows = recorded if isinstance(recorded, list) else [["*", "*", recorded]]
    rates = pd.DataFrame(rows, columns=["feature", "value", "rate"])
    rates.to_csv(folder / "rates.csv", index=False)
    draw = ["--seed", str(run.seed)] if run.seed is not None else []
    draw += ["--public-number", str(run.public_number)] if run.public_number is not None else []
    return [
        "select",
        *("--pool", str(folder / "pool.csv"), "--quotas", str(folder / "quotas.csv")),
        *("--address-columns", "household", "--size", str(run.size), *draw),
        *("--lottery-size", str(run.lottery_size), "--alternates", str(run.alternates)),
        *("--dropout-rates", str(folder / "rates.csv"), "--out-dir", str(folder / "out")),
    ]


DRAWS: list[dict[str, Any]] = [
    {"seed": 11, "dropout": {("age", "16-34"): 0.4, ("*", "*"): 0.1}},
    {"public_number": 987_654, "dropout": 0.2},
]


@pytest.mark.parametrize("draw", DRAWS, ids=["seed", "public-number"])
def test_the_files_path_gives_the_services_report_from_its_snapshot(
    ready: World, tmp_path: Path, draw: dict[str, Any]
) -> None:
    summary = uc.run_selection(
        ready.db, ready.partner, SITE, SelectionSettings(alternates=4, **draw)
    )
    run, panel, alternates = _stored(ready, summary.run_id)
    assert main(_files_of(run, tmp_path)) == 0
    out = tmp_path / "out"
    report = json.loads((out / "report.json").read_text())
    assert report["input_sha256"] == run.input_sha256 == summary.input_sha256
    assert report["settings"] == run.settings and report["engine"] == ENGINE
    assert report["lottery_index"] == run.lottery_index
    assert sorted(report["selected"]) == panel and len(panel) == run.size
    assert [a["id"] for a in report["alternates"]["alternates"]] == alternates
    assert len(alternates) == 4
    assert report["probabilities"] == run.fairness
    written = pd.read_csv(out / "probabilities.csv", dtype={"id": str})
    # CSV floats carry 15 significant digits (quotas.exports.CSV_DIGITS)
    shown = dict(zip(written["id"], written["probability"], strict=True))
    assert shown == pytest.approx(run.probabilities, rel=1e-14, abs=0)
    rerun = uc.rerun_selection(ready.db, ready.evaluator, summary.run_id)
    assert rerun.ok and "same panel" in rerun.message, rerun.message


@pytest.mark.parametrize(
    "older",
    [
        {"lottery_size": 1000, "alternates": 2, "algorithm_seed": 3},
        {
            "lottery_size": 1000,
            "alternates": 2,
            "alternates_method": "optimised",
            "alternates_dropout": 0.15,
            "algorithm_seed": 3,
            "engine": "2026-11-30.2",
        },
    ],
    ids=["unversioned", "2026-11-30.2"],
)
def test_a_run_stored_by_an_earlier_engine_reruns_as_drawn_by_that_engine(
    ready: World, older: dict[str, Any]
) -> None:
    summary = uc.run_selection(
        ready.db, ready.partner, SITE, SelectionSettings(seed=3, alternates=2)
    )
    with ready.db.unit_of_work() as session:
        run = session.get(SelectionRun, summary.run_id)
        assert run is not None
        # What those engines stored: their settings, in their shape, and the hash of them.
        quotas = table_from_rows(run.inputs["quotas"])
        pool = pool_of(frame_of(run.inputs["pool"]), quotas, "old run").pool
        assert pool is not None
        run.settings = older
        run.input_sha256 = input_sha256(pool, quotas, run.size, run.algorithm, older)
    report = uc.rerun_selection(ready.db, ready.evaluator, summary.run_id)
    engine = older.get("engine", "before 2026-11-30.2")
    assert (report.recorded_engine, report.engine) == (engine, ENGINE)
    assert not report.same_inputs and not report.ok
    assert f"selection engine {engine}" in report.message and ENGINE in report.message
    assert "DIFFERENT" not in report.message
