"""``klero weights`` on files: id,weight meeting the census margins, or a clear refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from klero.app import main

README_DATA = Path(__file__).resolve().parents[1] / "data" / "readme"
PANEL = README_DATA / "panel.csv"
CENSUS = README_DATA / "census.csv"
CROSSED = README_DATA / "census_gender_age.csv"


def weighted_share(panel: pd.DataFrame, weights: pd.DataFrame, mask: pd.Series) -> float:
    merged = panel.merge(weights, on="id")
    return float(merged.loc[mask.to_numpy(), "weight"].sum() / merged["weight"].sum())


def test_weights_meet_single_and_crossed_margins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "weights.csv"
    args = ["weights", "--panel", str(PANEL), "--margins", str(CENSUS), "--crossed", str(CROSSED)]
    assert main([*args, "--trim", "3", "--out", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "Kish design effect" in shown and "effective sample size" in shown
    weights = pd.read_csv(out, dtype={"id": str})
    panel = pd.read_csv(PANEL, dtype=str).sort_values("id", kind="stable")
    assert list(weights.columns) == ["id", "weight"]
    assert weights["id"].tolist() == panel["id"].tolist()
    assert weights["weight"].mean() == pytest.approx(1) and (weights["weight"] > 0).all()
    assert weights["weight"].max() <= 3
    for f, v, s in pd.read_csv(CENSUS, dtype=str).itertuples(index=False):
        share = weighted_share(panel, weights, panel[f] == v)
        assert share == pytest.approx(float(s.rstrip("%")) / 100, abs=0.001)
    for f1, v1, f2, v2, s in pd.read_csv(CROSSED, dtype=str).itertuples(index=False):
        share = weighted_share(panel, weights, (panel[f1] == v1) & (panel[f2] == v2))
        assert share == pytest.approx(float(s.rstrip("%")) / 100, abs=0.001)


def test_json_gives_the_figures_and_the_balance_tests(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["weights", "--panel", str(PANEL), "--margins", str(CENSUS), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["people"] == 30 and payload["criteria"] == 3
    assert payload["design_effect"] >= 1 and payload["effective_size"] <= 30
    assert payload["effective_size"] == pytest.approx(30 / payload["design_effect"])
    assert [t["feature"] for t in payload["balance_tests"]] == ["gender", "age", "education"]
    shares = {(c["feature"], c["value"]): c["weighted_share"] for c in payload["categories"]}
    assert shares[("gender", "female")] == pytest.approx(0.51, abs=1e-4)


def test_criteria_weight_on_some_criteria_only(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["weights", "--panel", str(PANEL), "--margins", str(CENSUS), "--json"]
    assert main([*args, "--criteria", "age, gender"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["criteria"] == 2
    assert {c["feature"] for c in payload["categories"]} == {"gender", "age"}


def test_a_census_category_nobody_has_exits_1_writing_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    margins = tmp_path / "margins.csv"
    margins.write_text("feature,value,share\ngender,female,50\ngender,male,49\ngender,other,1\n")
    out = tmp_path / "weights.csv"
    args = ["weights", "--panel", str(PANEL), "--margins", str(margins), "--out", str(out)]
    assert main(args) == 1
    assert "Nobody on the panel has gender = other" in capsys.readouterr().err
    assert not out.exists()


def test_a_trim_too_low_exits_1_and_a_trim_below_1_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["weights", "--panel", str(PANEL), "--margins", str(CENSUS)]
    assert main([*args, "--trim", "1.05"]) == 1
    assert "Raise --trim" in capsys.readouterr().err
    assert main([*args, "--trim", "0.5"]) == 2


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    margins = tmp_path / "margins.csv"
    margins.write_text("feature,value,share\ncolour,blue,100\n")
    assert main(["weights", "--panel", str(PANEL), "--margins", str(margins)]) == 2
    assert "colour" in capsys.readouterr().err
    assert main(["weights", "--margins", str(CENSUS)]) == 2
    args = ["weights", "--panel", str(PANEL), "--margins", str(CENSUS)]
    assert main([*args, "--criteria", "gender,colour"]) == 2
    assert "Unknown criteria to weight on: colour" in capsys.readouterr().err
    assert main(["weights", "--panel", str(PANEL), "--margins", str(CENSUS), "--attendees"]) == 2
