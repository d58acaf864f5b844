"""``klero locations draw``: places by systematic PPS from a file, reproducible, verifiable."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from klero.app import main

PLACES = Path(__file__).resolve().parents[1] / "data" / "readme" / "places.csv"


def test_the_draw_writes_every_place_and_repeats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "places.csv"
    args = ["locations", "draw", "--places", str(PLACES), "--count", "3", "--seed", "7"]
    assert main([*args, "--backups", "2", "--out", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "3 of 10 places drawn by systematic PPS (seed 7, 1 taken with certainty)" in shown
    table = pd.read_csv(out)
    assert list(table.columns) == [
        *("place", "population", "probability", "backup_probability", "status", "order")
    ]
    assert (table["status"] == "selected").sum() == 3 and (table["status"] == "backup").sum() == 2
    assert table["probability"].sum() == pytest.approx(3)
    assert table.loc[table["place"] == "Lyon", "probability"].item() == 1.0  # above the step
    assert main([*args, "--backups", "2", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    chosen = table.loc[table["status"] == "selected", "place"].tolist()
    assert payload["selected"] == chosen and payload["seed"] == 7
    assert len(payload["input_sha256"]) == 64 and len(payload["backups"]) == 2


def test_a_public_number_draws_apart_from_a_seed(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["locations", "draw", "--places", str(PLACES), "--count", "4", "--json"]
    assert main([*args, "--public-number", "7"]) == 0
    by_number = json.loads(capsys.readouterr().out)
    assert main([*args, "--seed", "7"]) == 0
    by_seed = json.loads(capsys.readouterr().out)
    assert by_number["public_number"] == 7 and by_number["input_sha256"] == by_seed["input_sha256"]
    assert by_number["start"] != by_seed["start"]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--count", "3"], "Give exactly one of --seed and --public-number"),
        (["--count", "3", "--seed", "1", "--public-number", "2"], "exactly one of"),
        (["--count", "11", "--seed", "1"], "only 10 places have people"),
        (["--count", "9", "--seed", "1", "--backups", "2"], "only 1 place with people is left"),
    ],
)
def test_impossible_draws_exit_2(
    extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["locations", "draw", "--places", str(PLACES), *extra]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_a_places_file_without_its_columns_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "places.csv"
    bad.write_text("town,people\nLyon,5\n")
    assert main(["locations", "draw", "--places", str(bad), "--count", "1", "--seed", "1"]) == 2
    assert "place" in capsys.readouterr().err
