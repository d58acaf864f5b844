"""Same inputs and seed give the same lottery, panel and alternates as recorded before a refactor.

Each case runs the whole pipeline (or a solver-backed step: alternates searches,
replacements, the feasibility check and its exported model) on a small fixed instance
and hashes what a person would see: the lottery's panels, the drawn ids, the alternates
and the reports. The digests were recorded on main before the solvers moved to
``quotas.solvers`` and the panel polytope to ``quotas.polytope``; a digest that changes
means a lottery changes for the same inputs and seed, which needs an ``ENGINE`` bump.

Re-recorded for ENGINE 2026-12-07.2: every floating-point product that steers a choice
is computed by ``sampling.portable`` (the same bits on every CPU: no BLAS kernel, no
vector-unit logarithm; ``tests/sampling/test_portable.py``), and the engine version is
in every input hash. (2026-12-07.1: the rounding lowers the largest drop below the
optimum; ``sampling.rounding_ip``.) Re-recorded for ENGINE 2026-12-07.3: the face walk's
integer programs hold only the types each step leaves free
(``quotas.polytope.panel_in_box``), so CBC may return another of several equal panels.
Re-recorded for ENGINE 2026-12-07.4: end-to-end runs smooth the propensities of
categories with few volunteers (``sampling.smoothing``); no case here is end to end, so
only the input hash changed, and with it the drawn panel and the alternates it seeds.
Re-recorded for ENGINE 2026-12-07.5: the rounding swaps single seats into new panels until
no drop exceeds one slot (``sampling.rounding_swaps``), so the lotteries change.
Re-recorded for ENGINE 2026-12-07.6: the walk weighs each seat by its person's chance,
its integer programs merge like types and are solved as LPs first
(``quotas.panel_box``), and the relaxation's first level is solved by the interior
point method. Re-recorded for ENGINE 2026-12-07.7: LEXIMIN's fixed floors (the master's
and the relaxation's) sit just below what the lottery or point in hand gives, the master
is solved to 1e-9 and its levels to half the tolerance; the LEXIMIN and MAXIMIN lotteries
change (and the replacements drawn from them), the others only through the input hash.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from quotas.feasibility import check_feasibility
from quotas.feasibility_export import export_model
from quotas.model import QuotaTable, quota_table
from quotas.pool import Pool
from sampling.alternates.replace import replace
from sampling.alternates.select import Alternates, select_alternates
from sampling.names import Algorithm, AlternatesMethod, AlternatesSearch
from sampling.pipeline import SelectionRequest, SelectionResult, SelectionSettings, select_panel
from synthetic_data.instances import benchmark_instance, scaled
from tests.sampling.test_reproducible import small_pool


def _rounded(value: Any) -> Any:
    """Floats to 6 significant decimals (a digest of what is shown, not of solver noise)."""
    if isinstance(value, float | np.floating):
        return round(float(value), 6)
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def _digest(payload: Any) -> str:
    text = json.dumps(_rounded(payload), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _household_pool() -> tuple[Pool, QuotaTable, int]:
    """30 people, two features, two shared households (``test_reproducible``); panel of 8."""
    pool, quotas = small_pool()
    return pool, quotas, 8


def _synthetic(seed: int) -> tuple[Pool, QuotaTable, int]:
    """A seven-feature synthetic pool of 240 with households; panel of 24."""
    frame, _, quotas, size = benchmark_instance(scaled("small", 240, 24), seed=seed)
    pool = Pool.build(
        frame["id"].tolist(), frame[list(quotas.features)], quotas, frame["household"].tolist()
    )
    return pool, quotas, size


INSTANCES = {"households": _household_pool, "synthetic": lambda: _synthetic(5)}

# (instance, algorithm, alternates, method) -> digest recorded on main before the refactor.
PIPELINE = {
    ("households", Algorithm.LEXIMIN, 3, AlternatesMethod.OPTIMISED): (
        "ebd03efee1fc7749ecc318172697a695fc013066d8de05f2597c04ec9aaa8aef"
    ),
    ("households", Algorithm.MAXIMIN, 3, AlternatesMethod.SCALED): (
        "58b72d20c8fb27f6b5858967dbe3cdb5961be7adfeef9bd5f104d43699d0b6b1"
    ),
    ("households", Algorithm.NASH, 2, AlternatesMethod.OPTIMISED): (
        "835578ca214dffdd4e474fe626f6ce22da1f2a3b3de7908c760444e19ed744d0"
    ),
    ("households", Algorithm.LEGACY, 2, AlternatesMethod.SCALED): (
        "08b57f1553bf260e0b75f8c4c3ca48049faef4ae263ea9ade47a0ee1d15c2359"
    ),
    ("synthetic", Algorithm.LEXIMIN, 4, AlternatesMethod.OPTIMISED): (
        "c055865b96102293ccc80d8e17283a20132209f605d56a6a4fef99da194f1035"
    ),
    ("synthetic", Algorithm.MAXIMIN, 4, AlternatesMethod.SCALED): (
        "0b9788b13ebca54999f3dc9953f93cdaa0e0cd173b0bcce83b5be0856e08de00"
    ),
    ("synthetic", Algorithm.NASH, 4, AlternatesMethod.SCALED): (
        "69779054696750352b028046ecd69089922dbe42e0784935548aa58cb9fef1a9"
    ),
    ("synthetic", Algorithm.LEGACY, 4, AlternatesMethod.OPTIMISED): (
        "7f74d96c1fe4f10203877c5eb5a5545eb3103d78f534f5864184055bbd2d2f85"
    ),
}


def _lottery_payload(result: SelectionResult) -> dict[str, Any]:
    """What a lottery shows: its hash, panels, everyone's probability, the drawn panel."""
    return {
        "hash": result.input_sha256,
        "lottery": [list(map(list, panel)) for panel in result.lottery.panels],
        "probabilities": result.distribution.probabilities.tolist(),
        "drawn": [result.drawn.index, list(result.drawn.ids)],
    }


def _alternates_payload(chosen: Alternates | None) -> Any:
    return None if chosen is None else chosen.to_dict()


@pytest.mark.parametrize(("instance", "algorithm", "count", "method"), sorted(PIPELINE))
def test_pipeline_digest(
    instance: str, algorithm: Algorithm, count: int, method: AlternatesMethod
) -> None:
    pool, quotas, size = INSTANCES[instance]()
    settings = SelectionSettings(
        algorithm=algorithm,
        seed=11,
        lottery_size=200,
        alternates=count,
        alternates_method=method,
        dropout=0.2,
    )
    result = select_panel(SelectionRequest(pool, quotas, size, settings))
    payload = {**_lottery_payload(result), "alternates": _alternates_payload(result.alternates)}
    assert _digest(payload) == PIPELINE[(instance, algorithm, count, method)]


# Without the head start (and LEXIMIN without the relaxation) every panel comes from the
# pricing oracle's integer program: (instance, algorithm) -> digest.
NO_HEAD_START = {"head_start": False}
PRICING: dict[tuple[str, Algorithm], str] = {
    ("households", Algorithm.LEXIMIN): (
        "c2bc05dc01402f9dbba18ad291cac040039b3afa4e2dc72e9209dffa985bafa0"
    ),
    ("households", Algorithm.MAXIMIN): (
        "0ed78a3929738fe1002e55ef768b677c6a17dadafe35ef0aa4c7a5e473778821"
    ),
    ("households", Algorithm.NASH): (
        "9256886592745170d6aa555e198533189510f9d43db32aa8a9e2c09caf4616d8"
    ),
    ("synthetic", Algorithm.LEXIMIN): (
        "3b227c2d21c94772741775e98cd99aa354c58837bf8532906c278aabea086d4d"
    ),
    ("synthetic", Algorithm.MAXIMIN): (
        "d55f22f48a69a9e7c8eaf2979ab1a4c600eb19e927911ea5e25bc09a15932b5b"
    ),
}


@pytest.mark.parametrize(("instance", "algorithm"), sorted(PRICING))
def test_pricing_digest(instance: str, algorithm: Algorithm) -> None:
    pool, quotas, size = INSTANCES[instance]()
    extra = {"relaxation": False} if algorithm is Algorithm.LEXIMIN else {}
    settings = SelectionSettings(
        algorithm=algorithm,
        seed=5,
        lottery_size=200,
        algorithm_settings={**NO_HEAD_START, **extra},
    )
    result = select_panel(SelectionRequest(pool, quotas, size, settings))
    payload = _lottery_payload(result)
    assert _digest(payload) == PRICING[(instance, algorithm)]


SEARCHES = {
    AlternatesSearch.EXPECTED: "66c4361a9b3359c4b9d5437e648e0214acf2e57275d1fed520fdf9e1e4ca3b04",
    AlternatesSearch.SWAP: "c0598577599be8b0a2e7b8776f131de08dec9d8b5c8ab365908d9abf5e0b2c37",
    AlternatesSearch.MIP: "4787c73c1e6cd011de85907e9265f8851f3b210b8439b74aa41e87ba6c4668c8",
}


@pytest.mark.parametrize("search", sorted(SEARCHES))
def test_alternates_search_digest(search: AlternatesSearch) -> None:
    pool, quotas, size = _household_pool()
    result = select_panel(
        SelectionRequest(pool, quotas, size, SelectionSettings(Algorithm.LEXIMIN, seed=3))
    )
    panel = list(result.drawn.ids)
    chosen = select_alternates(
        pool, quotas, panel, 4, dropout=0.25, scenarios=60, seed=9, search=search
    )
    assert _digest([panel, chosen.to_dict()]) == SEARCHES[search]


REPLACEMENTS = {
    "anyone": "d9651fc1949211e3de93145a58e473d722d6a40cf1c52289d34aacbfb9c7906f",
    "ranked": "d0b49fffe70187baa64de3f8f4bb3343f730b2509eba5f02cba1f86e81d1f870",
}


@pytest.mark.parametrize("candidates", sorted(REPLACEMENTS))
def test_replacement_digest(candidates: str) -> None:
    pool, quotas, size = _synthetic(5)
    result = select_panel(
        SelectionRequest(pool, quotas, size, SelectionSettings(Algorithm.LEXIMIN, seed=4))
    )
    panel = list(result.drawn.ids)
    dropped = panel[::5]
    others = [i for i in pool.ids if i not in set(panel)]
    ranked = others[::3] if candidates == "ranked" else None
    done = replace(pool, quotas, panel, dropped, candidates=ranked, seed=2)
    assert _digest(done.to_dict()) == REPLACEMENTS[candidates]


FEASIBILITY = {
    "feasible": "7ec38d8df2b99f67da4d779df9e1e54b29da0b95bbaae3eaf219a255f1bb1a7e",
    "infeasible": "262c0582869fbc2201260d32b17a45e4a136ceef0db032c2d20690f09151e6b9",
    "lp": "22d1b9e904d324ccf3dbf303bd5425a13492081807713292db6abf07c7da5074",
    "mps": "5a3189d856090b6d0d85ec7bbdd3832a94a33fc9c9724f1789722f3bb771ca97",
}


def _feasibility_case(name: str) -> tuple[pd.DataFrame, QuotaTable, int, list[str | None]]:
    pool, quotas, size = _household_pool()
    people = pool.frame()
    homes: list[str | None] = [None] * len(pool)
    homes[0] = homes[1] = "a"
    homes[5] = homes[9] = homes[11] = "b"
    if name == "feasible":
        return people, quotas, size, homes
    tight = quota_table(
        [
            ("gender", "female", 6, 7),
            ("gender", "male", 6, 7),
            ("age", "16-34", 1, 2),
            ("age", "35-59", 1, 2),
            ("age", "60+", 1, 9),
        ]
    )
    return people, tight, 12, homes


@pytest.mark.parametrize("case", sorted(FEASIBILITY))
def test_feasibility_digest(case: str, tmp_path: Path) -> None:
    if case in ("lp", "mps"):
        people, quotas, size, homes = _feasibility_case("infeasible")
        path = export_model(people, quotas, size, tmp_path / f"model.{case}", households=homes)
        payload: Any = path.read_text("utf-8")
    else:
        people, quotas, size, homes = _feasibility_case(case)
        result = check_feasibility(people, quotas, size, households=homes)
        payload = {
            "feasible": result.feasible,
            "problems": [(p.code, p.params) for p in result.problems],
            "explanation": result.explanation,
            "conflicts": [(p.code, p.params) for p in result.conflicts],
            "relaxation": None if result.relaxation is None else result.relaxation.steps(),
        }
    assert _digest(payload) == FEASIBILITY[case]
