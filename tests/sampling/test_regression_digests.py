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
optimum; ``sampling.rounding_ip``.)
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
        "8e3c3020b0e3cbf059ba357d13a1786ed8bad96052007c22acfc610c331a4b51"
    ),
    ("households", Algorithm.MAXIMIN, 3, AlternatesMethod.SCALED): (
        "985945bbfb550f2038081f46b83305de0d91508d82d152af2eee1a52ef8dfc62"
    ),
    ("households", Algorithm.NASH, 2, AlternatesMethod.OPTIMISED): (
        "125d48d44c81fb1f248c56b93ae1c6b3ae3d54ae35442598e19cb2e628b8b73e"
    ),
    ("households", Algorithm.LEGACY, 2, AlternatesMethod.SCALED): (
        "c442ea768a62461d7e8f564a0a095a700dd878fe392bba3f7839034fd538dcf7"
    ),
    ("synthetic", Algorithm.LEXIMIN, 4, AlternatesMethod.OPTIMISED): (
        "dcebb40aceca1816c5c98de0c6d0459febd4be1cb53166ebfbfce709a788b547"
    ),
    ("synthetic", Algorithm.MAXIMIN, 4, AlternatesMethod.SCALED): (
        "43e14447a97e89c4cb5e89a213618b75f34021a0f3b8038b04a7402d426a66ec"
    ),
    ("synthetic", Algorithm.NASH, 4, AlternatesMethod.SCALED): (
        "772169f5214e4d9cb60d4174eadee36495f279ddcd1c4c56915dd6fae84db329"
    ),
    ("synthetic", Algorithm.LEGACY, 4, AlternatesMethod.OPTIMISED): (
        "7c7293456825f3d4093ef205c328c2aea4e8eec4dd1a7784d04d34d848328175"
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
        "87edc347092d4d57f48ae388b46f81a1ad5c7cea069b65fc76feb01a6b9676ac"
    ),
    ("households", Algorithm.MAXIMIN): (
        "f24be5d977d3945b21ac6f288f7c6b1d0bef4cdc31f0a47b742cfc1e04d64162"
    ),
    ("households", Algorithm.NASH): (
        "63781cba5d810e5ef561ad800c717398d7ba4cfe153b7b1ae3842699349b0c9f"
    ),
    ("synthetic", Algorithm.LEXIMIN): (
        "8bd0940dd42b2785513fdf8ea36b0f53aa8e2b3f312f4799f7bbeb13c97ee450"
    ),
    ("synthetic", Algorithm.MAXIMIN): (
        "c51e34cdefcc1c9adfaa55074db8fae427ab525f28cfb757836fce32ee21d6dd"
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
    AlternatesSearch.EXPECTED: "9aa4ddd72117b5c002f3b5904910770f1e25f9c411c1a77d2fdff2d31ee9ea73",
    AlternatesSearch.SWAP: "830d7d42562581f78e117822f4036792222f0eb24ccd477e0436d9333424f85a",
    AlternatesSearch.MIP: "ee79b952347120758454dbc7bf7455e670f28588291c8d89b2baea2d19630916",
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
    "anyone": "affb2169113655d66b59f3929011af70048d9fbf378a4ad60031ea98c457c2b0",
    "ranked": "324497e87bcdca8e39ebc77faf86088c2408b8c7398011c403e370367de9899a",
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
