"""Floating-point arithmetic that gives the same bits on every CPU, for the engine's decisions.

Why. numpy hands ``a @ b``, ``np.dot``, ``np.convolve`` and ``np.linalg`` to OpenBLAS,
whose kernels are chosen at run time for the processor (SSE3, Haswell's AVX2,
SkylakeX's AVX-512) and split long products across threads. Each kernel adds in its own
order, so the last bits of a product differ between machines; ``np.log`` likewise uses
AVX-512 code (SVML) where the processor has it and the C library elsewhere. A NASH
selection fed those bits into its cutting planes and drew a different lottery on an
AVX-512 machine (measured: the digest ``synthetic-nash-4-scaled`` changed with
``OPENBLAS_CORETYPE=SkylakeX``), which breaks "same inputs and seed, same panel, on any
machine".

So the engine computes every floating-point quantity that steers a choice (a price, a
bound, an objective, a rounding's deviation) with the functions below. They use only
element-wise IEEE operations (correctly rounded on every CPU), numpy's reductions (written
in portable C with a fixed order of additions, no BLAS), ``math.fsum`` (exactly rounded
sums) and ``math.log`` (the C library's, not a vector unit's).
``tests/sampling/test_portable.py`` runs selections under every kernel this machine can
run and checks that the digests agree. Integer products stay with ``@``: they are exact.
"""

from __future__ import annotations

import math

import numpy as np


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """The exactly rounded sum of ``a * b`` (two vectors): the same float everywhere.

    >>> dot(np.array([0.1, 0.2, 0.3]), np.array([1.0, 1.0, 1.0]))
    0.6
    """
    return math.fsum(np.multiply(a, b, dtype=float).tolist())


def matvec(m: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``m @ x`` for a matrix and a vector, summed in numpy's fixed (pairwise) order."""
    return np.multiply(m, np.asarray(x, dtype=float)[None, :]).sum(axis=1)


def vecmat(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``x @ m`` for a vector and a matrix, row by row in order."""
    return np.multiply(np.asarray(x, dtype=float)[:, None], m).sum(axis=0)


def gram(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a.T @ b`` (both with the same rows), one output row at a time."""
    out = np.zeros((a.shape[1], b.shape[1]))
    for i in range(a.shape[1]):
        out[i] = vecmat(a[:, i], b)
    return out


def log(x: np.ndarray) -> np.ndarray:
    """Natural logarithm element-wise by the C library (-inf at 0, nan below), like np.log."""
    flat = np.asarray(x, dtype=float).ravel().tolist()
    out = [math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan) for v in flat]
    return np.asarray(out, dtype=float).reshape(np.shape(x))


def exp(x: np.ndarray) -> np.ndarray:
    """Exponential element-wise by the C library (inf on overflow), like np.exp."""
    flat = np.asarray(x, dtype=float).ravel().tolist()
    return np.asarray([_exp(v) for v in flat], dtype=float).reshape(np.shape(x))


def _exp(value: float) -> float:
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The full discrete convolution of two vectors, shift by shift.

    >>> convolve(np.array([0.5, 0.5]), np.array([0.5, 0.5])).tolist()
    [0.25, 0.5, 0.25]
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    out = np.zeros(a.size + b.size - 1)
    for i, value in enumerate(a.tolist()):
        out[i : i + b.size] += value * b
    return out


def solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``x`` with ``a x = b`` by Gaussian elimination with partial pivoting (no LAPACK).

    Raises ``numpy.linalg.LinAlgError`` when ``a`` is singular.

    >>> solve(np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([3.0, 5.0])).round(12).tolist()
    [0.8, 1.4]
    """
    m = np.array(a, dtype=float)
    y = np.array(b, dtype=float)
    n = y.size
    for col in range(n):
        pivot = col + int(np.argmax(np.abs(m[col:, col])))
        if m[pivot, col] == 0.0:
            raise np.linalg.LinAlgError("singular matrix")
        if pivot != col:
            m[[col, pivot]] = m[[pivot, col]]
            y[[col, pivot]] = y[[pivot, col]]
        factors = m[col + 1 :, col] / m[col, col]
        m[col + 1 :, col:] -= factors[:, None] * m[col, col:][None, :]
        y[col + 1 :] -= factors * y[col]
    x = np.zeros(n)
    for row in range(n - 1, -1, -1):
        x[row] = (y[row] - dot(m[row, row + 1 :], x[row + 1 :])) / m[row, row]
    return x


__all__ = ["convolve", "dot", "exp", "gram", "log", "matvec", "solve", "vecmat"]
