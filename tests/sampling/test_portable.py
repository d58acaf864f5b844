"""The same lottery on every CPU: the engine's arithmetic does not depend on BLAS or SIMD.

numpy picks OpenBLAS kernels and its own vector code for the processor at run time; a
different kernel adds in a different order. The cross-kernel test runs the same
selections in fresh processes under each kernel this machine can execute (forced with
``OPENBLAS_CORETYPE`` and ``NPY_DISABLE_CPU_FEATURES``) and compares their digests: before
``sampling.portable`` the NASH digest differed between the SkylakeX and Haswell kernels.
"""

from __future__ import annotations

import ast
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sampling import portable

ROOT = Path(__file__).resolve().parents[2]
FLOATS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)

# The cases run in each process: (instance, algorithm, alternates, method) of the digests.
CASES = (
    ("synthetic", "nash", 4, "scaled"),
    ("households", "nash", 2, "optimised"),
    ("households", "leximin", 3, "optimised"),
)


def digests() -> dict[str, str]:
    """The pipeline digests of ``CASES`` in this process (run by the subprocesses)."""
    from sampling.names import Algorithm, AlternatesMethod
    from sampling.pipeline import SelectionRequest, SelectionSettings, select_panel
    from tests.sampling.test_regression_digests import (
        INSTANCES,
        _alternates_payload,
        _digest,
        _lottery_payload,
    )

    out = {}
    for instance, algorithm, count, method in CASES:
        pool, quotas, size = INSTANCES[instance]()
        settings = SelectionSettings(
            algorithm=Algorithm(algorithm),
            seed=11,
            lottery_size=200,
            alternates=count,
            alternates_method=AlternatesMethod(method),
            dropout=0.2,
        )
        result = select_panel(SelectionRequest(pool, quotas, size, settings))
        payload = {**_lottery_payload(result), "alternates": _alternates_payload(result.alternates)}
        out[f"{instance}-{algorithm}"] = _digest(payload)
    return out


def _kernels() -> dict[str, dict[str, str]]:
    """Environments forcing each BLAS kernel and numpy vector level this CPU can run."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    found = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    plain = {"OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_NUM_THREADS": "1"}
    if found:
        plain["NPY_DISABLE_CPU_FEATURES"] = " ".join(found)
    kernels = {"sse3-baseline": plain}
    if " avx2" in flags:
        kernels["haswell"] = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "2"}
    if " avx512f" in flags:
        kernels["skylakex"] = {"OPENBLAS_CORETYPE": "SkylakeX", "OPENBLAS_NUM_THREADS": "2"}
    return kernels


def _run(extra: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, **extra, "PYTHONPATH": str(ROOT)}
    code = "import json, tests.sampling.test_portable as t; print(json.dumps(t.digests()))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.skipif(sys.platform != "linux", reason="kernels are forced through Linux's OpenBLAS")
def test_every_kernel_draws_the_same_lotteries() -> None:
    kernels = _kernels()
    assert len(kernels) >= 2 or "avx2" not in Path("/proc/cpuinfo").read_text()
    seen = {name: _run(env) for name, env in kernels.items()}
    first = next(iter(seen.values()))
    for name, got in seen.items():
        assert got == first, f"kernel {name} drew a different lottery: {got} != {first}"


def test_the_engine_leaves_floating_point_products_to_portable() -> None:
    """No BLAS or vector-unit call in sampling/ outside ``portable`` (integer ``@`` is exact)."""
    banned = {"dot", "einsum", "convolve", "log", "exp", "power", "inner", "vdot", "matmul"}
    found = []
    for path in sorted((ROOT / "sampling").rglob("*.py")):
        if path.name == "portable.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "np"
                and node.attr in banned
            ):
                found.append(f"{path.name}:{node.lineno} np.{node.attr}")
            if isinstance(node, ast.Attribute) and node.attr == "solve":
                inner = node.value
                if isinstance(inner, ast.Attribute) and inner.attr == "linalg":
                    found.append(f"{path.name}:{node.lineno} np.linalg.solve")
    assert found == []


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(arrays(float, n, elements=FLOATS), arrays(float, n, elements=FLOATS))
    )
)
def test_dot_is_the_exactly_rounded_sum(pair: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = pair
    assert portable.dot(a, b) == math.fsum((a * b).tolist())
    assert math.isclose(portable.dot(a, b), float(a @ b), rel_tol=1e-9, abs_tol=1e-3)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8).flatmap(lambda n: arrays(float, (n, n), elements=st.floats(-10, 10))))
def test_solve_solves(m: np.ndarray) -> None:
    a = m + np.eye(m.shape[0]) * (np.abs(m).sum() + 1.0)  # diagonally dominant: regular
    b = np.arange(1.0, m.shape[0] + 1.0)
    assert np.allclose(a @ portable.solve(a, b), b, atol=1e-9)


def test_solve_refuses_a_singular_matrix() -> None:
    with pytest.raises(np.linalg.LinAlgError):
        portable.solve(np.array([[1.0, 2.0], [2.0, 4.0]]), np.array([1.0, 2.0]))


@settings(max_examples=40, deadline=None)
@given(
    arrays(float, st.integers(1, 12), elements=st.floats(0, 1)),
    arrays(float, st.integers(1, 12), elements=st.floats(0, 1)),
)
def test_products_agree_with_numpy(a: np.ndarray, b: np.ndarray) -> None:
    assert np.allclose(portable.convolve(a, b), np.convolve(a, b))
    m = np.outer(a, b)
    assert np.allclose(portable.matvec(m, b), m @ b)
    assert np.allclose(portable.vecmat(a, m), a @ m)
    assert np.allclose(portable.gram(m, m), m.T @ m)


def test_log_and_exp_match_numpy_at_the_edges() -> None:
    x = np.array([[0.0, 1.0], [math.e, -1.0]])
    got: Any = portable.log(x)
    assert got.shape == (2, 2) and got[0, 0] == -math.inf and got[0, 1] == 0.0
    assert math.isclose(got[1, 0], 1.0) and math.isnan(got[1, 1])
    up: Any = portable.exp(np.array([-1000.0, 0.0, 1.0, 1000.0]))
    assert up.tolist() == [0.0, 1.0, math.e, math.inf]
