"""Whether any panel from a pool meets a quota table, why not, and what least change would help.

People come as a DataFrame with one column per quota feature (values matching the
table's categories after ``normalise``) and optional household keys; once every value is
checked they become a ``Pool`` (``Pool.build``, as for a selection). The exact check
solves the panel polytope of ``quotas.polytope`` over the pool's *types* (people with the
same feature vector; people in shared households kept as individuals, at most one per
household), switching each quota bound on and off. ``quotas.feasibility_export`` writes
the same model for other solvers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from quotas.explain import (
    Bound,
    FeasibilityResult,
    QuotaChange,
    Relaxation,
    explain_conflict,
    reasons,
)
from quotas.model import Category, QuotaTable, validate_quotas
from quotas.polytope import PanelModel, PanelShape
from quotas.pool import Pool
from quotas.problems import EnvironmentFailure, InvalidInput, Problem, errors_only
from quotas.solvers import Outcome

__all__ = [
    "FeasibilityResult",
    "QuotaChange",
    "Relaxation",
    "check_feasibility",
]

_QUOTA_CODES = ("quota_min_above_max", "quota_sum_min_above_size", "quota_sum_max_below_size")


@dataclass(frozen=True)
class Prepared:
    """A pool checked against a quota table, with the panel polytope over its types."""

    quotas: QuotaTable
    size: int
    pool: Pool
    shape: PanelShape
    input_row: np.ndarray  # per pool row: its row in the people given (pools sort by id)

    @property
    def ids(self) -> tuple[str, ...]:
        return self.pool.ids

    @property
    def has_households(self) -> bool:
        return bool(self.shape.households)

    def _code(self, category: Category) -> tuple[int, int]:
        f = self.quotas.features.index(category.feature)
        return f, self.quotas.values(category.feature).index(category.value)

    def members(self, category: Category) -> np.ndarray:
        """Types in a category."""
        f, j = self._code(category)
        return np.flatnonzero(self.shape.vectors[:, f] == j)

    def count(
        self, require: Sequence[Sequence[Category]], exclude: Sequence[Category] = ()
    ) -> tuple[int, int]:
        """People (and households) in a category of each ``require`` group, none of ``exclude``."""
        matrix = self.pool.matrix
        mask = np.ones(len(self.ids), dtype=bool)
        for group in require:
            mask &= np.logical_or.reduce([matrix[:, f] == j for f, j in map(self._code, group)])
        for cat in exclude:
            f, j = self._code(cat)
            mask &= matrix[:, f] != j
        return int(mask.sum()), len(np.unique(self.homes()[mask]))

    def homes(self) -> np.ndarray:
        """Per person: a household number, shared only by people living together."""
        household = self.pool.household
        alone = len(household) + np.arange(len(household))
        return np.where(household >= 0, household, alone)

    def bounds(self) -> list[Bound]:
        """Every constraint that can matter: the size, minimums above 0, maximums below the pool."""
        out = [Bound("size", amount=self.size)]
        for q in self.quotas:
            available = int(self.shape.counts[self.members(q.category)].sum())
            if q.min > 0:
                out.append(Bound("min", q.feature, q.value, int(q.min)))
            if q.max < available:
                out.append(Bound("max", q.feature, q.value, int(q.max)))
        return out


def _is_blank(key: object) -> bool:
    return key is None or key == "" or (isinstance(key, float) and math.isnan(key))


def prepare(
    people: pd.DataFrame, quotas: QuotaTable, size: int, households: Sequence[object] | None
) -> Prepared:
    """Match people's values to the table's categories; raise InvalidInput with every problem."""
    problems = [p for p in validate_quotas(quotas, size) if p.code == "panel_size_invalid"]
    columns = {quotas.feature_name(str(c)): c for c in people.columns}
    ids = [str(i) for i in people.index]
    for feature in quotas.features:
        if feature not in columns:
            problems.append(Problem("feasibility_feature_missing", {"feature": feature}))
            continue
        seen: set[object] = set()  # a pool repeats few values: look each up once
        for row, raw in enumerate(people[columns[feature]].tolist()):
            if raw in seen:
                continue
            seen.add(raw)
            if quotas.lookup(feature, raw) is None:
                known = ", ".join(quotas.values(feature))
                params = {"person": ids[row], "feature": feature, "value": str(raw), "known": known}
                problems.append(Problem("feasibility_value_unknown", params))
    keys = list(households) if households is not None else [None] * len(ids)
    if len(keys) != len(ids):
        problems.append(
            Problem("feasibility_households_length", {"given": len(keys), "people": len(ids)})
        )
    if errors_only(problems):
        raise InvalidInput(problems)
    keys = [None if _is_blank(key) else key for key in keys]
    pool = Pool.build(ids, people, quotas, keys)
    input_row = np.array(sorted(range(len(ids)), key=lambda i: ids[i]), dtype=np.int64)
    return Prepared(quotas, size, pool, PanelShape.of(pool, quotas, size), input_row)


def _fast_checks(inst: Prepared) -> list[Problem]:
    """Necessary conditions that are cheap to test, each a problem with its numbers."""
    quotas, size, people = inst.quotas, inst.size, len(inst.ids)
    problems = [p for p in validate_quotas(quotas, size) if p.code in _QUOTA_CODES]
    reported = {p.params.get("feature") for p in problems}

    def add(code: str, **params: Any) -> None:
        problems.append(Problem(code, params))

    if people < size:
        add("feasibility_pool_too_small", people=people, size=size, missing=size - people)
    counts = inst.shape.counts
    available = {q.category: int(counts[inst.members(q.category)].sum()) for q in quotas}
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
    homes = len(np.unique(inst.homes()))
    if inst.has_households and people >= size > homes:
        add("feasibility_households_too_few", people=people, households=homes, size=size)
    return problems


def _row(solver: Any, lo: float, hi: float, terms: Sequence[tuple[Any, float]]) -> Any:
    row = solver.Constraint(lo, hi)
    for var, coefficient in terms:
        row.SetCoefficient(var, coefficient)
    return row


def _model(inst: Prepared, time_limit: float) -> PanelModel:
    """The panel polytope with no quota rows yet (only the size and the households)."""
    model = PanelModel(inst.shape, time_limit=time_limit)
    for k in range(len(inst.shape.categories)):
        model.set_category(k, None, None)
    return model


def _outcome(model: PanelModel, time_limit: float) -> Outcome:
    """Solve; KleroError ``feasibility_timeout`` when the time ran out without an answer."""
    outcome = model.try_solve()
    if outcome is Outcome.OTHER:
        raise EnvironmentFailure("feasibility_timeout", seconds=time_limit)
    return outcome


class _Model:
    """The panel integer program over types, with each bound switchable on and off."""

    def __init__(self, inst: Prepared, time_limit: float) -> None:
        self.time_limit = time_limit
        self.model = _model(inst, time_limit)
        pool = inst.pool
        row_of = {
            Category(pool.features[f], pool.values[f][j]): k
            for k, (f, j) in enumerate(inst.shape.categories)
        }
        self.bounds = inst.bounds()
        # Each bound's category row; the size row is -1.
        self.rows = {b: -1 if b.kind == "size" else row_of[b.category] for b in self.bounds}
        self._cache: dict[frozenset[Bound], bool] = {}

    def feasible(self, active: Collection[Bound]) -> bool:
        """Whether a panel meets the ``active`` bounds (households and pool counts always hold)."""
        key = frozenset(active)
        if key not in self._cache:
            low: dict[int, float] = {}
            high: dict[int, float] = {}
            for bound in key:
                if bound.kind in ("min", "size"):
                    low[self.rows[bound]] = bound.amount
                if bound.kind in ("max", "size"):
                    high[self.rows[bound]] = bound.amount
            for k in range(len(self.model.categories)):
                self.model.set_category(k, low.get(k), high.get(k))
            self.model.set_size(low.get(-1), high.get(-1))
            outcome = _outcome(self.model, self.time_limit)
            self._cache[key] = outcome is not Outcome.INFEASIBLE
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


def _relax(inst: Prepared, time_limit: float) -> Relaxation | None:
    """The change of bounds with fewest seats (then fewest bounds) after which a panel exists."""
    model = _model(inst, time_limit)
    solver, x = model.solver, model.x
    bounds = [b for b in inst.bounds() if b.kind != "size"]
    weight = len(bounds) + 1  # one seat costs more than changing every bound once
    slacks: list[tuple[Bound, Any]] = []
    objective = model.objective
    inf = solver.infinity()
    for n, bound in enumerate(bounds):
        members = inst.members(bound.category)
        terms = [(x[int(u)], 1) for u in members]
        quota = inst.quotas.quota(bound.category.feature, bound.category.value)
        if bound.kind == "min":  # down to min_flex at most, when the table gives it
            room = max(bound.amount - (quota.min_flex or 0), 0)
            slack = solver.IntVar(0, room, f"lower{n}")
            _row(solver, bound.amount, inf, [*terms, (slack, 1)])
        else:
            room = int(inst.shape.counts[members].sum()) - bound.amount
            if quota.max_flex is not None:  # up to max_flex at most
                room = min(room, max(quota.max_flex - bound.amount, 0))
            slack = solver.IntVar(0, room, f"raise{n}")
            _row(solver, -inf, bound.amount, [*terms, (slack, -1)])
        changed = solver.BoolVar(f"changed{n}")
        _row(solver, -inf, 0, [(slack, 1), (changed, -room)])
        objective.SetCoefficient(slack, weight)
        objective.SetCoefficient(changed, 1)
        slacks.append((bound, slack))
    objective.SetMinimization()
    outcome = _outcome(model, time_limit)
    if outcome is Outcome.INFEASIBLE:
        return None
    if outcome is not Outcome.OPTIMAL:
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
    Only 1 person in the pool has gender = female, but at least 2 must be selected.
    >>> result.relaxation.steps()
    ['lower the minimum of gender = female from 2 to 1']
    """
    start = time.perf_counter()
    inst = prepare(people, quotas, size, households)
    problems = _fast_checks(inst)
    model = _Model(inst, time_limit)
    bounds = model.bounds
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
        flexible = any(q.min_flex is not None or q.max_flex is not None for q in quotas)
        code = "relaxation_none_within_flex" if flexible else "relaxation_none"
        problems.append(Problem(code, {}, "warning"))
    # What is wrong, then what to do.
    explanation = " ".join(m.text() for m in reasons(conflicts, problems, relaxation)) or None
    seconds = time.perf_counter() - start
    return FeasibilityResult(False, problems, explanation, conflicts, relaxation, seconds)
