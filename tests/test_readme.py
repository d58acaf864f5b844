"""The README's command-line examples run as written, with the exit codes it states."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KLERO = Path(sys.executable).parent / "klero"


def readme_commands() -> list[tuple[str, int]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ klero "):
                command, _, comment = line[2:].partition("#")
                found = re.search(r"exits (\d+)", comment)
                commands.append((command.strip(), int(found.group(1)) if found else 0))
    return commands


def test_readme_has_examples() -> None:
    names = {shlex.split(c)[1] for c, _ in readme_commands()}
    assert {"check", "quotas", "select", "synth"} <= names


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for all README commands, in order: later ones use earlier outputs."""
    path = tmp_path_factory.mktemp("readme")
    for folder in ("recruitment", "tests"):
        (path / folder).symlink_to(ROOT / folder)
    return path


@pytest.mark.parametrize(("command", "expected"), readme_commands())
def test_readme_example_runs(command: str, expected: int, workdir: Path) -> None:
    tmp_path = workdir
    args = shlex.split(command)
    result = subprocess.run(
        [str(KLERO), *args[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == expected, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for flag in ("--out-dir", "--out"):
        if flag in args:
            assert (tmp_path / args[args.index(flag) + 1]).exists()


def test_make_run_demo(tmp_path: Path) -> None:
    from recruitment.demo_run import run_demo

    assert run_demo(tmp_path / "demo") == 0
    assert (tmp_path / "demo" / "panel.csv").exists()
