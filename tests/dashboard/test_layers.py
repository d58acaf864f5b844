"""The dashboard selects through the use cases, never by calling the selection engine itself.

A page that drew a lottery on its own would skip what the service guarantees: the run
recorded before it is computed, one pipeline (``sampling.pipeline``), the audit trail.
"""

from __future__ import annotations

import ast
from pathlib import Path

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"
# What a page may take from ``sampling``: names to parse, the settings a selection use
# case takes (a plain value), figures of probabilities, and the engine version a printed
# report names (a constant).
ALLOWED = {
    "sampling.ENGINE",
    "sampling.Algorithm",
    "sampling.AlternatesMethod",
    "sampling.SelectionSettings",
    "sampling.PropensityModel",  # part of the settings: the end-to-end model (a plain value)
    "sampling.fairness_metrics",
}


def _sampling_imports(path: Path) -> set[str]:
    """The ``sampling`` modules a file imports (``from sampling import x`` counts as x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "sampling":
            found.update(f"sampling.{a.name}" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sampling."):
            found.add(str(node.module))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "sampling")
    return found


def test_no_dashboard_module_imports_the_selection_engine() -> None:
    modules = sorted(DASHBOARD.rglob("*.py"))
    assert any(p.name == "selection.py" for p in modules)  # the page that runs selections
    used = {str(p.relative_to(DASHBOARD)): _sampling_imports(p) for p in modules}
    assert {name for names in used.values() for name in names} >= {"sampling.Algorithm"}
    forbidden = {path: sorted(names - ALLOWED) for path, names in used.items() if names - ALLOWED}
    assert not forbidden, f"dashboard modules importing the engine: {forbidden}"
