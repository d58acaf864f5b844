"""Same canonical inputs and seed give the same hash and the same panel, in any process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from quotas.model import QuotaTable, quota_table
from quotas.pool import Pool
from sampling.inputs import canonical_inputs, input_sha256

ROOT = Path(__file__).resolve().parents[2]

ROWS = [
    ("gender", "female", 3, 5),
    ("gender", "male", 3, 5),
    ("age", "16-34", 2, 4),
    ("age", "35-59", 2, 4),
    ("age", "60+", 2, 4),
]


def small_pool(
    order: list[int] | None = None, rows: list[tuple[str, str, int, int]] = ROWS
) -> tuple[Pool, QuotaTable]:
    rng = np.random.default_rng(123)
    n = 30
    frame = pd.DataFrame(
        {
            "gender": rng.choice(["female", "male"], n),
            "age": rng.choice(["16-34", "35-59", "60+"], n),
        }
    )
    ids = [f"v{i:02d}" for i in range(n)]
    homes: list[str | None] = [None] * n
    homes[0] = homes[1] = "12 High St"
    homes[5] = homes[9] = homes[11] = "3 Low Rd"
    quotas = quota_table(rows)
    order = order if order is not None else list(range(n))
    return (
        Pool.build(
            [ids[i] for i in order],
            frame.iloc[order].reset_index(drop=True),
            quotas,
            [homes[i] for i in order],
        ),
        quotas,
    )


def test_hash_ignores_row_order_of_pool_and_quotas() -> None:
    pool, quotas = small_pool()
    shuffled = list(np.random.default_rng(1).permutation(30))
    pool2, _ = small_pool(shuffled, rows=[ROWS[i] for i in (4, 2, 1, 3, 0)])
    quotas2 = quota_table([ROWS[i] for i in (3, 0, 4, 2, 1)])
    settings = {"seed": 3, "lottery_size": 1000, "tolerance": 0.1}
    assert input_sha256(pool, quotas, 10, "leximin", settings) == input_sha256(
        pool2, quotas2, 10, "leximin", dict(reversed(list(settings.items())))
    )


def test_hash_changes_with_every_input() -> None:
    pool, quotas = small_pool()
    base = input_sha256(pool, quotas, 10, "leximin", {"seed": 3})
    others = {
        input_sha256(pool, quotas, 11, "leximin", {"seed": 3}),
        input_sha256(pool, quotas, 10, "maximin", {"seed": 3}),
        input_sha256(pool, quotas, 10, "leximin", {"seed": 4}),
        input_sha256(
            pool, quota_table([*ROWS[:4], ("age", "60+", 2, 3)]), 10, "leximin", {"seed": 3}
        ),
    }
    changed = pd.DataFrame({"gender": ["female"], "age": ["60+"]})
    other_pool = Pool.build(["x"], changed, quotas)
    others.add(input_sha256(other_pool, quotas, 10, "leximin", {"seed": 3}))
    assert base not in others and len(others) == 5


def test_settings_are_canonical_across_number_types() -> None:
    pool, quotas = small_pool()
    plain = {"samples": 5, "gap": 0.1, "flags": (1, 2), "on": True}
    numpy = {"samples": np.int64(5), "gap": np.float64(0.1), "flags": [1, 2], "on": np.bool_(True)}
    assert input_sha256(pool, quotas, 10, "legacy", plain) == input_sha256(
        pool, quotas, 10, "legacy", numpy
    )
    text = canonical_inputs(pool, quotas, 10, "legacy", plain)
    assert ": " not in text and ", " not in text
    assert '"0.1"' in text and json.loads(text)["settings"]["samples"] == 5


SCRIPT = """
import json, sys
from sampling.lottery import draw
from sampling.names import Algorithm
from sampling.pipeline import SelectionRequest, SelectionSettings, select_panel
from tests.sampling.test_reproducible import small_pool

algorithm = Algorithm.parse(sys.argv[1])
pool, quotas = small_pool()
extra = {"samples": 300} if algorithm is Algorithm.LEGACY else {}
settings = SelectionSettings(
    algorithm=algorithm, seed=9, lottery_size=100, alternates=3, algorithm_settings=extra
)
result = select_panel(SelectionRequest(pool, quotas, 10, settings))
by_number = draw(result.lottery, public_number=4711)
print(json.dumps({
    "hash": result.input_sha256,
    "seed_ids": result.selected,
    "alternates": result.alternate_ids,
    "number_ids": list(by_number.ids),
    "index": result.drawn.index,
    "probabilities": [round(p, 12) for p in result.lottery.probabilities.tolist()],
}))
"""


def run_in_processes(algorithm: str) -> list[dict[str, Any]]:
    outputs = []
    for hash_seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(SCRIPT), algorithm],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        outputs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return outputs


def test_legacy_draw_is_identical_across_processes() -> None:
    outputs = run_in_processes("legacy")
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]["seed_ids"]) == 10 and len(outputs[0]["alternates"]) == 3


def test_leximin_draw_is_identical_across_processes() -> None:
    outputs = run_in_processes("leximin")
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]["number_ids"]) == 10 and len(outputs[0]["alternates"]) == 3
