"""The ``klero`` package's arrows, read from the source: who may import whom.

- Nothing in the project imports ``klero``, and only ``dashboard`` itself imports
  ``dashboard``: both are entry points.
- The file commands (``klero/files``) import ``quotas``, ``sampling``, ``synthetic_data``,
  each other and klero's light shared modules; never ``recruitment``, the service
  commands, nor the database, encryption or web libraries.
- The modules every command loads (``klero.app``, ``klero.select`` and the shared ones)
  import the service side only inside a function, where it loads when a service command
  runs (test_import_cost.py checks what actually loads).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("quotas", "sampling", "synthetic_data", "recruitment", "dashboard", "klero")
HEAVY = {"sqlalchemy", "alembic", "cryptography", "streamlit", "psycopg", "pyotp", "segno"}
# What klero's file commands may import from the project.
FILES_MAY_IMPORT = {"quotas", "sampling", "synthetic_data"}
SHARED = {"klero.options", "klero.output", "klero.progress"}
# Loaded by every klero command, so kept free of the database stack at module level.
ALWAYS_LOADED = [
    *("app.py", "select.py", "listing.py", "options.py", "output.py", "progress.py", "__main__.py"),
    "seats.py",
]


def imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """The modules ``path`` imports (``from a import b`` counts as ``a`` and ``a.b``).

    With ``top_level_only``, imports inside functions (loaded when the function runs)
    are left out.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes: list[ast.AST] = []
    if top_level_only:
        pending: list[ast.AST] = list(tree.body)
        while pending:
            node = pending.pop()
            nodes.append(node)
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                pending.extend(ast.iter_child_nodes(node))
    else:
        nodes = list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules_of(package: str) -> list[Path]:
    found = sorted((ROOT / package).rglob("*.py"))
    assert found, package
    return found


def test_the_probe_sees_imports_at_every_depth() -> None:
    app = ROOT / "klero" / "app.py"
    assert "klero.service.commands" in imports(app)
    assert "klero.service.commands" not in imports(app, top_level_only=True)
    assert "klero.files.check" in imports(app, top_level_only=True)


@pytest.mark.parametrize("package", [p for p in PRODUCT if p != "klero"])
def test_nothing_imports_the_entry_points(package: str) -> None:
    forbidden = {"klero"} if package == "dashboard" else {"klero", "dashboard"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imports(path) if m.split(".")[0] in forbidden
        )
        for path in modules_of(package)
    }
    offenders = {path: names for path, names in offenders.items() if names}
    assert not offenders, f"modules importing an entry point: {offenders}"


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _forbidden_for_file_commands(module: str) -> bool:
    top = module.split(".")[0]
    if top in HEAVY:
        return True
    if top == "klero":
        allowed = ["klero.files", *SHARED]
        return module != "klero" and not any(_within(module, a) for a in allowed)
    return top in PRODUCT and top not in FILES_MAY_IMPORT


def test_file_commands_import_no_database_stack() -> None:
    used = {str(p.relative_to(ROOT)): imports(p) for p in modules_of("klero/files")}
    assert {"check.py", "select.py", "verify.py", "replace.py", "synth.py"} <= {
        Path(path).name for path in used
    }
    assert {m.split(".")[0] for names in used.values() for m in names} >= FILES_MAY_IMPORT
    offenders = {
        path: sorted(m for m in names if _forbidden_for_file_commands(m))
        for path, names in used.items()
    }
    offenders = {path: names for path, names in offenders.items() if names}
    assert not offenders, (
        f"file commands importing beyond quotas/sampling/synthetic_data: {offenders}"
    )


def test_shared_modules_are_light() -> None:
    for name in sorted(SHARED):
        path = ROOT / (name.replace(".", "/") + ".py")
        heavy = {m for m in imports(path) if m.split(".")[0] in {*PRODUCT, *HEAVY} - {"quotas"}}
        assert not heavy, f"{name} imports {sorted(heavy)}"


@pytest.mark.parametrize("name", ALWAYS_LOADED)
def test_modules_every_command_loads_defer_the_service(name: str) -> None:
    eager = imports(ROOT / "klero" / name, top_level_only=True)
    heavy = sorted(
        m
        for m in eager
        if _within(m, "klero.service") or m.split(".")[0] in {*HEAVY, "recruitment"}
    )
    assert not heavy, f"klero/{name} loads {heavy} for every command"
