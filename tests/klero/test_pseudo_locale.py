"""The command line in the pseudo-language: what it prints comes from a catalogue or the data.

``KLERO_LANG=qps`` puts every catalogue string between markers (``tests/pseudo.py``); a
word printed outside them must be data: the input files' criteria, categories and paths,
a language's name, a number or an id. Covered: ``klero check`` (valid, invalid,
infeasible), ``klero quotas``, ``select``, ``verify``, ``languages``, the errors every
command reports and a few service commands run against a SQLite database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

from klero.app import app, main
from quotas.languages import ENV, PSEUDO
from quotas.messages import codes
from recruitment.security import set_password_cost
from tests.pseudo import CLOSE, OPEN, language_words, stray_words, unmarked, words
from tests.recruitment.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "recruitment" / "data"
README = ROOT / "tests" / "data" / "readme"
FILES = [
    EXAMPLE / "example_pool.csv",
    EXAMPLE / "example_quotas.csv",
    EXAMPLE / "example_margins.csv",
    README / "pool_old_women.csv",
    README / "quotas_old_women.csv",
]


def _data(tmp_path: Path) -> set[str]:
    texts = [p.read_text("utf-8") for p in FILES]
    texts += [str(p) for p in FILES] + [str(tmp_path)]
    codes = {"leximin", "scaled", "optimised", PSEUDO}  # option values, printed as given
    return words(texts) | language_words() | codes


def test_the_check_finds_text_outside_the_catalogue() -> None:
    assert unmarked(f"{OPEN}a {OPEN}b{CLOSE} c{CLOSE} FR-lyon") == " FR-lyon"
    data = {"fr", "lyon"}
    assert not stray_words(f"{OPEN}Sites{CLOSE} · 12 · FR-lyon · 3b94f0", data)
    assert stray_words(f"{OPEN}Sites{CLOSE} all countries", data) == ["all", "countries"]


def _commands(tmp_path: Path) -> list[tuple[list[str], int]]:
    pool, quotas = str(EXAMPLE / "example_pool.csv"), str(EXAMPLE / "example_quotas.csv")
    broken = tmp_path / "broken.csv"
    broken.write_text("id,gender\n1,female\n1,male\n", "utf-8")
    return [
        (["check", "--pool", pool, "--quotas", quotas, "--size", "30"], 0),
        (
            [
                *("check", "--pool", str(README / "pool_old_women.csv")),
                *("--quotas", str(README / "quotas_old_women.csv"), "--size", "20"),
            ],
            1,
        ),
        (["check", "--pool", str(broken), "--quotas", quotas, "--size", "30"], 2),
        (["check", "--pool", str(tmp_path / "absent.csv"), "--quotas", quotas, "--size", "3"], 2),
        (
            [
                *("quotas", "--margins", str(EXAMPLE / "example_margins.csv"), "--size", "30"),
                *("--out", str(tmp_path / "quotas.csv")),
            ],
            0,
        ),
        (
            [
                *("select", "--pool", pool, "--quotas", quotas, "--size", "30", "--seed", "1"),
                *("--alternates", "3", "--out-dir", str(tmp_path / "panel")),
            ],
            0,
        ),
        (["verify", "--out-dir", str(tmp_path / "panel")], 0),
        (["languages"], 0),
        (["languages", "--language", "xx"], 2),
    ]


def test_commands_print_only_catalogue_strings_and_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV, PSEUDO)
    data = _data(tmp_path)
    strays = []
    for args, expected in _commands(tmp_path):
        assert main(args) == expected, args
        printed = capsys.readouterr()
        lines = (printed.out + printed.err).splitlines()
        assert any(OPEN in line for line in lines), args
        strays += [(args[0], line) for line in lines if stray_words(line, data)]
    assert not strays, strays


def _service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migrated SQLite database with an admin signed in (the set-up prints are not checked)."""
    set_password_cost(2**4)
    monkeypatch.setenv("KLERO_DATABASE_URL", f"sqlite:///{tmp_path / 'klero.db'}")
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_NEW_PASSWORD", PASSWORD)
    monkeypatch.delenv("KLERO_USER", raising=False)
    assert main(["db", "upgrade"]) == 0
    assert main(["user", "create", "--login", "admin", "--role", "admin"]) == 0
    monkeypatch.setenv("KLERO_USER", "admin")


SERVICE = [
    ["org", "create", "Org A"],
    ["deliberation", "create", "Day"],
    ["deliberation", "criteria", "--deliberation", "Day"],
    ["deliberation", "add-country", "--deliberation", "Day", "--code", "fr", "--name", "France"],
    [
        *("site", "create", "--deliberation", "Day", "--country", "FR", "--code", "FR-lyon"),
        *("--name", "Lyon", "--panel-size", "50", "--partner", "Org A"),
    ],
    ["user", "create", "--login", "eve", "--role", "evaluator"],
    ["site", "list"],
    ["audit", "verify"],  # (``audit head`` prints the anchor, data, first: tests/recruitment)
]


def test_service_commands_print_only_catalogue_strings_and_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _service(tmp_path, monkeypatch)
    monkeypatch.setenv(ENV, PSEUDO)
    capsys.readouterr()
    data = words(["Org A", "Day", "FR-lyon", "Lyon", "admin", "eve", "evaluator", "France"])
    for args in SERVICE:
        assert main(args) == 0, args
        printed = capsys.readouterr()
        lines = (printed.out + printed.err).splitlines()
        assert lines and all(OPEN in line for line in lines), (args, lines)
        assert not [line for line in lines if stray_words(line, data)], (args, lines)


def test_plan_and_pool_imports_print_only_catalogue_strings_and_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan's rows, the pool's columns table and its problem lines (severity too)."""
    _service(tmp_path, monkeypatch)
    for args in SERVICE[:2]:
        assert main(args) == 0
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "site_code,site_name,country,region,partner,panel_size,kind,languages\n"
        "FR-nice,Nice,FR,,Org A,50,in_person,fr\n",
        "utf-8",
    )
    pool = tmp_path / "pool.csv"
    pool.write_text("id,gender,e-mail\n1,female,a@example.org\n1,male,x\n", "utf-8")
    monkeypatch.setenv(ENV, PSEUDO)
    capsys.readouterr()
    data = words(["Org A", "Day", "FR-nice", "Nice", "id", "gender", "e-mail", str(tmp_path)])
    data |= words(["pool.csv", "plan.csv"])
    commands = [
        (["deliberation", "import-plan", "--deliberation", "Day", "--file", str(plan)], 0),
        (["pool", "import", "--site", "FR-nice", "--file", str(pool)], 2),
    ]
    for args, expected in commands:
        assert main(args) == expected, args
        printed = capsys.readouterr()
        lines = [line for line in (printed.out + printed.err).splitlines() if line.strip()]
        assert len(lines) > 1 and all(OPEN in line for line in lines), (args, lines)
        assert not [line for line in lines if stray_words(line, data)], (args, lines)


def test_service_commands_speak_the_chosen_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _service(tmp_path, monkeypatch)
    monkeypatch.setenv(ENV, "fr")
    capsys.readouterr()
    assert main(["deliberation", "create", "Journée"]) == 0
    assert capsys.readouterr().out == "Délibération 'Journée' créée.\n"
    assert main(["deliberation", "criteria", "--deliberation", "Journée"]) == 0
    assert capsys.readouterr().out == "Les critères de 'Journée' : (aucun).\n"


def test_the_command_list_speaks_the_chosen_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``klero --help`` lists every command with its summary from the catalogue."""
    command = typer.main.get_command(app)
    assert isinstance(command, TyperGroup)
    missing = [n for n in command.commands if f"cli_help_{n}" not in set(codes())]
    assert not missing, missing
    monkeypatch.setenv("COLUMNS", "300")  # one line per command
    monkeypatch.setenv(ENV, "fr")
    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    assert "Vérifier un vivier et ses quotas" in shown and "Les organisations partenaires." in shown
    monkeypatch.setenv(ENV, PSEUDO)
    assert main(["--help"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if "│ " in line]
    listed = [line for line in rows if any(f"│ {n} " in line for n in command.commands)]
    assert len(listed) == len(command.commands), rows
    assert all(OPEN in line for line in listed), listed
