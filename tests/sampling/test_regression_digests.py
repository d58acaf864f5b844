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
        "289aca4d367bc6f3a9b856a9712a839780b4a443b5074d0445c2e4bb679572a5"
    ),
    ("households", Algorithm.MAXIMIN, 3, AlternatesMethod.SCALED): (
        "e019cd0ae469bd2431c9583d7f759395b0eea5978d589cf4defc7f541a0b4f2f"
    ),
    ("households", Algorithm.NASH, 2, AlternatesMethod.OPTIMISED): (
        "3859930d1dc4694c9597c7e9524bb3132630089d62710e46752b24a157b526e0"
    ),
    ("households", Algorithm.LEGACY, 2, AlternatesMethod.SCALED): (
        "8a419a5316fe5350618a7324fcc5c3d2bed3268555037d97fe719067a08a090b"
    ),
    ("synthetic", Algorithm.LEXIMIN, 4, AlternatesMethod.OPTIMISED): (
        "a7635452a1da39e750a6614c0475ccdddbcfc0113f1d83ffb60a24bb8e072f15"
    ),
    ("synthetic", Algorithm.MAXIMIN, 4, AlternatesMethod.SCALED): (
        "d49ff64f6d6e497e7de0141ecc646fcc01f845b30f0fe12922df47a9affb2870"
    ),
    ("synthetic", Algorithm.NASH, 4, AlternatesMethod.SCALED): (
        "4067d7be463780942f7dd9aba406e98d9f0343d4cc55c85e192546a53a987c25"
    ),
    ("synthetic", Algorithm.LEGACY, 4, AlternatesMethod.OPTIMISED): (
        "6141a9dc1f4d9e9ce0c1b75e21e8824243d3f8dcccaee8b713557147f90a8276"
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
        "29f86ddd92ecdbb2dc4c9cd46c3954e1d801835d16ecb0ce94ce3c6a380e909b"
    ),
    ("households", Algorithm.MAXIMIN): (
        "3251091f87e0945516109e571dd113b569c58e256655a4a1876b0e5ce9c5e245"
    ),
    ("households", Algorithm.NASH): (
        "372a1246f25f888cd7251dc4e46687af27e4f0d8444ab97559aa28e6f2935166"
    ),
    ("synthetic", Algorithm.LEXIMIN): (
        "a42819e1f6db439402669f2910e68c54ef083062880a7eaa0cd4053f4e9c7964"
    ),
    ("synthetic", Algorithm.MAXIMIN): (
        "95d4a7e1e71e06c4c09e5140960b38752f841183f1593d12b86549f33b0bb8a4"
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
    AlternatesSearch.EXPECTED: "1f313a2b353ea5bfb8f221aa3b5035a893b0450ecee54dab097e5b5598bac1ea",
    AlternatesSearch.SWAP: "b4e8bb294d8b712d7bcb6bdc7ebb9d4638eebd8b0c2d1e58acba542da77b97e7",
    AlternatesSearch.MIP: "f4a5c3432b26ca4087b0479377b7a3d6841c433aaeb1b9d2867d0e9dd90f60a6",
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
    "anyone": "d1e89fbea0da0d5684e23c7c24ea27c1d6fbd999b188649d55206f9ab157cc07",
    "ranked": "1670f1cfa088a1c8353cdbbf8004aed3a3d9170bac97fc5f5da371e439bf74c0",
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
