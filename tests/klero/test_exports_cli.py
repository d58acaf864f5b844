"""Hostile ids and categories survive select, verify and replace; no written cell is a formula."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from klero.app import main
from quotas.exports import DANGEROUS_FIRST, is_plain_number
from quotas.tables import read_table

DATA = Path(__file__).resolve().parents[1] / "data"
PREFIXES = ['=HYPERLINK("http://x","{}")', "+{}", "-{}", "@{}", "{}"]
EDUCATION = {"low": "+1", "medium": "-foo", "high": "=1+1"}
NOTE = "=cmd|' /C calc'!A0"


def dangerous(cell: str) -> bool:
    return cell[:1] in tuple(DANGEROUS_FIRST) and not is_plain_number(cell)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The good pool and quotas with formula-like ids, categories and a column name."""
    folder = tmp_path_factory.mktemp("hostile")
    pool, _ = read_table(DATA / "good" / "pool.csv")
    pool["id"] = [PREFIXES[i % len(PREFIXES)].format(v) for i, v in enumerate(pool["id"])]
    pool["education"] = pool["education"].map(EDUCATION)
    pool["@note"] = NOTE
    # Written as a partner's tool would (no neutralising): what we must not trust.
    pool.to_csv(folder / "pool.csv", index=False)
    quotas, _ = read_table(DATA / "good" / "quotas.csv")
    quotas["value"] = quotas["value"].replace(EDUCATION)
    quotas.to_csv(folder / "quotas.csv", index=False)
    return folder


def _inputs(folder: Path) -> list[str]:
    return [
        "--pool",
        str(folder / "pool.csv"),
        "--quotas",
        str(folder / "quotas.csv"),
        "--address-columns",
        "address",
    ]


@pytest.fixture(scope="module")
def selected(hostile: Path) -> Path:
    out = hostile / "out"
    args = ["select", *_inputs(hostile), "--size", "10", "--seed", "3", "--alternates", "3"]
    assert main([*args, "--lottery-size", "50", "--out-dir", str(out)]) == 0
    return out


def test_no_file_of_a_selection_has_a_cell_that_runs_as_a_formula(selected: Path) -> None:
    tables = sorted(selected.glob("*.csv"))
    assert {p.name for p in tables} >= {"panel.csv", "remaining.csv", "lottery_types.csv"}
    for path in tables:
        cells = [c for row in csv.reader(io.StringIO(path.read_text("utf-8"))) for c in row]
        assert not [c for c in cells if dangerous(c)], path.name
    panel = (selected / "panel.csv").read_text("utf-8")
    assert "'=cmd|" in panel and "'@note" in panel and "'-foo" in panel


def test_hostile_ids_survive_select_verify_and_replace(
    selected: Path, hostile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = json.loads((selected / "report.json").read_text("utf-8"))
    pool, _ = read_table(hostile / "pool.csv")
    panel, _ = read_table(selected / "panel.csv")
    assert sorted(panel["id"]) == sorted(report["selected"])
    assert set(report["selected"]) <= set(pool["id"])
    assert set(panel["education"]) <= set(EDUCATION.values()) and set(panel["@note"]) == {NOTE}
    types, _ = read_table(selected / "lottery_types.csv")
    assert sorted(types["id"]) == sorted(pool["id"])
    assert main(["verify", "--out-dir", str(selected)]) == 0

    alternates, _ = read_table(selected / "alternates.csv")
    assert set(alternates["id"]) <= set(pool["id"])
    gone = sorted(report["selected"])[0]
    capsys.readouterr()
    code = main(
        [
            "replace",
            *_inputs(hostile),
            "--panel",
            str(selected / "panel.csv"),
            "--alternates",
            str(selected / "alternates.csv"),
            "--dropped",
            gone,
            "--out-dir",
            str(hostile / "replaced"),
        ]
    )
    assert code == 0, capsys.readouterr()
    replacement = json.loads((hostile / "replaced" / "replacement.json").read_text("utf-8"))
    (added,) = replacement["added"]
    assert added["id"] in set(alternates["id"]) and added["replaces"] == gone
    new_panel, _ = read_table(hostile / "replaced" / "panel.csv")
    assert sorted(new_panel["id"]) == sorted({*report["selected"], added["id"]} - {gone})


def test_quotas_out_xlsx_is_a_real_workbook(tmp_path: Path) -> None:
    margins = tmp_path / "margins.csv"
    margins.write_text("feature,value,share\n=group,+1,0.5\n=group,-foo,0.5\n", "utf-8")
    out = tmp_path / "q.xlsx"
    args = ["quotas", "--margins", str(margins), "--size", "10", "--out", str(out)]
    assert main(args) == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]][:4] == ["feature", "value", "min", "max"]
    assert not [c.coordinate for row in rows for c in row if c.data_type == "f"]
    assert [(r[0].value, r[1].value) for r in rows[1:]] == [("'=group", "+1"), ("'=group", "'-foo")]
    assert all(r[0].data_type == "s" and r[2].data_type == "n" for r in rows[1:])
    back, _ = read_table(out)
    assert back["feature"].tolist() == ["=group", "=group"]
    assert back["value"].tolist() == ["+1", "-foo"]


def test_an_unknown_suffix_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The margins file does not even exist: the name is refused first.
    args = ["quotas", "--margins", str(tmp_path / "none.csv"), "--size", "10"]
    assert main([*args, "--out", str(tmp_path / "q.txt")]) == 2
    assert "'.txt' is not supported" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_selection_that_cannot_be_moved_in_leaves_the_earlier_one(
    hostile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["select", *_inputs(hostile), "--size", "10", "--lottery-size", "50"]
    assert main([*args, "--seed", "1", "--out-dir", str(out)]) == 0
    (out / "lottery_types.csv").unlink()
    (out / "lottery_types.csv").mkdir()  # the fifth file cannot be moved in
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    capsys.readouterr()
    assert main([*args, "--seed", "2", "--out-dir", str(out)]) == 3
    err = capsys.readouterr().err
    assert f"Nothing in {out} was changed" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
