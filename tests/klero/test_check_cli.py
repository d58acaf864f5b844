"""``klero check`` and ``klero quotas`` behave as the CLI contract says, on good and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from klero.app import main
from recruitment.examples import EXAMPLE_PANEL_SIZE, example_path

DATA = Path(__file__).resolve().parents[1] / "data"
EXAMPLE = [
    "--pool",
    str(example_path("pool")),
    "--quotas",
    str(example_path("quotas")),
    "--size",
    str(EXAMPLE_PANEL_SIZE),
]


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main([*args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_example_is_valid_and_feasible(capsys: pytest.CaptureFixture[str]) -> None:
    code, payload = run_json(["check", *EXAMPLE, "--address-columns", "address,postcode"], capsys)
    assert code == 0
    assert payload["valid"] is True and payload["feasible"] is True
    assert payload["explanation"] is None and payload["relaxation"] is None
    assert {row["feature"] for row in payload["pool_vs_target"]} == {
        "gender",
        "age",
        "education",
        "region",
    }


def test_targets_are_shares_of_the_panel_not_of_the_pool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a target_share column, a quota of 14-16 seats of 30 is a target of 50 %."""
    quotas = pd.read_csv(example_path("quotas")).drop(columns="target_share")
    quotas.to_csv(tmp_path / "quotas.csv", index=False)
    args = ["--pool", str(example_path("pool")), "--quotas", str(tmp_path / "quotas.csv")]
    code, payload = run_json(["check", *args, "--size", str(EXAMPLE_PANEL_SIZE)], capsys)
    assert code == 0
    expected = {
        (str(f), str(v)): (int(lo) + int(hi)) / 2 / EXAMPLE_PANEL_SIZE
        for f, v, lo, hi in quotas[["feature", "value", "min", "max"]].itertuples(index=False)
    }
    shown = {(r["feature"], r["value"]): r["target_share"] for r in payload["pool_vs_target"]}
    assert shown == pytest.approx(expected)
    assert shown[("gender", "female")] == pytest.approx(0.5)
    assert sum(r["count"] for r in payload["pool_vs_target"][:3]) > EXAMPLE_PANEL_SIZE  # pool


def test_human_output_shows_the_pool_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", *EXAMPLE]) == 0
    out = capsys.readouterr().out
    assert "Feasible" in out and "non-binary" in out and "in pool" in out


@pytest.mark.parametrize(
    ("pool", "code"),
    [
        ("semicolon.csv", None),
        ("tab.tsv", None),
        ("utf8_bom.csv", None),
        ("latin1.csv", None),
        ("duplicate_ids.csv", "pool_duplicate_id"),
        ("missing_column.csv", "pool_missing_feature_columns"),
        ("unknown_values.csv", "pool_unknown_value"),
        ("empty.csv", "file_empty"),
    ],
)
def test_bad_and_unusual_pools(
    pool: str, code: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "check",
        "--pool",
        str(DATA / "bad" / pool),
        "--quotas",
        str(DATA / "bad" / "quotas.csv"),
        "--size",
        "4",
    ]
    exit_code, payload = run_json(args, capsys)
    codes = {p["code"] for p in payload["problems"] if p["severity"] == "error"}
    if code is None:
        assert payload["valid"] is True, payload["problems"]
        assert exit_code in (0, 1)
    else:
        assert exit_code == 2 and payload["valid"] is False and payload["feasible"] is None
        assert code in codes


def test_min_above_max_quota_is_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "check",
        "--pool",
        str(DATA / "good" / "pool.csv"),
        "--quotas",
        str(DATA / "bad" / "quotas_min_above_max.csv"),
        "--size",
        "10",
    ]
    exit_code, payload = run_json(args, capsys)
    assert exit_code == 2
    assert "quota_min_above_max" in {p["code"] for p in payload["problems"]}
    assert all(p["message"] for p in payload["problems"])


def test_infeasible_quotas_are_explained(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "check",
        "--pool",
        str(DATA / "readme" / "pool_old_women.csv"),
        "--quotas",
        str(DATA / "readme" / "quotas_old_women.csv"),
        "--size",
        "20",
    ]
    exit_code, payload = run_json(args, capsys)
    assert exit_code == 1
    assert payload["valid"] is True and payload["feasible"] is False
    assert "60+" in payload["explanation"] and "female" in payload["explanation"]
    assert payload["relaxation"]["changes"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "Why:" in out and "Smallest fix:" in out


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--pool", str(tmp_path / "nope.csv"), *EXAMPLE[2:]])
    captured = capsys.readouterr()
    assert code == 2
    assert "does not exist" in captured.out + captured.err
    assert "Traceback" not in captured.out + captured.err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--pool", "x.csv"]) == 2
    assert main(["check", *EXAMPLE[:4], "--size", "zero"]) == 2


def test_quotas_from_margins_match_the_bundled_table(tmp_path: Path) -> None:
    out = tmp_path / "quotas.csv"
    args = [
        "quotas",
        "--margins",
        str(example_path("margins")),
        "--size",
        "30",
        "--tolerance-seats",
        "1",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    written = pd.read_csv(out)
    bundled = pd.read_csv(example_path("quotas"))
    cols = ["feature", "value", "min", "max"]
    assert written[cols].to_dict("records") == bundled[cols].to_dict("records")


def test_quotas_rejects_two_tolerances(tmp_path: Path) -> None:
    args = [
        "quotas",
        "--margins",
        str(example_path("margins")),
        "--size",
        "30",
        "--tolerance-seats",
        "1",
        "--tolerance-points",
        "5",
        "--out",
        str(tmp_path / "q.csv"),
    ]
    assert main(args) == 2
    assert not (tmp_path / "q.csv").exists()


def test_unexpected_errors_exit_3_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import klero.files.check as check

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(check, "check_feasibility", broken)
    assert main(["check", *EXAMPLE]) == 3
    err = capsys.readouterr().err
    assert "disk on fire" in err and "Traceback" not in err
