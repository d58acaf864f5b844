"""The klero entry point: every command reachable, service commands listed before they load."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from klero.app import SERVICE_COMMANDS, main, service_group

ROOT = Path(__file__).resolve().parents[2]
FILE_COMMANDS = [
    *("check", "quotas", "select", "verify", "replace", "synth", "weights", "tables"),
    *("languages", "seats", "locations"),
]


def _first_paragraph(text: str | None) -> str:
    return " ".join((text or "").split("\n\n")[0].split())


def test_the_listed_service_commands_are_the_loaded_ones_with_their_own_summaries() -> None:
    group = service_group()
    with typer.Context(group) as ctx:
        loaded = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}
    assert sorted(loaded) == sorted(SERVICE_COMMANDS)
    assert {name: _first_paragraph(c.help if c else None) for name, c in loaded.items()} == (
        SERVICE_COMMANDS
    )


def test_help_lists_every_command_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    listed = re.findall(r"^│ (\S+)  ", out, flags=re.M)
    assert listed == ["--help", *FILE_COMMANDS, *SERVICE_COMMANDS]
    assert "Create a demo deliberation" in out


def test_a_mistyped_service_command_is_suggested(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sitee"]) == 2
    assert "Did you mean 'site'?" in capsys.readouterr().err


def test_python_dash_m_klero_runs_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "klero", "verify", "--out-dir", str(ROOT / "no-such-folder")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "no-such-folder" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["org", "runs", "demo"])
def test_a_service_commands_own_help_opens_with_its_listed_summary(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([name, "--help"]) == 0
    shown = " ".join(line.strip(" │") for line in capsys.readouterr().out.splitlines())
    assert " ".join(SERVICE_COMMANDS[name].split()) in " ".join(shown.split())
