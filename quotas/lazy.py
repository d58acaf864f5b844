"""Public names of a package loaded on first use (PEP 562), so importing it stays cheap.

``sampling`` and ``synthetic_data`` list their public names and the module defining
each; a caller that needs one name (an enum to parse, a catalogue to read) does not load
the solvers, pandas or Faker behind the others.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, where: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose name ``n`` lives in ``where[n]``.

    A name is imported from its module on first use, then kept in the package.
    """

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__
