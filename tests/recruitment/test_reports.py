"""Deliberation reports: pooled balance, provenance, partners' view, and the four file formats.

Run on SQLite and PostgreSQL. The world: FR-lyon (Org A, selected in the fixture, with a
drop-out replaced and statuses recorded), KE-nairobi (Org B, quotas with targets and a
``literacy`` criterion no other site has, selected) and FR-paris (Org B, no quotas).
"""

from __future__ import annotations

import dataclasses
import io
import re
import zlib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from sqlalchemy import event

from klero.app import main
from quotas.labels import LabelRow
from quotas.messages import render
from quotas.model import Category, Quota, QuotaTable
from quotas.pdf_fonts import FONT_DIRS_ENV
from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.reports import Level, Report, report_bytes, write_report
from recruitment.usecases.reports import fairness_of
from sampling import SelectionSettings
from tests.pdf_reading import line_starts, needs_fonts, pdf_text, shaped
from tests.recruitment.conftest import PASSWORD, SIZE, World, pool_frame

DELIBERATION = "Global Day"


def _kenyan_quotas() -> QuotaTable:
    """Quotas with census targets, and a criterion (literacy) only this site has."""
    rows = [
        ("gender", "female", 22, 28, 0.5),
        ("gender", "male", 22, 28, 0.5),
        ("age", "16-34", 12, 20, 0.32),
        ("age", "35-59", 14, 24, 0.38),
        ("age", "60+", 12, 20, 0.30),
        ("literacy", "literate", 40, 50, 0.9),
        ("literacy", "cannot read", 0, 10, 0.1),
    ]
    return QuotaTable(Quota(Category(f, v), lo, hi, t) for f, v, lo, hi, t in rows)


def _build(world: World) -> int:
    """Add the Kenyan and Parisian sites, select Nairobi; record statuses at Lyon."""
    uc.create_country(world.db, world.admin, DELIBERATION, "KE", "Kenya")
    for code, country, region in (
        ("KE-nairobi", "KE", "Nairobi City"),
        ("FR-paris", "FR", "Île-de-France"),
    ):
        uc.create_site(
            world.db,
            world.admin,
            uc.NewSite(DELIBERATION, country, code, code[3:].title(), SIZE, "Org B", region),
        )
    uc.set_quotas(world.db, world.admin, "KE-nairobi", _kenyan_quotas())
    frame = pool_frame(140, 7, prefix="KE").drop(columns=["region"])
    frame["literacy"] = np.where(np.arange(140) % 10 == 0, "cannot read", "literate")
    uc.import_frame(world.db, world.admin, "KE-nairobi", frame, address_columns=["address"])
    return uc.run_selection(world.db, world.admin, "KE-nairobi", SelectionSettings(seed=5)).run_id


@pytest.fixture
def reported(selected_world: tuple[World, uc.RunSummary]) -> tuple[World, uc.RunSummary, int]:
    world, summary = selected_world
    kenya = _build(world)
    first, second, third = summary.selected[:3]
    for person, statuses in ((first, ["invited", "confirmed"]), (second, ["invited", "declined"])):
        for status in statuses:
            uc.record_seat_status(world.db, world.partner, summary.run_id, person, status)
    uc.replace_dropouts(world.db, world.partner, summary.run_id, [third])
    return world, summary, kenya


def _report(world: World, level: str, **kwargs: str) -> Report:
    return uc.deliberation_report(world.db, world.coordinator, DELIBERATION, level, **kwargs)


def test_each_level_pools_shares_that_add_up_to_100_percent(
    reported: tuple[World, uc.RunSummary, int],
) -> None:
    world, summary, kenya = reported
    for level in Level:
        report = _report(world, level)
        keys = list(report.keys)
        sums = report.balance.groupby([*keys, "feature"])[["share", "target_share"]].sum()
        assert np.allclose(sums["share"], 1.0), (level, sums)
        # Lyon's quotas have no targets (midpoints: 0.98 for age); Nairobi's add up to 1.
        literacy = sums.reset_index().query("feature == 'literacy'")
        assert len(literacy) == 1 and np.allclose(literacy["target_share"], 1.0)
        assert {u.seats for u in report.units} <= {0, SIZE, 2 * SIZE}
    report = _report(world, "global")
    (unit,) = report.units
    assert (unit.sites, unit.panels, unit.seats, unit.planned_seats) == (3, 2, 100, 150)
    assert set(unit.runs) == {summary.run_id, kenya}
    rows = report.unit_balance(unit)
    literate = rows[rows["value"] == "literate"]
    assert literate[["groups", "seats"]].values.tolist() == [[1, SIZE]]  # only Nairobi's


def test_statuses_replacements_channels_and_fairness_are_reported(
    reported: tuple[World, uc.RunSummary, int],
) -> None:
    world, summary, _ = reported
    report = _report(world, "country")
    france = next(u for u in report.units if u.country == "FR")
    assert france.statuses["confirmed"] == 1 and france.statuses["declined"] == 1
    assert france.statuses["withdrawn"] == 1 and france.statuses["invited"] == 1
    assert france.replacements == 1
    assert sum(france.volunteers.values()) == 140
    lyon = next(s for s in report.sites if s.code == "FR-lyon")
    assert lyon.run is not None and lyon.run.fairness_source in {"lottery", "optimum"}
    key = "lottery_min" if lyon.run.fairness_source == "lottery" else "min"
    assert lyon.run.lowest_probability == pytest.approx(summary.fairness[key])
    assert france.lowest_probability == lyon.run.lowest_probability


def test_provenance_names_every_run_with_its_engine_and_inputs(
    reported: tuple[World, uc.RunSummary, int],
) -> None:
    world, summary, kenya = reported
    report = _report(world, "region")
    runs = {r.run_id: r for r in report.runs}
    assert set(runs) == {summary.run_id, kenya}
    assert runs[summary.run_id].input_sha256 == summary.input_sha256
    assert all(re.fullmatch(r"[0-9a-f]{64}", r.input_sha256) for r in runs.values())
    assert all(r.engine and r.quota_version == 1 for r in runs.values())
    assert report.generated_at.endswith("+00:00")


def test_a_partner_sees_only_its_own_sites(reported: tuple[World, uc.RunSummary, int]) -> None:
    world, _, _ = reported
    own = uc.deliberation_report(world.db, world.other_partner, DELIBERATION, "global")
    assert sorted(s.code for s in own.sites) == ["FR-paris", "KE-nairobi"]
    assert own.units[0].seats == SIZE
    lyon = uc.deliberation_report(world.db, world.partner, DELIBERATION, "country")
    assert [s.code for s in lyon.sites] == ["FR-lyon"]
    with pytest.raises(KleroError) as caught:
        uc.deliberation_report(world.db, world.partner, DELIBERATION, "global", country="KE")
    assert caught.value.code == "report_country_empty"


def test_a_country_filter_and_a_wrong_level(reported: tuple[World, uc.RunSummary, int]) -> None:
    world, _, _ = reported
    kenya = _report(world, "region", country="ke")
    assert [(u.country, u.region) for u in kenya.units] == [("KE", "Nairobi City")]
    with pytest.raises(KleroError) as caught:
        _report(world, "continent")
    assert caught.value.code == "report_level_unknown" and caught.value.exit_code == 2


def _pdf_text(data: bytes) -> str:
    """The text of a PDF's content streams (inflated), enough to find words in.

    A stream's bytes run up to ``endstream``, the end of line before it included: a
    compressed stream may itself end with a carriage return, and taking that as part of
    the end of line cut its last byte (the map's stream was then read as empty: the test
    failed once in CI). The inflater stops at the compressed data's own end.
    """
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            out.append(zlib.decompressobj().decompress(stream).decode("latin-1"))
        except zlib.error:
            out.append(stream.decode("latin-1"))
    return "".join(out)


def test_each_format_is_written_and_read_back(
    reported: tuple[World, uc.RunSummary, int], tmp_path: Path
) -> None:
    world, summary, _ = reported
    report = _report(world, "country")
    page = report_bytes(report, "html").decode("utf-8")
    assert "<svg" in page and 'data-country="FR"' in page and 'data-country="KE"' in page
    assert "<circle" in page and summary.input_sha256 in page
    assert not re.search(r"https?:", page) and "<script" not in page and "<link" not in page
    frame = pd.read_csv(io.BytesIO(report_bytes(report, "csv")))
    assert set(frame["country"]) == {"FR", "KE"} and set(frame["level"]) == {"country"}
    assert frame.groupby(["country", "feature"])["panel_share"].sum().round(4).eq(1).all()
    assert frame["input_sha256"].str.contains(summary.input_sha256).any()
    # Balance tests: one test per unit and criterion, carried on each of its category rows.
    assert frame["p_value"].between(0, 1).all() and frame["tvd"].between(0, 1).all()
    assert set(frame["test"]) <= {"exact", "monte_carlo", "chi_square"}
    assert frame.groupby(["country", "feature"])["p_value"].nunique().eq(1).all()
    assert "Balance tests" in page and "Wilson score" in page
    book = openpyxl.load_workbook(io.BytesIO(report_bytes(report, "xlsx")))
    assert book.sheetnames == ["units", "balance", "gaps", "tests", "sites", "provenance"]
    provenance = list(book["provenance"].values)
    assert summary.input_sha256 in {row[8] for row in provenance[1:]}
    pdf = report_bytes(report, "pdf")
    assert pdf.startswith(b"%PDF")
    words = pdf_text(pdf)
    assert "FR-lyon" in words and "Provenance" in words and summary.input_sha256[:20] in words
    assert "Balance tests" in words
    text = _pdf_text(pdf)
    # The world map, drawn as vector paths: thousands of segments, filled per country.
    segments = len(re.findall(r" [lc](?=\s)", text))
    assert segments > 2000, segments
    for suffix in ("html", "csv", "xlsx", "pdf"):
        assert write_report(report, tmp_path / f"r.{suffix}") == suffix
    with pytest.raises(KleroError) as caught:
        write_report(report, tmp_path / "r.docx")
    assert caught.value.code == "report_format_unknown"


def test_klero_report_writes_the_file(
    reported: tuple[World, uc.RunSummary, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world, _, _ = reported
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    out = tmp_path / "report.html"
    common = ["report", "--deliberation", DELIBERATION, "--database-url", world.db.url]
    common += ["--user", "eve", "--out", str(out)]
    assert main([*common, "--level", "region"]) == 0
    assert "<svg" in out.read_text("utf-8")
    assert "3 sites" in capsys.readouterr().out
    assert main([*common, "--level", "planet"]) == 2
    assert main([*common[:-2], "--out", str(tmp_path / "report.odt")]) == 2


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "1 unit, 1 site, 1 run)"), ("fr", "1 unité, 1 site, 1 tirage)")],
)
def test_klero_report_counts_one_unit_in_the_singular(
    selected_world: tuple[World, uc.RunSummary],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    said: str,
) -> None:
    """One country, one site, one run: each count takes its singular form (issue 15)."""
    world, _ = selected_world
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_LANG", lang)
    command = ["report", "--deliberation", DELIBERATION, "--database-url", world.db.url]
    command += ["--user", "eve", "--out", str(tmp_path / "report.csv"), "--level", "country"]
    assert main(command) == 0
    out = capsys.readouterr().out
    assert said in out, out


def test_languages_right_to_left_the_pdf_s_fonts_and_labels(
    reported: tuple[World, uc.RunSummary, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arabic pages run right to left; a PDF on a machine without the fonts is English
    and names the package to install; criteria and categories read by their labels in
    the page's language."""
    world, _, _ = reported
    report = _report(world, "global")
    arabic = report_bytes(report, "html", "ar").decode("utf-8")
    assert arabic.startswith("<!doctype html><html lang='ar' dir='rtl'>")
    assert "<html lang='fr' dir='ltr'>" in report_bytes(report, "html", "fr").decode("utf-8")
    mapless = dataclasses.replace(report, sites=[])  # the map's drawing is tested above
    monkeypatch.setenv(FONT_DIRS_ENV, "/nonexistent/fonts")
    text = pdf_text(report_bytes(mapless, "pdf", "ar"))
    assert "This PDF is in English: its fonts cannot write Arabic." in " ".join(text.split())
    assert "fonts-noto-core" in text and "Balance tests" in text
    assert "fonts-noto-core" in pdf_text(report_bytes(mapless, "pdf", "fr"))
    monkeypatch.delenv(FONT_DIRS_ENV)
    # Labels in the reader's language on pages; files keep the codes.
    rows = [LabelRow("gender", "", "fr", "Genre"), LabelRow("gender", "female", "fr", "Femme")]
    uc.set_labels(world.db, world.admin, DELIBERATION, rows)
    report = _report(world, "country")
    french = report_bytes(report, "html", "fr").decode("utf-8")
    assert '<td class="text">Genre</td><td class="text">Femme</td>' in french
    english = report_bytes(report, "html", "en").decode("utf-8")
    assert "Femme" not in english and '<td class="text">gender</td>' in english
    csv = report_bytes(report, "csv", "fr").decode("utf-8")
    assert "Femme" not in csv and ",female," in csv


@needs_fonts
@pytest.mark.parametrize("lang", ["ar", "hi", "zh-Hans", "am"])
def test_the_pdf_report_is_written_in_every_script(
    reported: tuple[World, uc.RunSummary, int], lang: str
) -> None:
    """The report's PDF is in the reader's language and script, Arabic shaped and laid
    out from the right (the title starts at the right, not the left margin)."""
    world, _, _ = reported
    report = dataclasses.replace(_report(world, "country"), sites=[])
    pdf = report_bytes(report, "pdf", lang)
    text = " ".join(pdf_text(pdf).split())
    for code in ("report_section_units", "report_section_provenance", "report_col_seats"):
        assert render(code, {}, lang) in text, (lang, code)
    assert "literacy" in text and "This PDF is in English" not in text
    title_x = line_starts(pdf)[0][0]  # points from the page's left edge (842 wide)
    if lang == "ar":
        assert shaped(pdf) and title_x > 500
    else:
        assert not shaped(pdf) and title_x < 40


def test_no_contact_detail_reaches_any_file(reported: tuple[World, uc.RunSummary, int]) -> None:
    world, _, _ = reported
    for actor in (world.admin, world.partner):  # even those who may see contacts
        report = uc.deliberation_report(world.db, actor, DELIBERATION, "region")
        for kind in ("html", "csv"):
            text = report_bytes(report, kind).decode("utf-8")
            assert "@example.org" not in text and "Rue de la Paix" not in text
            assert "Person 1" not in text and "+33 6" not in text


def test_the_number_of_queries_does_not_grow_with_the_sites(
    reported: tuple[World, uc.RunSummary, int],
) -> None:
    world, _, _ = reported
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(world.db.engine, "before_cursor_execute", count)
    try:
        _report(world, "global", country="KE")  # one site
        one = len(statements)
        statements.clear()
        _report(world, "global")  # three sites, two runs
    finally:
        event.remove(world.db.engine, "before_cursor_execute", count)
    assert len(statements) == one


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ({"min": 0.1, "gini": 0.2, "lottery_min": 0.09, "lottery_gini": 0.25}, (0.09, 0.25)),
        ({"min": 0.1, "gini": 0.2}, (0.1, 0.2)),
    ],
)
def test_the_lottery_s_own_figures_are_preferred(
    figures: dict[str, float], expected: tuple[float, float]
) -> None:
    lowest, gini, source = fairness_of(figures)
    assert (lowest, gini) == expected
    assert source == ("lottery" if "lottery_min" in figures else "optimum")
