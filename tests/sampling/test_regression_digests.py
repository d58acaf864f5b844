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
Re-recorded for ENGINE 2026-12-07.4: the walk weighs each seat by its person's chance,
its integer programs merge like types and are solved as LPs first
(``quotas.panel_box``), and the relaxation's first level is solved by the interior
point method.
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
        "1726262eeaf70efcf92996d7b066c3cf841c1c0e4be0e50dedd309710e0e5f24"
    ),
    ("households", Algorithm.MAXIMIN, 3, AlternatesMethod.SCALED): (
        "c2f2bd860a31d78004eb96de6600866db61d12169cbe8c318cbbfa5fa3a300d0"
    ),
    ("households", Algorithm.NASH, 2, AlternatesMethod.OPTIMISED): (
        "ffdeeb427a0c520742b607fd165f5c75dfe556c52e3291001f12051e6e5f0d53"
    ),
    ("households", Algorithm.LEGACY, 2, AlternatesMethod.SCALED): (
        "3ab9ecff93d0411d19d05e4033150388572299aedaac2d6b70443f43eb69850d"
    ),
    ("synthetic", Algorithm.LEXIMIN, 4, AlternatesMethod.OPTIMISED): (
        "800be56f3d87facfe4f634e88b4cc253d28422d7140fa847053ee151d07c2d9d"
    ),
    ("synthetic", Algorithm.MAXIMIN, 4, AlternatesMethod.SCALED): (
        "841f7f9a9203da7eb2fcd7172d50d31c3187698d85be2d7849abd07154c8f5f9"
    ),
    ("synthetic", Algorithm.NASH, 4, AlternatesMethod.SCALED): (
        "809546db72e320d779bd6f7da3f5b3df5a0dbf9b3b8b442e16aaf41f27db496b"
    ),
    ("synthetic", Algorithm.LEGACY, 4, AlternatesMethod.OPTIMISED): (
        "5e58f621a25268c56cb0e5112001a9aa3230146055378efefcb93c64f39dc249"
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
        "ca46e846ec94bdcfb64c455eddb7505feffb22ff2f25777a7fc7703162617d4d"
    ),
    ("households", Algorithm.MAXIMIN): (
        "692f281f176c4e7b02f30f694d63dd97aa19d5d702924ae71674c329695d3686"
    ),
    ("households", Algorithm.NASH): (
        "a98cefcbb3b390b65c62a0053ec47c4fc7a7d7b9110bdcf3d9afb935001ddde4"
    ),
    ("synthetic", Algorithm.LEXIMIN): (
        "25278b72fef40962623656bb9298da5dcc022b082a473a2740ccef6ec1bde5ee"
    ),
    ("synthetic", Algorithm.MAXIMIN): (
        "f1ff6376fd92cd050c57d054b9bbd2944fe8039427bf89e556157a57913d3757"
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
    AlternatesSearch.EXPECTED: "883cc2dd86e1d1fbf9a99ed0c39bb8da0c43b4923d5eaf06e7f1af06e5139076",
    AlternatesSearch.SWAP: "b148ab326ea11d82bcd25fa44c4d3c002b5757432736a8868ed3881b94e7dcf0",
    AlternatesSearch.MIP: "1ee6566c0c8fb7693d398ec8801473825d0d49311440a4ae214a2ed4a2bc1ae3",
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
    "anyone": "8933b871654b8a25049aeb901f4613b39c672e0bdf866c298186f05393a25fe9",
    "ranked": "1044c1a29999d0cce9a96f131818324a79157e73d86d10b6115997e5b6ca1f98",
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
