"""More of the command line in the pseudo-language: every line a catalogue string or data.

The commands ``test_pseudo_locale`` leaves out: ``klero seats allocate`` (a file and a
deliberation), ``locations draw``, ``replace``, ``weights`` (files and a site), ``select
--end-to-end`` and ``--all-ready`` (the batch rows), ``panel status`` (seats by kind and
status), ``rerun`` and ``demo`` (its logins); and the options' texts of a command's own
``--help`` (``klero.help_texts``). A word printed outside the markers must be
data: the input files' words and paths, the demo's sites, partners, logins and
passwords, a number or an id. Crossed criteria are named ``gender x age`` in files and
tables (``quotas.model.CROSS``), so ``x`` is data too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup

import recruitment.demo
from klero.app import app, main, service_group
from klero.help_texts import english_help, option_text
from quotas.languages import ENV, PSEUDO
from recruitment.demo import DELIBERATION, create_demo
from recruitment.security import set_password_cost
from synthetic_data import margins_frame
from tests.pseudo import OPEN, stray_words, words

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "tests" / "data" / "readme"
EXAMPLE = ROOT / "recruitment" / "data"


def _run(args: list[str], expected: int, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The lines ``klero ARGS`` prints (it must exit with ``expected``), blank ones left out."""
    assert main(args) == expected, (args, capsys.readouterr())
    printed = capsys.readouterr()
    return [line for line in (printed.out + printed.err).splitlines() if line.strip()]


def _strays(lines: list[str], data: set[str]) -> list[str]:
    return [line for line in lines if stray_words(line, data)]


def _file_commands(out: Path) -> list[tuple[list[str], int]]:
    panel = str(README / "panel.csv")
    census = str(README / "census.csv")
    return [
        (
            [
                *("seats", "allocate", "--population", str(README / "population.csv")),
                *("--total", "800", "--method", "degressive", "--base", "20"),
                *("--maximum", "200", "--out", str(out / "seats.csv")),
            ],
            0,
        ),
        (
            [
                *("locations", "draw", "--places", str(README / "places.csv"), "--count", "3"),
                *("--seed", "7", "--backups", "2", "--out", str(out / "places.csv")),
            ],
            0,
        ),
        (
            [
                *("replace", "--pool", str(EXAMPLE / "example_pool.csv")),
                *("--quotas", str(EXAMPLE / "example_quotas.csv")),
                *("--address-columns", "address,postcode", "--panel", panel),
                *("--dropped", "P0004,P0023", "--out-dir", str(out / "replaced")),
            ],
            0,
        ),
        (
            [
                *("weights", "--panel", panel, "--margins", census, "--trim", "3"),
                *("--crossed", str(README / "census_gender_age.csv")),
                *("--out", str(out / "weights.csv")),
            ],
            0,
        ),
    ]


def test_file_commands_print_only_catalogue_strings_and_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV, PSEUDO)
    files = ["population.csv", "places.csv", "panel.csv", "census.csv", "census_gender_age.csv"]
    texts = [(README / name).read_text("utf-8") for name in files]
    texts += [(EXAMPLE / "example_pool.csv").read_text("utf-8"), str(ROOT), str(tmp_path)]
    data = words(texts) | {"x"}
    strays = []
    for args, expected in _file_commands(tmp_path):
        lines = _run(args, expected, capsys)
        assert sum(OPEN in line for line in lines) >= 2, (args, lines)  # a summary, headings
        strays += _strays(lines, data)
    assert not strays, strays


def test_the_end_to_end_lines_are_in_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``select --end-to-end``: the model's line and its warnings (literacy is sparse)."""
    land = tmp_path / "land"
    synth = ["synth", "--country", "XX", "--size", "600", "--seed", "5", "--panel-size", "40"]
    assert main([*synth, "--no-pii", "--out-dir", str(land)]) == 0
    monkeypatch.setenv(ENV, PSEUDO)
    capsys.readouterr()
    lines = _run(
        [
            *("select", "--pool", str(land / "pool.csv"), "--quotas", str(land / "quotas.csv")),
            *("--size", "40", "--address-columns", "household", "--seed", "2026"),
            *("--end-to-end", "--population-margins", str(land / "margins.csv")),
            *("--out-dir", str(tmp_path / "panel")),
        ],
        0,
        capsys,
    )
    data = words([(land / "margins.csv").read_text("utf-8"), str(tmp_path), "leximin"])
    assert any("q_i p_i" in line and OPEN in line for line in lines), lines
    assert not _strays(lines, data), lines


def _demo_logins(lines: list[str]) -> dict[str, str]:
    """Each login the demo printed and its password (``  LOGIN  PASSWORD  (role...)``)."""
    found = (re.match(r"  (\S+) +(\S+)  \(", line) for line in lines)
    return {m.group(1): m.group(2) for m in found if m}


def test_service_lines_print_only_catalogue_strings_and_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``klero demo`` (two sites, the first one's panel drawn), then the commands on it."""
    set_password_cost(2**4)
    monkeypatch.setenv("KLERO_HOME", str(tmp_path))
    monkeypatch.setenv("KLERO_DATABASE_URL", f"sqlite:///{tmp_path / 'klero.db'}")
    for name in ("KLERO_USER", "KLERO_PASSWORD", "KLERO_TOTP"):
        monkeypatch.delenv(name, raising=False)
    small = functools.partial(
        create_demo, pool_size=120, sites=("FR-lyon", "KE-nairobi"), select="first"
    )
    monkeypatch.setattr(recruitment.demo, "create_demo", small)
    monkeypatch.setenv(ENV, PSEUDO)
    lines = _run(["demo"], 0, capsys)
    logins = _demo_logins(lines)
    assert {"admin", "coordinator", "partner-fr", "partner-ke"} <= set(logins), lines
    plan = (ROOT / "recruitment" / recruitment.demo.PLAN).read_text("utf-8")
    margins = [margins_frame(c).to_csv() for c in ("FR", "KE")]
    data = words([plan, *margins, *logins, *logins.values(), str(tmp_path), "leximin"])
    data |= {"x", "france", "kenya"}  # the countries' names, as the deliberation holds them
    strays = _strays(lines, data)
    monkeypatch.setenv("KLERO_USER", "admin")
    monkeypatch.setenv("KLERO_PASSWORD", logins["admin"])
    commands = [
        (["panel", "status", "--site", "FR-lyon"], 0),
        (["rerun", "1"], 0),
        (["weights", "--site", "FR-lyon"], 0),
        (["seats", "allocate", "--deliberation", DELIBERATION, "--total", "100"], 0),
        (["select", "--deliberation", DELIBERATION, "--all-ready", "--seed", "3"], 0),
    ]
    for args, expected in commands:
        lines = _run(args, expected, capsys)
        assert any(OPEN in line for line in lines), (args, lines)
        strays += _strays(lines, data)
    assert not strays, strays


def _options(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Each option with a text of ``command`` and of its subcommands, with its command's path."""
    for name, sub in getattr(command, "commands", {}).items():
        yield from _options(sub, (*path, name))
    for param in getattr(command, "params", ()):
        if getattr(param, "help", None) and param.name != "help":
            yield path, param


def test_the_options_partners_use_most_are_in_the_catalogue() -> None:
    """Every option of ``select``, ``check``, ``panel``, ``pool`` and ``site`` (registration,
    consent, meeting and messages too) has its text in the catalogue."""
    top = typer.main.get_command(app)
    assert isinstance(top, TyperGroup)
    commands = {name: top.commands[name] for name in ("select", "check")}
    commands |= {name: service_group().commands[name] for name in ("panel", "pool", "site")}
    options = [found for name, c in commands.items() for found in _options(c, (name,))]
    assert len(options) > 100
    missing = [
        (path, param.name)
        for path, param in options
        # Its English text: an earlier test in this process may have shown it in another
        # language (the service commands are built once per process).
        if not option_text(
            path, param.name.rstrip("_"), english_help(param) or "", PSEUDO
        ).startswith(OPEN)
    ]
    assert not missing, missing


def test_a_command_s_help_shows_its_options_in_the_chosen_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``select --help`` (a file command) and ``pool import --help`` (a service command,
    loaded on demand); an option the catalogue's English does not match stays as it is."""
    monkeypatch.setenv("COLUMNS", "300")  # one line per option
    monkeypatch.setenv(ENV, "fr")
    assert main(["select", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "Graine du tirage." in shown and "Seed of the draw." not in shown
    assert main(["pool", "import", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "Code du site, par ex. FR-lyon." in shown and "Afficher un seul objet JSON." in shown
    assert option_text(("select",), "seed", "Another text.", "fr") == "Another text."
    monkeypatch.setenv(ENV, "en")  # the service command's options, back in English
    assert main(["pool", "import", "--help"]) == 0
    assert "Site code, e.g. FR-lyon." in capsys.readouterr().out
