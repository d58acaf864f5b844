"""``klero synth --truth`` and ``klero select --end-to-end`` on files, with bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from klero.app import main


@pytest.fixture(scope="module")
def testland(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("testland")
    args = ["synth", "--country", "XX", "--size", "400", "--seed", "2", "--no-pii", "--truth"]
    assert main([*args, "--panel-size", "30", "--out-dir", str(out)]) == 0
    return out


def select(folder: Path, out: Path, *extra: str) -> int:
    files = ["--pool", str(folder / "pool.csv"), "--quotas", str(folder / "quotas.csv")]
    files += ["--size", "30", "--address-columns", "household", "--seed", "8"]
    return main(["select", *files, "--lottery-size", "200", "--out-dir", str(out), *extra])


def test_synth_truth_writes_each_volunteers_propensity(testland: Path) -> None:
    truth = pd.read_csv(testland / "truth.csv")
    pool = pd.read_csv(testland / "pool.csv", dtype=str)
    assert list(truth.columns) == ["id", "true_propensity"]
    assert list(truth["id"]) == list(pool["id"]) and "true_propensity" not in pool
    assert truth["true_propensity"].between(0, 1).all()
    # the more educated volunteer more often (main-effect self-selection)
    merged = pool.assign(q=truth["true_propensity"].to_numpy())
    by_education = merged.groupby("education")["q"].mean()
    assert by_education["tertiary"] > 2 * by_education["none/primary"]


def test_select_end_to_end_writes_propensities_and_the_spread(
    testland: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    margins = ["--end-to-end", "--population-margins", str(testland / "margins.csv")]
    assert select(testland, tmp_path / "e2e", *margins) == 0
    out = capsys.readouterr().out
    assert "End to end (margins model" in out and "(LEXIMIN:" in out
    report = json.loads((tmp_path / "e2e" / "report.json").read_text())
    figures = report["end_to_end"]
    assert figures["spread"]["max_min"] < figures["leximin_spread"]["max_min"]
    assert report["settings"]["end_to_end"]["model"] == "margins"
    written = pd.read_csv(tmp_path / "e2e" / "propensities.csv")
    assert written["target"].sum() == pytest.approx(30)
    assert main(["verify", "--out-dir", str(tmp_path / "e2e")]) == 0


def test_select_end_to_end_refuses_what_it_cannot_use(
    testland: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "margins.csv"
    bad.write_text("feature,value,share\ngender,female,1.0\n", encoding="utf-8")
    assert select(testland, tmp_path / "a", "--end-to-end", "--population-margins", str(bad)) == 2
    assert "population margins give it no share" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    assert select(testland, tmp_path / "b", "--end-to-end") == 2  # on files: margins needed
    assert "--end-to-end needs --population-margins" in capsys.readouterr().err
    margins = ["--end-to-end", "--population-margins", str(testland / "margins.csv")]
    assert select(testland, tmp_path / "c", *margins, "--algorithm", "nash") == 2


def test_a_background_sample_is_used_by_logistic_regression(testland: Path, tmp_path: Path) -> None:
    sample = tmp_path / "survey.csv"
    args = ["synth", "--country", "XX", "--size", "500", "--seed", "9", "--no-pii", "--bias", "0"]
    assert main([*args, "--out-dir", str(tmp_path / "survey")]) == 0
    frame = pd.read_csv(tmp_path / "survey" / "pool.csv", dtype=str)
    frame.drop(columns=["id", "household", "registration_channel"]).to_csv(sample, index=False)
    extra = ["--end-to-end", "--population-margins", str(testland / "margins.csv")]
    assert select(testland, tmp_path / "e2e", *extra, "--background-sample", str(sample)) == 0
    report = json.loads((tmp_path / "e2e" / "report.json").read_text())
    assert report["end_to_end"]["model"] == "background"
    recorded = report["settings"]["end_to_end"]["background"]
    assert sum(row[-1] for row in recorded["rows"]) == 500
