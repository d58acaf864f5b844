"""tools/code_sizes.py lists the modules and functions over the house limits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "code_sizes.py"


def _checkout(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    subprocess.run(["git", "-C", str(folder), "add", "."], check=True)
    return folder


def _run(folder: Path, *limits: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(TOOL), str(folder), *limits]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_long_modules_and_functions_are_listed_longest_first(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(12))
    files = {
        "pkg/long.py": f"def long():\n{body}    return 0\n",
        "pkg/short.py": "def short():\n    return 0\n",
        "tests/test_long.py": f"def test_long():\n{body}",
        "recruitment/migrations/0001.py": "\n" * 50 + "x = 1\n",
    }
    done = _run(_checkout(tmp_path, files), "--module-lines", "10", "--function-lines", "5")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "function pkg/long.py:1 long: 14 lines",
        "module pkg/long.py: 14 lines",
    ]


def test_nothing_over_the_limits_exits_0(tmp_path: Path) -> None:
    done = _run(_checkout(tmp_path, {"pkg/short.py": "def short():\n    return 0\n"}))
    assert (done.returncode, done.stdout) == (0, "")


def test_this_code_keeps_the_house_limits() -> None:
    done = _run(TOOL.parents[1])
    assert (done.returncode, done.stdout) == (0, ""), done.stdout
