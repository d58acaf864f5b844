"""The pricing oracle never hands back a panel that misses a quota, even when CBC slips."""

from __future__ import annotations

import numpy as np
import pandas as pd

from quotas.model import quota_table
from quotas.pool import Pool
from sampling.engine.oracle import PanelOracle
from tests.sampling.conftest import Instance


def _slipping_instance() -> Instance:
    """Nine people, one shared household: CBC 2.10 calls an infeasible point optimal here.

    Maximising the seats of the four people with f0=v0, f1=v0, CBC answers two of them, which
    leaves f1=v1 with 1 seat against its minimum of 2 (found by a random search).
    """
    codes = [(0, 1), (2, 0), (2, 1), (0, 0), (1, 0), (2, 1), (0, 0), (0, 0), (0, 0)]
    frame = pd.DataFrame({"f0": [f"v{a}" for a, _ in codes], "f1": [f"v{b}" for _, b in codes]})
    quotas = quota_table(
        [
            ("f0", "v0", 2, 2),
            ("f0", "v1", 1, 2),
            ("f0", "v2", 1, 1),
            ("f1", "v0", 2, 3),
            ("f1", "v1", 2, 2),
        ]
    )
    homes = [None, "h0", "h0", None, None, None, None, None, None]
    ids = [f"p{i:02d}" for i in range(len(codes))]
    return Instance(Pool.build(ids, frame, quotas, homes), quotas, 4)


def test_a_slip_of_cbc_is_answered_by_highs() -> None:
    inst = _slipping_instance()
    oracle = PanelOracle(inst.pool, inst.quotas, inst.size)
    common = int(np.argmax(oracle.counts))  # the type of the four people with v0, v0
    assert oracle.counts[common] == 4
    weights = np.zeros(oracle.n_types)
    weights[common] = 1.0
    # The slip itself, so that this test keeps testing the fallback and not a fixed CBC.
    oracle.model.set_objective(list(range(oracle.n_types)), weights.tolist())
    oracle.model.solve(relative_gap=1e-9)
    assert not oracle.shape.holds(oracle.model.seats())

    priced = oracle.best(weights)

    assert oracle.shape.holds(priced.seats)
    assert oracle.second_opinions == 1
    # Only one of the four fits: f0=v0 needs the f0=v0, f1=v1 person as its second seat.
    assert priced.seats[common] == 1
    assert priced.value == 1.0
    assert 1.0 <= priced.bound <= 1.0 + 1e-6
