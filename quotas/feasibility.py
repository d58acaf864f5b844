"""Whether any panel from a pool meets a quota table, why not, and what least change would help.

People come as a DataFrame with one column per quota feature (values matching the
table's categories after ``normalise``) and optional household keys. The exact check is
an integer program over *types* (people with the same feature vector), with people in
shared households kept as individuals, at most one per household.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pulp
from ortools.linear_solver import pywraplp

from quotas.explain import (
    Bound,
    FeasibilityResult,
    QuotaChange,
    Relaxation,
    explain_conflict,
)
from quotas.model import Category, QuotaTable, validate_quotas
from quotas.problems import EnvironmentFailure, InvalidInput, KleroError, Problem, errors_only

__all__ = [
    "FeasibilityResult",
    "QuotaChange",
    "Relaxation",
    "check_feasibility",
    "export_model",
]

_QUOTA_CODES = ("quota_min_above_max", "quota_sum_min_above_size", "quota_sum_max_below_size")


@dataclass(frozen=True)
class _Instance:
    """A pool prepared for the model: units are types, or single people in shared households."""

    quotas: QuotaTable
    size: int
    ids: tuple[str, ...]
    codes: np.ndarray  # people x features: index of each person's value in quotas.values(f)
    home: np.ndarray  # per person: household unit number; people living alone get their own
    unit_rows: list[list[int]]  # people of each unit, in pool order
    unit_counts: np.ndarray
    unit_vectors: np.ndarray  # units x features
    households: list[list[int]]  # units of each shared household
    has_households: bool

    def members(self, category: Category) -> np.ndarray:
        """Units in a category."""
        f = self.quotas.features.index(category.feature)
        j = self.quotas.values(category.feature).index(category.value)
        return np.flatnonzero(self.unit_vectors[:, f] == j)

    def _in(self, category: Category) -> np.ndarray:
        f = self.quotas.features.index(category.feature)
        return self.codes[:, f] == self.quotas.values(category.feature).index(category.value)

    def count(
        self, require: Sequence[Sequence[Category]], exclude: Sequence[Category] = ()
    ) -> tuple[int, int]:
        """People (and households) in a category of each ``require`` group, none of ``exclude``."""
        mask = np.ones(len(self.ids), dtype=bool)
        for group in require:
            mask &= np.logical_or.reduce([self._in(c) for c in group])
        for cat in exclude:
            mask &= ~self._in(cat)
        return int(mask.sum()), len(np.unique(self.home[mask]))

    def bounds(self) -> list[Bound]:
        """Every constraint that can matter: the size, minimums above 0, maximums below the pool."""
        out = [Bound("size", amount=self.size)]
        for q in self.quotas:
            available = int(self.unit_counts[self.members(q.category)].sum())
            if q.min > 0:
                out.append(Bound("min", q.feature, q.value, int(q.min)))
            if q.max < available:
                out.append(Bound("max", q.feature, q.value, int(q.max)))
        return out


def _is_blank(key: object) -> bool:
    return key is None or key == "" or (isinstance(key, float) and math.isnan(key))


def _prepare(
    people: pd.DataFrame, quotas: QuotaTable, size: int, households: Sequence[object] | None
) -> _Instance:
    """Match people's values to the table's categories; raise InvalidInput with every problem."""
    problems = [p for p in validate_quotas(quotas, size) if p.code == "panel_size_invalid"]
    columns = {quotas.feature_name(str(c)): c for c in people.columns}
    features = quotas.features
    ids = tuple(str(i) for i in people.index)
    codes = np.zeros((len(people), len(features)), dtype=np.int64)
    for f, feature in enumerate(features):
        if feature not in columns:
            problems.append(Problem("feasibility_feature_missing", {"feature": feature}))
            continue
        index = {v: j for j, v in enumerate(quotas.values(feature))}
        seen: dict[object, str | None] = {}  # a pool repeats few values: normalise each once
        for row, raw in enumerate(people[columns[feature]].tolist()):
            if raw not in seen:
                seen[raw] = quotas.lookup(feature, raw)
            found = seen[raw]
            if found is None:
                known = ", ".join(quotas.values(feature))
                params = {"person": ids[row], "feature": feature, "value": str(raw), "known": known}
                problems.append(Problem("feasibility_value_unknown", params))
            else:
                codes[row, f] = index[found]
    keys = list(households) if households is not None else [None] * len(ids)
    if len(keys) != len(ids):
        problems.append(
            Problem("feasibility_households_length", {"given": len(keys), "people": len(ids)})
        )
    if errors_only(problems):
        raise InvalidInput(problems)
    members: dict[object, list[int]] = {}
    for row, key in enumerate(keys):
        if not _is_blank(key):
            members.setdefault(key, []).append(row)
    shared = sorted((rows for rows in members.values() if len(rows) > 1), key=lambda r: r[0])
    home = np.arange(len(ids), dtype=np.int64)
    for rows in shared:
        home[rows] = rows[0]
    in_shared = {row for rows in shared for row in rows}
    by_vector: dict[tuple[int, ...], int] = {}
    unit_rows: list[list[int]] = []
    vectors: list[tuple[int, ...]] = []
    unit_of: dict[int, int] = {}
    for row in range(len(ids)):
        vector = tuple(int(c) for c in codes[row])
        unit = None if row in in_shared else by_vector.get(vector)
        if unit is None:
            unit = len(unit_rows)
            unit_rows.append([])
            vectors.append(vector)
            if row not in in_shared:
                by_vector[vector] = unit
        unit_rows[unit].append(row)
        unit_of[row] = unit
    return _Instance(
        quotas=quotas,
        size=size,
        ids=ids,
        codes=codes,
        home=home,
        unit_rows=unit_rows,
        unit_counts=np.array([len(r) for r in unit_rows], dtype=np.int64),
        unit_vectors=np.array(vectors, dtype=np.int64).reshape(len(vectors), len(features)),
        households=[[unit_of[row] for row in rows] for rows in shared],
        has_households=bool(shared),
    )


def _fast_checks(inst: _Instance) -> list[Problem]:
    """Necessary conditions that are cheap to test, each a problem with its numbers."""
    quotas, size, people = inst.quotas, inst.size, len(inst.ids)
    problems = [p for p in validate_quotas(quotas, size) if p.code in _QUOTA_CODES]
    reported = {p.params.get("feature") for p in problems}

    def add(code: str, **params: Any) -> None:
        problems.append(Problem(code, params))

    if people < size:
        add("feasibility_pool_too_small", people=people, size=size, missing=size - people)
    available = {q.category: int(inst.unit_counts[inst.members(q.category)].sum()) for q in quotas}
    for q in quotas:
        count = available[q.category]
        if count < q.min:
            category, missing = str(q.category), q.min - count
            add(
                "feasibility_category_short",
                count=count,
                category=category,
                min=q.min,
                missing=missing,
            )
    for feature in quotas.features:
        total = sum(
            max(0, min(q.max, available[q.category])) for q in quotas if q.feature == feature
        )
        if people >= size > total and feature not in reported:
            add("feasibility_feature_short", feature=feature, total=total, size=size)
    homes = len(np.unique(inst.home))
    if inst.has_households and people >= size > homes:
        add("feasibility_households_too_few", people=people, households=homes, size=size)
    return problems


_SOLVED = pywraplp.Solver.OPTIMAL


def _row(solver: Any, lo: float, hi: float, terms: Sequence[tuple[Any, float]]) -> Any:
    row = solver.Constraint(lo, hi)
    for var, coefficient in terms:
        row.SetCoefficient(var, coefficient)
    return row


def _base(inst: _Instance, time_limit: float) -> tuple[Any, list[Any]]:
    """A CBC model with one variable per unit and the at-most-one-per-household rows."""
    solver = pywraplp.Solver.CreateSolver("CBC")
    if solver is None:  # pragma: no cover - CBC ships with OR-Tools
        raise RuntimeError("OR-Tools was built without CBC")
    solver.SetTimeLimit(int(time_limit * 1000))
    x = [solver.IntVar(0, int(c), f"u{u}") for u, c in enumerate(inst.unit_counts)]
    for home in inst.households:
        _row(solver, 0, 1, [(x[u], 1) for u in home])
    return solver, x


class _Model:
    """The panel integer program over units, with each bound switchable on and off."""

    def __init__(self, inst: _Instance, time_limit: float) -> None:
        self.time_limit = time_limit
        self.solver, x = _base(inst, time_limit)
        inf = self.solver.infinity()
        self.rows: dict[Bound, tuple[Any, float, float]] = {}
        for bound in inst.bounds():
            units = inst.members(bound.category) if bound.kind != "size" else range(len(x))
            lo = bound.amount if bound.kind in ("min", "size") else -inf
            hi = bound.amount if bound.kind in ("max", "size") else inf
            row = _row(self.solver, lo, hi, [(x[int(u)], 1) for u in units])
            self.rows[bound] = (row, lo, hi)
        self._cache: dict[frozenset[Bound], bool] = {}

    def feasible(self, active: Collection[Bound]) -> bool:
        """Whether a panel meets the ``active`` bounds (households and pool counts always hold)."""
        key = frozenset(active)
        if key not in self._cache:
            inf = self.solver.infinity()
            for bound, (row, lo, hi) in self.rows.items():
                row.SetBounds(*((lo, hi) if bound in key else (-inf, inf)))
            status = self.solver.Solve()
            if status not in (_SOLVED, pywraplp.Solver.FEASIBLE, pywraplp.Solver.INFEASIBLE):
                raise EnvironmentFailure("feasibility_timeout", seconds=self.time_limit)
            self._cache[key] = status != pywraplp.Solver.INFEASIBLE
        return self._cache[key]

    def conflict(self, candidates: list[Bound]) -> list[Bound]:
        """A minimal infeasible subset of ``candidates`` by QuickXplain (Junker 2004).

        It needs about k log(n/k) solves for a conflict of k among n bounds, against n for
        a plain deletion filter; earlier candidates are preferred in the answer.
        """

        def split(background: list[Bound], added: bool, rest: list[Bound]) -> list[Bound]:
            if added and not self.feasible(background):
                return []
            if len(rest) == 1:
                return rest
            first, second = rest[: len(rest) // 2], rest[len(rest) // 2 :]
            found_second = split(background + first, True, second)
            found_first = split(background + found_second, bool(found_second), first)
            return found_first + found_second

        return split([], False, candidates)


def _relax(inst: _Instance, time_limit: float) -> Relaxation | None:
    """The change of bounds with fewest seats (then fewest bounds) after which a panel exists."""
    solver, x = _base(inst, time_limit)
    _row(solver, inst.size, inst.size, [(var, 1) for var in x])
    bounds = [b for b in inst.bounds() if b.kind != "size"]
    weight = len(bounds) + 1  # one seat costs more than changing every bound once
    slacks: list[tuple[Bound, Any]] = []
    objective = solver.Objective()
    inf = solver.infinity()
    for n, bound in enumerate(bounds):
        members = inst.members(bound.category)
        terms = [(x[int(u)], 1) for u in members]
        if bound.kind == "min":
            room = bound.amount
            slack = solver.IntVar(0, room, f"lower{n}")
            _row(solver, bound.amount, inf, [*terms, (slack, 1)])
        else:
            room = int(inst.unit_counts[members].sum()) - bound.amount
            slack = solver.IntVar(0, room, f"raise{n}")
            _row(solver, -inf, bound.amount, [*terms, (slack, -1)])
        changed = solver.BoolVar(f"changed{n}")
        _row(solver, -inf, 0, [(slack, 1), (changed, -room)])
        objective.SetCoefficient(slack, weight)
        objective.SetCoefficient(changed, 1)
        slacks.append((bound, slack))
    objective.SetMinimization()
    status = solver.Solve()
    if status == pywraplp.Solver.INFEASIBLE:
        return None
    if status != _SOLVED:
        raise EnvironmentFailure("feasibility_timeout", seconds=time_limit)
    moved = {(b.kind, b.category): round(s.solution_value()) for b, s in slacks}
    changes = []
    for q in inst.quotas:
        lower, higher = moved.get(("min", q.category), 0), moved.get(("max", q.category), 0)
        if lower or higher:
            changes.append(
                QuotaChange(q.feature, q.value, q.min, q.max, q.min - lower, q.max + higher)
            )
    return Relaxation(changes, int(sum(moved.values())))


def check_feasibility(
    people: pd.DataFrame,
    quotas: QuotaTable,
    size: int,
    *,
    households: Sequence[object] | None = None,
    explain: bool = True,
    relax: bool = True,
    max_conflicts: int = 3,
    time_limit: float = 60.0,
) -> FeasibilityResult:
    """Decide whether a panel of ``size`` from ``people`` meets every quota, and explain why not.

    Cheap necessary checks come first; then an exact integer program. When no panel
    exists, up to ``max_conflicts`` disjoint minimal sets of conflicting bounds are
    explained from the pool's counts, and the smallest relaxation (in seats) is given.
    Raises InvalidInput when a column or value does not match the table.

    >>> from quotas.model import quota_table
    >>> q = quota_table([("gender", "female", 2, 3), ("gender", "male", 2, 3)])
    >>> people = pd.DataFrame({"gender": ["female"] + ["male"] * 5})
    >>> result = check_feasibility(people, q, 4)
    >>> result.feasible
    False
    >>> print(result.conflicts[0].message)
    Only 1 people in the pool have gender = female, but at least 2 must be selected.
    >>> result.relaxation.steps()
    ['lower the minimum of gender = female from 2 to 1']
    """
    start = time.perf_counter()
    inst = _prepare(people, quotas, size, households)
    problems = _fast_checks(inst)
    model = _Model(inst, time_limit)
    bounds = list(model.rows)
    if not errors_only(problems) and model.feasible(bounds):
        return FeasibilityResult(True, problems, None, [], None, time.perf_counter() - start)
    if not errors_only(problems):
        problems.append(Problem("feasibility_infeasible", {"size": size}))
    conflicts: list[Problem] = []
    if explain:
        # Size last: a conflict between categories reads better than one with the panel size.
        candidates = bounds[1:] + bounds[:1]
        found: list[list[Bound]] = []
        while len(found) < max_conflicts and not model.feasible(candidates):
            found.append(model.conflict(candidates))
            candidates = [b for b in candidates if b not in found[-1]]
        for conflict in sorted(found, key=len):  # the simplest story first
            conflicts.extend(explain_conflict(conflict, inst.count, households=inst.has_households))
    relaxation = _relax(inst, time_limit) if relax else None
    if relax and relaxation is None:
        problems.append(Problem("relaxation_none", {}, "warning"))
    shown = [p.message for p in conflicts or errors_only(problems)]
    if relaxation is not None:
        shown.append(relaxation.describe())  # what to do, after what is wrong
    shown += [p.message for p in problems if p.code == "relaxation_none"]
    explanation = " ".join(shown) or None
    seconds = time.perf_counter() - start
    return FeasibilityResult(False, problems, explanation, conflicts, relaxation, seconds)


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
    inst = _prepare(people, quotas, size, households)
    problem = pulp.LpProblem("panel_feasibility", pulp.LpMinimize)
    taken: set[str] = set()
    shared = {u for units in inst.households for u in units}
    variables: list[pulp.LpVariable] = []
    legend: list[str] = []
    for u, rows in enumerate(inst.unit_rows):
        values = [
            quotas.values(f)[int(c)]
            for f, c in zip(quotas.features, inst.unit_vectors[u], strict=True)
        ]
        if u in shared:
            name = _name(f"person_{inst.ids[rows[0]]}", taken)
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
        chosen = pulp.lpSum(variables[int(u)] for u in inst.members(q.category))
        problem += chosen >= q.min, _name(f"min_{q.feature}_{q.value}", taken)
        problem += chosen <= q.max, _name(f"max_{q.feature}_{q.value}", taken)
    for n, units in enumerate(inst.households, start=1):
        problem += pulp.lpSum(variables[u] for u in units) <= 1, _name(f"household_{n}", taken)
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
