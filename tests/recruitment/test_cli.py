"""The service from the command line alone: set up, import, quotas, select, follow up, verify."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from klero.app import main
from klero.service.panels import select_for_site
from quotas.languages import ENV, PSEUDO
from recruitment import usecases as uc
from recruitment.models import SelectionRun
from sampling import SelectionSettings
from tests.pseudo import OPEN, stray_words, words
from tests.recruitment.conftest import PASSWORD, World, drop_audit_guards, pool_frame, write_pool

MARGINS = """feature,value,share
gender,female,0.5
gender,male,0.5
age,16-34,0.3
age,35-59,0.4
age,60+,0.3
region,north,0.5
region,south,0.5
"""


def _as(monkeypatch: pytest.MonkeyPatch, user: str | None) -> None:
    if user is None:
        monkeypatch.delenv("KLERO_USER", raising=False)
    else:
        monkeypatch.setenv("KLERO_USER", user)


def test_a_new_user_runs_the_whole_workflow_from_the_cli(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KLERO_DATABASE_URL", db_url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_NEW_PASSWORD", PASSWORD)
    _as(monkeypatch, None)
    assert main(["db", "upgrade"]) == 0
    assert main(["user", "create", "--login", "admin", "--role", "admin"]) == 0
    _as(monkeypatch, "admin")
    for args in (
        ["org", "create", "Org A"],
        ["deliberation", "create", "Day"],
        [
            "deliberation",
            "add-country",
            "--deliberation",
            "Day",
            "--code",
            "fr",
            "--name",
            "France",
        ],
        [
            "site",
            "create",
            "--deliberation",
            "Day",
            "--country",
            "FR",
            "--code",
            "FR-lyon",
            "--name",
            "Lyon",
            "--panel-size",
            "50",
            "--partner",
            "Org A",
        ],
        ["user", "create", "--login", "alice", "--role", "partner", "--organisation", "Org A"],
        ["user", "create", "--login", "eve", "--role", "evaluator"],
    ):
        assert main(args) == 0, args
    _as(monkeypatch, "alice")
    pool = write_pool(tmp_path / "pool.csv", pool_frame())
    (tmp_path / "margins.csv").write_text(MARGINS)
    assert (
        main(
            [
                "pool",
                "import",
                "--site",
                "FR-lyon",
                "--file",
                str(pool),
                "--address-columns",
                "address",
                "--feature-columns",
                "gender,age,region",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "site",
                "quotas",
                "--site",
                "FR-lyon",
                "--margins",
                str(tmp_path / "margins.csv"),
                "--tolerance-seats",
                "3",
            ]
        )
        == 0
    )
    assert main(["site", "feasibility", "--site", "FR-lyon"]) == 0
    summary = select_for_site("FR-lyon", SelectionSettings(seed=9, alternates=5))
    assert len(summary.selected) == 50 and len(summary.alternates) == 5
    run = str(summary.run_id)
    declined = summary.selected[0]
    assert main(["panel", "set", "--run", run, "--volunteer", declined, "--status", "invited"]) == 0
    assert (
        main(["panel", "set", "--run", run, "--volunteer", declined, "--status", "declined"]) == 0
    )
    capsys.readouterr()
    assert main(["panel", "status", "--site", "FR-lyon"]) == 0
    out = capsys.readouterr().out
    assert "1 vacancy" in out and "1 declined" in out and "5 selected" in out
    assert main(["panel", "export", "--site", "FR-lyon", "--out", str(tmp_path / "p.csv")]) == 0
    assert "contact:email" in pd.read_csv(tmp_path / "p.csv").columns
    _as(monkeypatch, "eve")
    capsys.readouterr()
    assert main(["rerun", run]) == 0
    assert "same panel of 50" in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    assert main(["pool", "import", "--site", "FR-lyon", "--file", str(pool)]) == 4
    assert "Permission denied: eve (evaluator)" in capsys.readouterr().err


def test_cli_errors_are_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KLERO_DATABASE_URL", f"sqlite:///{tmp_path / 'none.sqlite'}")
    monkeypatch.setenv("KLERO_USER", "admin")
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    assert main(["site", "list"]) == 3
    err = capsys.readouterr().err
    assert "klero db upgrade" in err and "Traceback" not in err
    monkeypatch.delenv("KLERO_USER")
    assert main(["site", "list"]) == 2  # the request lacks something: like invalid input
    assert "--user" in capsys.readouterr().err


def test_exit_codes_tell_a_bad_request_from_a_failure(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_NEW_PASSWORD", PASSWORD)
    _as(monkeypatch, "admin")
    capsys.readouterr()
    assert main(["panel", "status", "--site", "XX-nowhere"]) == 2
    assert main(["rerun", "999"]) == 2
    assert main(["user", "create", "--login", "zed", "--role", "emperor"]) == 2
    err = capsys.readouterr().err
    assert "XX-nowhere" in err and "Traceback" not in err


def test_site_create_takes_a_region_and_site_list_shows_it(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    _as(monkeypatch, "admin")
    create = [
        "site",
        "create",
        "--deliberation",
        "Global Day",
        "--country",
        "FR",
        "--name",
        "Paris",
        "--panel-size",
        "60",
        "--partner",
        "Org B",
    ]
    assert main([*create, "--code", "FR-paris", "--region", "  Île-de-France "]) == 0
    capsys.readouterr()
    assert main(["site", "list"]) == 0
    listed = capsys.readouterr().out
    assert "Paris (Île-de-France, FR), panel 60, Org B" in listed
    assert "Lyon (FR), panel 50" in listed  # no region: the country alone
    assert main(["site", "list", "--json"]) == 0
    sites = json.loads(capsys.readouterr().out)["sites"]
    assert [(s["code"], s["region"]) for s in sites] == [
        ("FR-lyon", None),
        ("FR-paris", "Île-de-France"),
    ]
    assert main([*create, "--code", "FR-nice", "--region", "x" * 250]) == 2
    err = capsys.readouterr().err
    assert "at most 200 are allowed" in err and "Traceback" not in err


def test_audit_head_prints_an_anchor_that_verify_checks(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    _as(monkeypatch, "eve")
    capsys.readouterr()
    assert main(["audit", "head"]) == 0
    lines = capsys.readouterr().out.splitlines()
    anchor = lines[0]
    assert anchor.startswith("klero-audit-v1:")
    assert "The chain verifies" in lines[1] and "Publish this anchor" in lines[2]
    assert main(["audit", "head", "--json"]) == 0
    head = json.loads(capsys.readouterr().out)
    assert head["anchor"] == anchor and head["chain_ok"] is True
    sequence = int(anchor.split(":")[1])
    assert head["event_id"] == head["count"] == sequence

    _as(monkeypatch, "admin")
    assert main(["org", "create", "Org C"]) == 0
    _as(monkeypatch, "eve")
    (tmp_path / "anchors.txt").write_text(f"# published on the public page\n{anchor}\n")
    capsys.readouterr()
    assert main(["audit", "verify", "--anchor", anchor]) == 0
    assert main(["audit", "verify", "--anchors-file", str(tmp_path / "anchors.txt")]) == 0
    assert "matches every published anchor (1)" in capsys.readouterr().out

    # The newest event and its anchor's event deleted, the protections put back to cover
    # the tracks: only the anchor shows it.
    drop_audit_guards(world)
    with world.db.unit_of_work() as session:
        session.execute(text("DELETE FROM audit_event WHERE id >= :n"), {"n": sequence})
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "intact" in out and "Without a published anchor" in out
    assert main(["audit", "verify", "--anchor", anchor]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert f"the events after #{sequence - 1} were deleted" in first and anchor in first
    assert main(["audit", "verify", "--anchor", anchor, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["anchors"][0]["code"] == "audit_anchor_truncated"


def test_audit_anchors_malformed_or_forbidden_are_one_clear_message(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    _as(monkeypatch, "eve")
    (tmp_path / "anchors.txt").write_text("klero-audit-v1:3:abc\n")
    capsys.readouterr()
    args = ["audit", "verify", "--anchor", "3:abc", "--anchors-file", str(tmp_path / "anchors.txt")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "'3:abc' is not an audit anchor" in err and "Line 1: 'klero-audit-v1:3:abc'" in err
    assert "Traceback" not in err
    assert main(["audit", "verify", "--anchors-file", str(tmp_path / "none.txt")]) == 2
    assert "none.txt does not exist" in capsys.readouterr().err
    drop_audit_guards(world)
    with world.db.unit_of_work() as session:
        session.execute(text("DELETE FROM audit_event WHERE id = 3"))
    assert main(["audit", "head"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("The audit trail is broken at event 4") and "Do not publish" in out
    _as(monkeypatch, "alice")
    assert main(["audit", "head"]) == 4
    assert "Permission denied: alice (partner) may not verify the audit trail" in (
        capsys.readouterr().err
    )


def test_select_for_a_site_takes_dropout_rates(
    ready: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KLERO_DATABASE_URL", ready.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    _as(monkeypatch, "alice")
    rates = tmp_path / "rates.csv"
    rates.write_text("feature,value,rate\nage,16-34,0.4\n")
    args = ["select", "--site", "FR-lyon", "--alternates", "3", "--seed", "8", "--json"]
    assert main([*args, "--dropout-rates", str(rates)]) == 0
    run_id = json.loads(capsys.readouterr().out)["run_id"]
    with ready.db.unit_of_work() as session:
        run = session.get(SelectionRun, run_id)
        assert run is not None and run.status == "succeeded"
        assert run.settings["alternates_dropout"] == [["*", "*", 0.15], ["age", "16-34", 0.4]]
    rates.write_text("feature,value,rate\nage,99+,0.4\n")
    assert main([*args, "--dropout-rates", str(rates)]) == 2
    assert "99+" in capsys.readouterr().err


def test_select_for_a_site_draws_a_progress_bar_on_a_terminal(
    ready: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    summary = select_for_site(
        "FR-lyon",
        SelectionSettings(seed=4, alternates=2),
        database_url=ready.db.url,
        user="alice",
        progress=True,
    )
    assert len(summary.selected) == 50
    drawn = terminal.getvalue()
    assert "\r" in drawn and "100%" in drawn and drawn.endswith("\n")
    assert capsys.readouterr().out == ""  # stdout stays clean for the summary or JSON
    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    select_for_site("FR-lyon", SelectionSettings(seed=5), database_url=ready.db.url, user="alice")
    assert quiet.getvalue() == ""  # --json: no bar


def test_listings_speak_the_chosen_language(
    selected_world: tuple[World, uc.RunSummary],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``runs``, ``site list`` and ``audit`` rows come from the catalogue: in French, and
    in the pseudo-language nothing outside its markers but data."""
    world, summary = selected_world
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    _as(monkeypatch, "admin")
    monkeypatch.setenv(ENV, "fr")
    capsys.readouterr()
    assert main(["runs", "--site", "FR-lyon"]) == 0
    run = capsys.readouterr().out
    assert f"tirage {summary.run_id} : réussi (leximin, " in run and "suppléants" in run
    assert main(["site", "list"]) == 0
    assert f"dernier tirage {summary.run_id} réussi" in capsys.readouterr().out
    assert main(["audit", "head"]) == 0
    head = capsys.readouterr().out
    assert "La chaîne est vérifiée." in head and "Publiez cette ancre" in head
    monkeypatch.setenv(ENV, PSEUDO)
    data = words(["FR-lyon", "Lyon", "FR", "Org A", "leximin", "admin", world.db.url])
    for args in (["runs", "--site", "FR-lyon"], ["site", "list"], ["audit", "verify"]):
        assert main(args) == 0, args
        lines = capsys.readouterr().out.splitlines()
        assert lines and all(OPEN in line for line in lines), (args, lines)
        assert not [line for line in lines if stray_words(line, data)], (args, lines)
