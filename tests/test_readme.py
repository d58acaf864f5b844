"""The README's command-line examples run as written, with the exit codes it states."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KLERO = Path(sys.executable).parent / "klero"


def readme_commands() -> list[tuple[str, int, dict[str, str]]]:
    """Every ``$ ...`` line of the README's console blocks, with the exit code it states.

    An ``export`` line is not a command to test: the variables it sets go with every
    command after it, as they would in the reader's shell.
    """
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    exported: dict[str, str] = {}
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            if not line.startswith("$ "):
                continue
            command, _, comment = line[2:].partition("#")
            if command.startswith("export "):
                exported = {**exported, **split_env(command)[0]}
                continue
            found = re.search(r"exits (\d+)", comment)
            code = int(found.group(1)) if found else 0
            commands.append((command.strip(), code, exported))
    return commands


def split_env(command: str) -> tuple[dict[str, str], list[str]]:
    """Leading ``NAME=value`` words (and ``export NAME=value``) become environment."""
    words = shlex.split(command)
    if words[0] == "export":
        words = words[1:]
    env = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    return env, words


def test_readme_has_examples() -> None:
    names = {split_env(c)[1][1] for c, _, _ in readme_commands()}
    assert {"check", "quotas", "select", "synth"} <= names


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for all README commands, in order: later ones use earlier outputs."""
    path = tmp_path_factory.mktemp("readme")
    for folder in ("recruitment", "tests"):
        (path / folder).symlink_to(ROOT / folder)
    return path


@pytest.fixture(scope="module")
def environment(workdir: Path) -> dict[str, str]:
    """The shell environment the README's commands start from."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLERO_")}
    env["KLERO_HOME"] = str(workdir / "home")
    return env


@pytest.mark.parametrize(
    ("command", "expected", "exported"),
    [pytest.param(*case, id=f"{case[0]}-{case[1]}") for case in readme_commands()],
)
def test_readme_example_runs(
    command: str,
    expected: int,
    exported: dict[str, str],
    workdir: Path,
    environment: dict[str, str],
) -> None:
    tmp_path = workdir
    env, args = split_env(command)
    result = subprocess.run(
        [str(KLERO), *args[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**environment, **exported, **env},
    )
    assert result.returncode == expected, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for flag in ("--out-dir", "--out"):
        if flag in args:
            assert (tmp_path / args[args.index(flag) + 1]).exists()


def test_make_run_demo(tmp_path: Path) -> None:
    from klero.demo_run import run_demo

    assert run_demo(tmp_path / "demo") == 0
    assert (tmp_path / "demo" / "panel.csv").exists()
