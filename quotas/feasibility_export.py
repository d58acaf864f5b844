"""The exact feasibility model of a pool and quota table, written as .lp or .mps for any solver.

The same integer program as ``quotas.feasibility`` checks (the panel polytope over types),
with readable names, so that a person can check our answer with a solver of their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pulp

from quotas.feasibility import Prepared, prepare
from quotas.model import QuotaTable
from quotas.problems import KleroError
from quotas.solvers import new_pulp_problem

__all__ = ["export_model"]


def _name(text: str, taken: set[str]) -> str:
    """An LP/MPS-safe, unique name that still reads like the category it stands for."""
    for sign, word in (("+", "plus"), ("<", "lt"), (">", "gt"), ("=", "eq"), ("%", "pct")):
        text = text.replace(sign, word)
    base = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")[:200] or "x"
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name.casefold())
    return name


@dataclass(frozen=True)
class _Units:
    """The pool's types numbered as the people were given (pools sort people by id).

    Type ``types[u]`` is variable ``u``; ``rows[u]`` are its people's rows as given.
    """

    types: list[int]
    rows: list[list[int]]
    first_id: list[str]  # id of each variable's first person as given
    households: list[list[int]]  # variables of each shared household, as given
    number: np.ndarray  # per type: its variable

    @classmethod
    def of(cls, inst: Prepared) -> _Units:
        type_of = inst.pool.type_of
        given = inst.input_row
        by_type: list[list[int]] = [[] for _ in range(inst.shape.n_types)]
        for r in np.argsort(given, kind="stable").tolist():
            by_type[int(type_of[r])].append(r)
        types = sorted(range(len(by_type)), key=lambda t: int(given[by_type[t][0]]))
        number = np.empty(len(types), dtype=np.int64)
        number[types] = np.arange(len(types))
        homes = [
            sorted(rows.tolist(), key=lambda r: int(given[r])) for rows in inst.pool.households()
        ]
        homes.sort(key=lambda rows: int(given[rows[0]]))
        return cls(
            types=types,
            rows=[[int(given[r]) for r in by_type[t]] for t in types],
            first_id=[inst.pool.ids[by_type[t][0]] for t in types],
            households=[[int(number[type_of[r]]) for r in rows] for rows in homes],
            number=number,
        )

    def members(self, types: np.ndarray) -> list[int]:
        """The variables of ``types``, ascending."""
        return sorted(int(u) for u in self.number[types])


def export_model(
    people: pd.DataFrame,
    quotas: QuotaTable,
    size: int,
    path: str | Path,
    *,
    households: Sequence[object] | None = None,
) -> Path:
    """Write the exact feasibility model as ``.lp`` or ``.mps`` (by suffix) for any solver.

    A variable counts the people chosen of one type (``type_<n>_<values>``) or is one
    person of a shared household (``person_<id>``); constraints are named
    ``min_<feature>_<value>``, ``max_<feature>_<value>``, ``panel_size`` and
    ``household_<n>``. A comment block at the top lists each type's feature values.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".lp", ".mps"):
        raise KleroError("feasibility_export_suffix", path=str(path))
    inst = prepare(people, quotas, size, households)
    units = _Units.of(inst)
    problem = new_pulp_problem("panel_feasibility")
    taken: set[str] = set()
    shared = {u for members in units.households for u in members}
    variables: list[pulp.LpVariable] = []
    legend: list[str] = []
    for u, (t, rows) in enumerate(zip(units.types, units.rows, strict=True)):
        values = [
            quotas.values(f)[int(c)]
            for f, c in zip(quotas.features, inst.shape.vectors[t], strict=True)
        ]
        if u in shared:
            name = _name(f"person_{units.first_id[u]}", taken)
        else:
            name = _name(f"type_{u}_" + "_".join(values), taken)
        described = ", ".join(f"{f} = {v}" for f, v in zip(quotas.features, values, strict=True))
        legend.append(
            f"{name}: {described} ({len(rows)} {'person' if len(rows) == 1 else 'people'})"
        )
        variables.append(problem.add_variable(name, 0, len(rows), cat=pulp.LpInteger))
    problem += pulp.lpSum(variables) * 0  # nothing to optimise: any panel will do
    problem += pulp.lpSum(variables) == size, _name("panel_size", taken)
    for q in quotas:
        chosen = pulp.lpSum(variables[int(u)] for u in units.members(inst.members(q.category)))
        problem += chosen >= q.min, _name(f"min_{q.feature}_{q.value}", taken)
        problem += chosen <= q.max, _name(f"max_{q.feature}_{q.value}", taken)
    for n, home in enumerate(units.households, start=1):
        problem += pulp.lpSum(variables[u] for u in home) <= 1, _name(f"household_{n}", taken)
    if suffix == ".lp":
        problem.writeLP(str(path))
        mark = "\\"
    else:
        problem.writeMPS(str(path))
        mark = "*"
    header = [
        "Kleroterion panel feasibility model: any solution is a panel meeting every quota.",
        f"Panel size {size}; {len(inst.ids)} people in {len(variables)} variables.",
        *legend,
    ]
    text = path.read_text("utf-8")
    path.write_text("".join(f"{mark} {line}\n" for line in header) + text, "utf-8")
    return path
