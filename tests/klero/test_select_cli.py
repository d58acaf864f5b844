"""``klero select`` writes the panel, the lottery and a report that let anyone check the draw."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from klero.app import main
from quotas.tables import read_table
from recruitment.examples import example_path
from sampling.engine.select import ENGINE

DATA = Path(__file__).resolve().parents[1] / "data"
GOOD = [
    "--pool",
    str(DATA / "good" / "pool.csv"),
    "--quotas",
    str(DATA / "good" / "quotas.csv"),
    "--size",
    "10",
    "--address-columns",
    "address",
]
FILES = {"panel.csv", "remaining.csv", "probabilities.csv", "lottery.csv", "report.json"}


def select(out: Path, *extra: str) -> int:
    return main(["select", *GOOD, "--out-dir", str(out), "--lottery-size", "200", *extra])


def test_select_writes_every_file(tmp_path: Path) -> None:
    assert select(tmp_path / "a", "--seed", "11") == 0
    assert {p.name for p in (tmp_path / "a").iterdir()} >= FILES
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    for key in (
        "input_sha256",
        "algorithm",
        "seed",
        "size",
        "selected",
        "probabilities",
        "runtime_seconds",
    ):
        assert key in report
    assert report["engine"] == ENGINE
    assert {"min", "max", "gini"} <= set(report["probabilities"])
    panel = pd.read_csv(tmp_path / "a" / "panel.csv", dtype=str)
    remaining = pd.read_csv(tmp_path / "a" / "remaining.csv", dtype=str)
    pool, _ = read_table(DATA / "good" / "pool.csv")
    assert sorted(panel["id"]) == sorted(report["selected"]) and len(panel) == 10
    assert len(panel) + len(remaining) == len(pool)
    assert set(panel.columns) == set(pool.columns)
    probabilities = pd.read_csv(tmp_path / "a" / "probabilities.csv")
    assert list(probabilities.columns) == ["id", "probability"]
    assert probabilities["probability"].sum() == pytest.approx(10)
    assert len(pd.read_csv(tmp_path / "a" / "lottery.csv")) == 200


def test_panel_meets_the_quotas(tmp_path: Path) -> None:
    assert select(tmp_path, "--seed", "3") == 0
    panel = pd.read_csv(tmp_path / "panel.csv", dtype=str)
    quotas = pd.read_csv(DATA / "good" / "quotas.csv")
    for feature, value, lo, hi in quotas[["feature", "value", "min", "max"]].itertuples(
        index=False, name=None
    ):
        count = int((panel[feature].str.strip().str.casefold() == value.casefold()).sum())
        assert lo <= count <= hi, (feature, value, count)


def test_same_seed_same_panel_and_hash(tmp_path: Path) -> None:
    assert select(tmp_path / "a", "--seed", "5") == 0
    assert select(tmp_path / "b", "--seed", "5") == 0
    a = json.loads((tmp_path / "a" / "report.json").read_text())
    b = json.loads((tmp_path / "b" / "report.json").read_text())
    assert a["selected"] == b["selected"] and a["input_sha256"] == b["input_sha256"]


def test_public_number_picks_that_lottery_panel(tmp_path: Path) -> None:
    assert select(tmp_path, "--public-number", "1234") == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["lottery_index"] == 1234 % 200
    assert report["public_number"] == 1234 and report["seed"] is None


@pytest.mark.parametrize("algorithm", ["maximin", "nash", "legacy"])
def test_other_algorithms(tmp_path: Path, algorithm: str) -> None:
    assert select(tmp_path, "--seed", "1", "--algorithm", algorithm) == 0
    assert json.loads((tmp_path / "report.json").read_text())["algorithm"] == algorithm


def test_infeasible_exits_1_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = [
        "select",
        "--pool",
        str(DATA / "readme" / "pool_old_women.csv"),
        "--quotas",
        str(DATA / "readme" / "quotas_old_women.csv"),
        "--size",
        "20",
        "--seed",
        "1",
        "--out-dir",
        str(out),
    ]
    assert main(args) == 1
    assert "Why:" in capsys.readouterr().out
    assert not out.exists() or not any(out.iterdir())


def test_invalid_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [
        "select",
        "--pool",
        str(DATA / "bad" / "duplicate_ids.csv"),
        "--quotas",
        str(DATA / "bad" / "quotas.csv"),
        "--size",
        "4",
        "--seed",
        "1",
        "--out-dir",
        str(out),
    ]
    assert main(args) == 2
    assert not out.exists()


def test_seed_and_public_number_together_is_a_usage_error(tmp_path: Path) -> None:
    assert select(tmp_path, "--seed", "1", "--public-number", "2") == 2


def test_example_panel(tmp_path: Path) -> None:
    args = [
        "select",
        "--pool",
        str(example_path("pool")),
        "--quotas",
        str(example_path("quotas")),
        "--size",
        "30",
        "--seed",
        "9",
        "--out-dir",
        str(tmp_path),
        "--json",
    ]
    assert main(args) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report["selected"]) == 30
    assert report["probabilities"]["min"] > 0.05  # leximin gives everyone a real chance


@pytest.mark.parametrize("draw", [("--public-number", "77"), ("--seed", "5")])
def test_published_draw_can_be_verified(tmp_path: Path, draw: tuple[str, str]) -> None:
    assert select(tmp_path, *draw) == 0
    assert (tmp_path / "lottery_types.csv").exists()
    assert main(["verify", "--out-dir", str(tmp_path)]) == 0
    assert main(["verify", "--out-dir", str(tmp_path), "--public-number", "78"]) in (0, 1)
    report = json.loads((tmp_path / "report.json").read_text())
    report["selected"] = [*sorted(report["selected"])[1:], "intruder"]
    (tmp_path / "report.json").write_text(json.dumps(report))
    assert main(["verify", "--out-dir", str(tmp_path)]) == 1
