"""Public names of a package loaded on first use (PEP 562), so importing it stays cheap.

``sampling`` and ``synthetic_data`` declare their public names once, as the imports of
an ``if TYPE_CHECKING:`` block (what type checkers and editors read); ``lazy_names``
reads that block from the package's source and imports each name from its module on
first use. A caller that needs one name (an enum to parse, a catalogue to read) does not
load the solvers, pandas or Faker behind the others.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def declared(package: str) -> dict[str, str]:
    """``name -> module`` for each ``from module import name`` under the ``if TYPE_CHECKING:``
    of ``package``'s ``__init__`` (the package must be imported)."""
    source = Path(str(sys.modules[package].__file__)).read_text("utf-8")
    where: dict[str, str] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"):
            continue
        for statement in node.body:
            if isinstance(statement, ast.ImportFrom) and statement.module:
                for alias in statement.names:
                    where[alias.asname or alias.name] = statement.module
    return where


def lazy_names(
    package: str,
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """The ``__getattr__``, ``__dir__`` and ``__all__`` of ``package``.

    A name is imported from its module on first use, then kept in the package.
    """
    where = declared(package)

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__, sorted(where)
