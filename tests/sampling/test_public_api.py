"""``sampling``'s public API: callers outside the package import from ``sampling`` only.

The engine's modules may move or split; the service, the ``klero`` command and the
dashboard see one list of names (``sampling.__all__``), loaded on first use.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import sampling
from quotas.lazy import declared

ROOT = Path(__file__).resolve().parents[2]
CALLERS = ("recruitment", "klero", "dashboard", "synthetic_data", "quotas")


def _deep_imports(path: Path) -> list[str]:
    """``sampling.x`` modules imported by ``path`` (``from sampling import y`` is fine)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sampling."):
            found.append(str(node.module))
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("sampling.")]
    return found


@pytest.mark.parametrize("package", CALLERS)
def test_callers_import_the_public_api_only(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    deep = {str(p.relative_to(ROOT)): _deep_imports(p) for p in files}
    assert not {path: names for path, names in deep.items() if names}


@pytest.mark.parametrize("name", sampling.__all__)
def test_every_public_name_is_defined_where_the_api_says(name: str) -> None:
    value = getattr(sampling, name)
    assert value is getattr(importlib.import_module(declared("sampling")[name]), name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = sampling.no_such_name  # type: ignore[attr-defined]


def test_parsing_a_name_loads_no_solver() -> None:
    code = (
        "import sys; from sampling import Algorithm; Algorithm.parse('nash'); "
        "print(sorted(m for m in ('highspy', 'ortools', 'pulp', 'sampling.engine') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
