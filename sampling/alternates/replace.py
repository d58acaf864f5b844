"""Replacements: who fills the seats of panel members who dropped out, and why.

One seat per drop-out is filled from the candidates (the ranked alternates, or everyone
not on the panel). An integer program first minimises the quota deviation of the new
panel (seats missing below a minimum plus seats above a maximum), so no quota that
could be kept is broken; among the best choices it prefers higher-ranked candidates
(the smallest sum of ranks), then a seeded random order. The one-per-household rule
holds in the new panel. When the candidates cannot restore every quota, the report says
which quota stays unmet and by how much.

Every reason is a ``quotas.messages.Message`` (code + parameters), so a dashboard can
write it in its user's language; ``reason`` and ``status`` give the English text that
the command line and the JSON report show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from quotas.messages import Message, all_of
from quotas.model import Category, QuotaTable
from quotas.pool import Pool
from quotas.problems import Problem, raise_if_errors
from quotas.solvers import new_cbc, solve_cbc
from sampling.alternates.dropouts import (
    Layout,
    check_seed,
    eligible_rows,
    household_capacity,
    panel_rows,
    rows_of,
)
from sampling.alternates.programs import category_seats, deviation_slacks, one_per_household

__all__ = ["Added", "QuotaChange", "Replacement", "replace"]


@dataclass(frozen=True)
class Added:
    """A person brought onto the panel, whose seat they take, and the quotas they restore."""

    id: str
    replaces: str
    restores: tuple[Category, ...]
    why: Message

    @property
    def reason(self) -> str:
        """Why this person was chosen, in English."""
        return self.why.text()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record: who, whose seat, the quotas restored and why."""
        return {
            "id": self.id,
            "replaces": self.replaces,
            "restores": [str(c) for c in self.restores],
            "reason": self.reason,
            **reason_data(self.why),
        }


@dataclass(frozen=True)
class QuotaChange:
    """Seats of one category: on the panel, after the drop-outs, and after the replacement."""

    category: Category
    min: int
    max: int
    before: int
    after_dropouts: int
    after: int

    @property
    def missing(self) -> int:
        return max(0, self.min - self.after)

    @property
    def excess(self) -> int:
        return max(0, self.after - self.max)

    @property
    def status_message(self) -> Message:
        """The quota's state after the replacement: met, restored, or how far off."""
        if self.missing:
            return Message("replace_quota_below", {"missing": self.missing})
        if self.excess:
            return Message("replace_quota_above", {"excess": self.excess})
        broken = not self.min <= self.after_dropouts <= self.max
        return Message("replace_quota_restored" if broken else "replace_quota_met")

    @property
    def status(self) -> str:
        """``met``, ``restored``, ``N below the minimum`` or ``N above the maximum``."""
        return self.status_message.text()

    def unmet_message(self) -> Message | None:
        """A sentence on how this quota stays unmet, or None when it is met."""
        params = {
            "category": str(self.category),
            "after": self.after,
            "min": self.min,
            "max": self.max,
        }
        if self.missing:
            return Message("replace_unmet_below", {**params, "missing": self.missing})
        if self.excess:
            return Message("replace_unmet_above", {**params, "excess": self.excess})
        return None

    def to_dict(self) -> dict[str, Any]:
        status = self.status_message
        return {
            "feature": self.category.feature,
            "value": self.category.value,
            "min": self.min,
            "max": self.max,
            "before": self.before,
            "after_dropouts": self.after_dropouts,
            "after": self.after,
            "status": status.text(),
            "status_code": status.code,
            "status_params": status.to_dict()["params"],
        }


@dataclass(frozen=True)
class Replacement:
    """The new panel, who joined and left, and every quota before and after.

    ``unfilled`` counts seats left empty because the candidates ran out; ``skipped``
    lists candidates who could not be used, with the reason.
    """

    panel: tuple[str, ...]
    added: tuple[Added, ...]
    removed: tuple[str, ...]
    quotas: tuple[QuotaChange, ...]
    unfilled: int
    skipped_why: tuple[tuple[str, Message], ...]
    seed: int

    @property
    def skipped(self) -> tuple[tuple[str, str], ...]:
        """Candidates who could not be used, with the reason in English."""
        return tuple((i, why.text()) for i, why in self.skipped_why)

    @property
    def deviation(self) -> int:
        """Seats missing below a minimum plus seats above a maximum in the new panel."""
        return sum(q.missing + q.excess for q in self.quotas)

    @property
    def unmet(self) -> tuple[QuotaChange, ...]:
        """The quotas the new panel does not meet."""
        return tuple(q for q in self.quotas if q.missing or q.excess)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready report: what changed and why, quota by quota."""
        return {
            "panel": list(self.panel),
            "removed": list(self.removed),
            "added": [a.to_dict() for a in self.added],
            "unfilled_seats": self.unfilled,
            "deviation": self.deviation,
            "quotas": [q.to_dict() for q in self.quotas],
            "unmet": [q.to_dict() for q in self.unmet],
            "skipped_candidates": [
                {"id": i, "reason": why.text(), **reason_data(why)} for i, why in self.skipped_why
            ],
            "seed": self.seed,
        }


def reason_data(why: Message) -> dict[str, Any]:
    """A reason's code and parameters for a JSON record, so it can be rendered in any language.

    ``Message.from_dict({"code": d["reason_code"], "params": d["reason_params"]})`` reads it back.
    """
    saved = why.to_dict()
    return {"reason_code": saved["code"], "reason_params": saved["params"]}


def replace(
    pool: Pool,
    quotas: QuotaTable,
    panel: Sequence[str],
    dropped: Sequence[str],
    *,
    candidates: Sequence[str] | None = None,
    seed: int = 0,
) -> Replacement:
    """Fill the seats of ``dropped`` panel members from ``candidates``, keeping the quotas.

    ``candidates`` in rank order (e.g. the alternates); by default everyone not on the
    panel. Raises InvalidInput listing every unknown or misplaced id.

    >>> import pandas as pd
    >>> from quotas.model import quota_table
    >>> q = quota_table([("g", "f", 1, 1), ("g", "m", 1, 1)])
    >>> pool = Pool.build(list("abcd"), pd.DataFrame({"g": list("fmfm")}), q)
    >>> replace(pool, q, ["a", "b"], ["a"]).added[0].reason
    'replaces a (f): restores g = f'
    """
    seed = check_seed(seed)
    rows = panel_rows(pool, panel)
    problems: list[Problem] = []
    gone = rows_of(pool, dropped, "dropped", problems)
    on_panel = set(rows)
    problems += [
        Problem("replace_dropped_not_on_panel", {"id": pool.ids[r]})
        for r in gone
        if r not in on_panel
    ]
    ranked: list[int] | None = None
    if candidates is not None:
        ranked = rows_of(pool, candidates, "candidates", problems)
        problems += [
            Problem("alternates_on_panel", {"id": pool.ids[r], "what": "candidates"})
            for r in ranked
            if r in on_panel
        ]
    raise_if_errors(problems)
    layout = Layout.of(pool, quotas)
    remaining = sorted(on_panel - set(gone))
    usable = set(eligible_rows(pool, remaining).tolist()) - set(gone)
    skipped: list[tuple[str, Message]] = []
    if ranked is None:
        pool_order = sorted(usable)
        rank = np.zeros(len(pool_order))
    else:
        pool_order = [r for r in ranked if r in usable]
        position = {r: p for p, r in enumerate(ranked, start=1)}
        rank = np.asarray([position[r] for r in pool_order], dtype=float)
        skipped = [
            (pool.ids[r], Message("replace_skipped_household")) for r in ranked if r not in usable
        ]
    cand = np.asarray(pool_order, dtype=np.int64)
    seats = min(len(gone), household_capacity(pool, cand))
    chosen = _solve(pool, layout, remaining, cand, rank, seats, seed) if seats else []
    return _report(pool, layout, rows, gone, remaining, chosen, skipped, seed)


def _solve(
    pool: Pool,
    layout: Layout,
    remaining: list[int],
    cand: np.ndarray,
    rank: np.ndarray,
    seats: int,
    seed: int,
) -> list[int]:
    """Rows of the chosen candidates, in candidate order (two lexicographic solves)."""
    solver = new_cbc()
    x = [solver.BoolVar(f"x{j}") for j in range(cand.size)]
    solver.Add(solver.Sum(x) == seats)
    totals = category_seats(solver, x, layout.cat_of[cand], layout.counts(remaining))
    slack = deviation_slacks(solver, totals, layout.lo, layout.hi)
    one_per_household(solver, x, pool.household[cand])
    deviation = solver.Sum(slack)
    solver.Minimize(deviation)
    solve_cbc(solver, relative_gap=0.0)
    best = round(solver.Objective().Value())
    solver.Add(deviation <= best + 0.5)
    # Ranks are whole numbers; the seeded tie-break adds up to less than one rank.
    tie = np.random.default_rng([seed, 4]).random(cand.size) / (seats + 1)
    solver.Minimize(
        solver.Sum([float(w) * v for w, v in zip((rank + tie).tolist(), x, strict=True)])
    )
    solve_cbc(solver, relative_gap=0.0)
    return [int(cand[j]) for j, v in enumerate(x) if v.solution_value() > 0.5]


def _report(
    pool: Pool,
    layout: Layout,
    panel: list[int],
    gone: list[int],
    remaining: list[int],
    chosen: list[int],
    skipped: list[tuple[str, Message]],
    seed: int,
) -> Replacement:
    before = layout.counts(panel)
    after_drop = layout.counts(remaining)
    after = layout.counts([*remaining, *chosen])
    added: list[Added] = []
    running = after_drop.copy()
    for left, person in _pairs(layout, gone, chosen):
        cats = layout.cat_of[person].tolist()
        restores = [c for c in cats if running[c] < layout.lo[c]]
        running[cats] += 1
        over = [c for c in cats if running[c] > layout.hi[c]]
        added.append(
            Added(
                id=pool.ids[person],
                replaces=pool.ids[left],
                restores=tuple(layout.categories[c] for c in restores),
                why=_reason(pool, layout, left, restores, over),
            )
        )
    changes = tuple(
        QuotaChange(
            layout.categories[c],
            int(layout.lo[c]),
            int(layout.hi[c]),
            int(before[c]),
            int(after_drop[c]),
            int(after[c]),
        )
        for c in range(layout.n_categories)
    )
    new_panel = tuple(sorted(pool.ids[r] for r in [*remaining, *chosen]))
    return Replacement(
        panel=new_panel,
        added=tuple(added),
        removed=tuple(pool.ids[r] for r in gone),
        quotas=changes,
        unfilled=len(gone) - len(chosen),
        skipped_why=tuple(skipped),
        seed=seed,
    )


def _pairs(layout: Layout, gone: list[int], chosen: list[int]) -> list[tuple[int, int]]:
    """Pair each newcomer with the drop-out they resemble most (most shared categories)."""
    options = sorted(
        (
            -len(set(layout.cat_of[g].tolist()) & set(layout.cat_of[p].tolist())),
            i,
            j,
        )
        for i, g in enumerate(gone)
        for j, p in enumerate(chosen)
    )
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, i, j in options:
        if i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        pairs.append((i, j))
    return [(gone[i], chosen[j]) for i, j in sorted(pairs)]


def _reason(pool: Pool, layout: Layout, left: int, restores: list[int], over: list[int]) -> Message:
    """Why a newcomer takes the seat of ``left``: quotas restored, any put above a maximum."""
    params: dict[str, Any] = {
        "replaced": pool.ids[left],
        "values": ", ".join(pool.value_of(left, f) for f in range(len(pool.features))),
    }
    if restores:
        params["restored"] = all_of([str(layout.categories[c]) for c in restores])
    if over:
        params["above"] = ", ".join(str(layout.categories[c]) for c in over)
    code = "replace_reason_restores" if restores else "replace_reason_fills"
    return Message(code + ("_over" if over else ""), params)
