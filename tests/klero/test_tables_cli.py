"""``klero tables`` on files: the seating, its files and plans, and every bad input's exit."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from klero.app import main
from quotas.messages import render
from quotas.pdf_fonts import FONT_DIRS_ENV
from tests.pdf_reading import holds, needs_fonts, pdf_text, shaped

PANEL = Path(__file__).resolve().parents[1] / "data" / "readme" / "panel.csv"
BASE = ["tables", "--panel", str(PANEL), "--balance", "gender,age", "--table-size", "6"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_tables_csv_and_plans_with_constraints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    panel = pd.read_csv(PANEL, dtype=str)
    ids = panel["id"].tolist()
    together = _write(tmp_path / "together.csv", f"group,id\nfamily,{ids[0]}\nfamily,{ids[1]}\n")
    apart = _write(tmp_path / "apart.csv", f"group,id\nx,{ids[2]}\nx,{ids[3]}\nx,{ids[4]}\n")
    facilitators = _write(tmp_path / "facilitators.csv", f"id,table\n{ids[5]},2\n")
    out, html, pdf = tmp_path / "t" / "tables.csv", tmp_path / "plan.html", tmp_path / "plan.pdf"
    args = [*BASE, "--rounds", "3", "--seed", "7", "--together", str(together)]
    args += ["--apart", str(apart), "--facilitators", str(facilitators), "--name-column", "gender"]
    assert main([*args, "--out", str(out), "--plan", str(html), "--plan", str(pdf)]) == 0
    shown = capsys.readouterr().out
    assert "30 people at 5 tables of up to 6 for 3 rounds, seed 7" in shown
    assert "random seating" in shown and f"Wrote {pdf}." in shown
    table = pd.read_csv(out, dtype={"id": str})
    assert list(table.columns) == ["id", "round", "table"] and len(table) == 90
    for _, one in table.groupby("round"):
        seat = dict(zip(one["id"], one["table"], strict=True))
        assert seat[ids[0]] == seat[ids[1]] and seat[ids[5]] == 2
        assert len({seat[ids[2]], seat[ids[3]], seat[ids[4]]}) == 3
        assert sorted(one["table"].value_counts().tolist()) == [6] * 5
    page = html.read_text(encoding="utf-8")
    assert page.count('class="card"') == 15 and "Round 3" in page
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main([*args, "--json", "--lang", "fr", "--plan", str(html)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["tables"] == 5 and len(payload["per_table"]) == 15
    assert payload["figures"]["deviation"] < payload["random_seating"]["deviation"]
    assert "Tour 3" in html.read_text(encoding="utf-8")


def _group(count: int) -> str:
    """A ``group,id`` file putting the panel's first ``count`` people in one group."""
    ids = pd.read_csv(PANEL, dtype=str)["id"].tolist()[:count]
    return "group,id\n" + "".join(f"g,{p}\n" for p in ids)


@pytest.mark.parametrize(
    ("extra", "files", "code", "words"),
    [
        (["--balance", "colour"], {}, 2, "no column 'colour' (named by --balance)"),
        (["--language-column", "lang"], {}, 2, "no column 'lang'"),
        (["--apart", "{apart}"], {"apart": "group,id\ng,P0002\ng,nobody\n"}, 2, "'nobody'"),
        (["--facilitators", "{f}"], {"f": "id,table\nP0002,zero\n"}, 2, "Row 2 of"),
        (["--together", "{t}"], {"t": "who,id\ng,P0002\n"}, 2, "columns group,id"),
        (["--plan", "plan.txt"], {}, 2, "must end in .html or .pdf"),
        (["--table-size", "1"], {}, 2, ""),
        (["--lang", "xx"], {}, 2, "not a language Kleroterion ships"),
        (["--facilitators", "{f}"], {"f": "id,table\nP0002,9\n"}, 2, "tables for their"),
        (["--together", "{t}"], {"t": _group(7)}, 1, "more than a table seats (6)"),
        (["--apart", "{a}"], {"a": _group(6)}, 1, "only 5 tables"),
    ],
)
def test_bad_input_exits_with_a_clear_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    files: dict[str, str],
    code: int,
    words: str,
) -> None:
    paths = {name: str(_write(tmp_path / f"{name}.csv", text)) for name, text in files.items()}
    args = [a.format(**paths) for a in extra]
    assert main([*BASE, "--seed", "1", *args, "--out", str(tmp_path / "tables.csv")]) == code
    assert words in capsys.readouterr().err
    assert not (tmp_path / "tables.csv").exists()


@needs_fonts
@pytest.mark.parametrize("lang", ["ar", "hi", "zh-Hans", "am"])
def test_the_pdf_plan_is_written_in_every_script(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """The plan in ``--lang``'s script; the summary printed in KLERO_LANG's language."""
    monkeypatch.setenv("KLERO_LANG", lang)
    pdf = tmp_path / "plan.pdf"
    assert main([*BASE, "--rounds", "2", "--lang", lang, "--plan", str(pdf)]) == 0
    printed = capsys.readouterr()
    assert "fonts-noto" not in printed.err
    assert render("tables_per_table", {}, lang) in printed.out
    text = pdf_text(pdf.read_bytes())
    for phrase in (render("tables_plan_round", {"round": 2}, lang), "P0002"):
        assert holds(text, phrase), (lang, phrase)
    assert shaped(pdf.read_bytes()) == (lang == "ar")


def test_without_the_fonts_the_pdf_plan_names_the_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FONT_DIRS_ENV, "/nonexistent/fonts")
    pdf = tmp_path / "plan.pdf"
    assert main([*BASE, "--rounds", "1", "--lang", "ru", "--plan", str(pdf)]) == 0
    assert "fonts-noto-core" in capsys.readouterr().err
    assert "fonts-noto-core" in pdf_text(pdf.read_bytes())
