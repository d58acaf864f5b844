"""``klero synth`` pools can be checked with ``klero check`` and selected with ``klero select``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from klero.app import main
from synthetic_data import available_countries


def synth(out: Path, country: str, *extra: str, size: int = 400, panel: int = 40) -> int:
    args = ["synth", "--country", country, "--size", str(size), "--seed", "3"]
    return main([*args, "--panel-size", str(panel), "--out-dir", str(out), *extra])


def check_and_select(out: Path, panel: int = 40) -> dict:
    files = ["--pool", str(out / "pool.csv"), "--quotas", str(out / "quotas.csv")]
    files += ["--size", str(panel), "--address-columns", "household"]
    assert main(["check", *files]) == 0
    assert main(["select", *files, "--seed", "1", "--out-dir", str(out / "panel")]) == 0
    return json.loads((out / "panel" / "report.json").read_text())


def test_synth_writes_pool_margins_and_quotas(tmp_path: Path) -> None:
    assert synth(tmp_path, "FR") == 0
    pool = pd.read_csv(tmp_path / "pool.csv", dtype=str)
    assert len(pool) == 400 and {"name", "email", "region", "literacy"} <= set(pool.columns)
    assert (tmp_path / "margins.csv").exists() and (tmp_path / "quotas.csv").exists()
    assert len(check_and_select(tmp_path)["selected"]) == 40


def test_no_pii_and_same_seed_same_pool(tmp_path: Path) -> None:
    assert synth(tmp_path / "a", "KE", "--no-pii") == 0
    assert synth(tmp_path / "b", "KE", "--no-pii") == 0
    a = (tmp_path / "a" / "pool.csv").read_bytes()
    assert a == (tmp_path / "b" / "pool.csv").read_bytes()
    assert "email" not in pd.read_csv(tmp_path / "a" / "pool.csv").columns


def test_unknown_country_lists_the_available_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert synth(tmp_path, "QQ") == 2
    err = capsys.readouterr().err
    assert "QQ" in err and "FR" in err and "JP" in err
    assert not (tmp_path / "pool.csv").exists()


@pytest.mark.slow
@pytest.mark.parametrize("country", [c for c in available_countries() if c != "FR"])
def test_every_country_checks_and_selects(tmp_path: Path, country: str) -> None:
    assert synth(tmp_path, country, "--no-pii", size=200, panel=20) == 0
    report = check_and_select(tmp_path, panel=20)
    assert len(report["selected"]) == 20 and report["probabilities"]["min"] > 0
