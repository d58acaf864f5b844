"""List the modules over ~400 lines and the functions over ~80 (the house rule).

Usage: ``python tools/code_sizes.py [ROOT] [--module-lines N] [--function-lines N]``.
Reads the Python files git tracks under ROOT (default: this checkout), leaving out tests,
migrations and benchmarks; prints one line per offender, longest first, and exits 1 when
there is any (0 otherwise). A function counts from its ``def`` line to its last line,
signature and docstring included; a nested function counts on its own too.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from pathlib import Path

MODULE_LINES = 400
FUNCTION_LINES = 80
LEFT_OUT = ("tests/", "recruitment/migrations/", "benchmarks/")


def tracked_sources(root: Path) -> list[str]:
    """The Python files git tracks under ``root``, tests, migrations and benchmarks aside."""
    listed = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    return [name for name in listed if not name.startswith(LEFT_OUT)]


def offenders(root: Path, module_lines: int, function_lines: int) -> list[tuple[int, str]]:
    """(length, description) of each module and function over its limit, longest first."""
    found: list[tuple[int, str]] = []
    for name in tracked_sources(root):
        text = (root / name).read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > module_lines:
            found.append((lines, f"module {name}: {lines} lines"))
        for node in ast.walk(ast.parse(text, filename=name)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > function_lines:
                    where = f"{name}:{node.lineno} {node.name}"
                    found.append((length, f"function {where}: {length} lines"))
    return sorted(found, key=lambda item: (-item[0], item[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--module-lines", type=int, default=MODULE_LINES)
    parser.add_argument("--function-lines", type=int, default=FUNCTION_LINES)
    args = parser.parse_args(argv)
    found = offenders(args.root, args.module_lines, args.function_lines)
    for _, line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
