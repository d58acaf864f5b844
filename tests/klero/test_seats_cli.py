"""``klero seats allocate`` on a population file: the table, JSON, files, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from klero.app import main

POPULATION = Path(__file__).resolve().parents[1] / "data" / "readme" / "population.csv"


def test_the_table_shows_population_and_seat_shares(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seats", "allocate", "--population", str(POPULATION), "--total", "800"]) == 0
    out = capsys.readouterr().out
    assert "800 seats shared among 8 units (proportional)" in out
    assert "population share" in out and "seat share" in out  # headed by the catalogue


def test_json_and_files_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["seats", "allocate", "--population", str(POPULATION), "--total", "800"]
    args += ["--method", "degressive", "--base", "20", "--maximum", "200"]
    assert main([*args, "--json", "--out", str(tmp_path / "seats.xlsx")]) == 0
    payload = json.loads(capsys.readouterr().out)
    seats = {u["unit"]: u["seats"] for u in payload["units"]}
    assert payload["method"] == "degressive" and sum(seats.values()) == 800
    assert seats["IN"] == 200 and seats["LU"] == 21  # capped; base plus one share
    written = pd.read_excel(tmp_path / "seats.xlsx")
    assert dict(zip(written["unit"], written["seats"], strict=True)) == seats


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--total", "800", "--method", "cube-root"], "Unknown seat allocation method"),
        (["--total", "800", "--maximum", "50"], "at most 400 fit"),
        (["--total", "800", "--minimum", "101"], "at least 808 are needed"),
    ],
)
def test_impossible_requests_exit_2_saying_what_to_change(
    extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seats", "allocate", "--population", str(POPULATION), *extra]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_a_broken_population_file_exits_2_with_its_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "pop.csv"
    bad.write_text("unit,population\nFR,many\n")
    out = tmp_path / "seats.csv"
    args = ["seats", "allocate", "--population", str(bad), "--total", "10", "--out", str(out)]
    assert main(args) == 2
    assert "row 2" in capsys.readouterr().err
    assert not out.exists()


def test_without_a_population_file_every_country_of_the_bundled_table_shares(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["seats", "allocate", "--total", "1000", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    seats = {u["unit"]: u["seats"] for u in payload["units"]}
    assert payload["populations"] == "bundled" and len(seats) == 244
    assert sum(seats.values()) == 1000 and seats["IN"] > seats["US"] > seats["FR"] > 0
    assert main(["seats", "allocate", "--total", "10", "--by", "region"]) == 2
