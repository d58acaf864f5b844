"""Same inputs and seed give the same lottery, panel and alternates as recorded before a refactor.

Each case runs the whole pipeline (or a solver-backed step: alternates searches,
replacements, the feasibility check and its exported model) on a small fixed instance
and hashes what a person would see: the lottery's panels, the drawn ids, the alternates
and the reports. The digests were recorded on main before the solvers moved to
``quotas.solvers`` and the panel polytope to ``quotas.polytope``; a digest that changes
means a lottery changes for the same inputs and seed, which needs an ``ENGINE`` bump.
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
        "3ed606d3cb8e6abe301a85e23e11d3c8aa598013fdcfa7e620401f2eb291a0df"
    ),
    ("households", Algorithm.MAXIMIN, 3, AlternatesMethod.SCALED): (
        "63bac3435cc565f2081be753e4fa99a746470db6f78d09f45e125d2c59cfe0c2"
    ),
    ("households", Algorithm.NASH, 2, AlternatesMethod.OPTIMISED): (
        "580e1fd38ac135bcfd9021d10de3c1b6676f54d57655e90a76b6daa38c4c10f6"
    ),
    ("households", Algorithm.LEGACY, 2, AlternatesMethod.SCALED): (
        "84cf398813b53c6537f6a7858eaf58266ac69a86dc7b222bdc3d0b6932cd5af5"
    ),
    ("synthetic", Algorithm.LEXIMIN, 4, AlternatesMethod.OPTIMISED): (
        "8bbcfb1dd0aecda293b218b946e0c0cd83ff7c5a0731667a2df590f7803b97ac"
    ),
    ("synthetic", Algorithm.MAXIMIN, 4, AlternatesMethod.SCALED): (
        "d8be217e0cd3e02cae920d4a8f6c85069cf3508226427b58e255b5c6d7769fa1"
    ),
    ("synthetic", Algorithm.NASH, 4, AlternatesMethod.SCALED): (
        "d86661c9bacdba5f2182cbf330b609793d657e4e2e3710718bf51ca39b9d9518"
    ),
    ("synthetic", Algorithm.LEGACY, 4, AlternatesMethod.OPTIMISED): (
        "44c54be127acfafa841675cc6268c984267e90d2e8bf4ecd32c7feca64900b6e"
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
        "e47a3067ebe806abd40f6479050bd38f0c9d0db64d3a90251738273bdee1f2b9"
    ),
    ("households", Algorithm.MAXIMIN): (
        "2ad0bcf6a9afb61ac2d56656174c7793d588abda0e5f3b20a7122770aae80822"
    ),
    ("households", Algorithm.NASH): (
        "f01899b3ab560b975a817ad0fcabd94a58eb73d3cc197079089400d3188caf60"
    ),
    ("synthetic", Algorithm.LEXIMIN): (
        "0bf9caae5e3ac295a7e05ee91df7f9c79cb450a8d3f6708fe4403028c02ab0c7"
    ),
    ("synthetic", Algorithm.MAXIMIN): (
        "22521f1471913afcb89ac717367c2ad8f20abc605bed6a4dfe653ca0727b9ad7"
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
    AlternatesSearch.EXPECTED: "5e99aee7dff3e3af35764bbe67af52ea008349ddca753ac265ba60cbfb14080e",
    AlternatesSearch.SWAP: "6b2fd45c880cb4f76aa1473aa2934dfee865afce68253e53ef425c3fbcd47708",
    AlternatesSearch.MIP: "d54fae1567340b40db8494550381d49de8436e1e11fede4da717ac3e30630bd4",
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
    "anyone": "8eb3baea6015e1c4b253c155bee1fe02edd0179ebab7bc00e7373de88dd35d6e",
    "ranked": "e7ddc82021d1a20ca983dc3ed41fd7856b16707f77d37a8edc7b2e9afb24c0b4",
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
