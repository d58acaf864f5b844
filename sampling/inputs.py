"""The canonical input hash: one SHA-256 that names everything a selection result depends on.

Same pool, quotas, panel size, algorithm and settings give the same hash in any process,
on any machine and whatever the row order of the input files, so anyone holding the
inputs can check that a published result was computed from them.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec

import numpy as np

from quotas.model import QuotaTable
from quotas.pool import Pool

# Bump when the canonical form changes, so old and new hashes can never be confused.
SCHEME = "kleroterion-input-v1"

P = ParamSpec("P")


def _canonical_value(value: object) -> Any:
    """A JSON-ready form of a setting whose text does not depend on the platform."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            # JSON has no NaN or infinity; spell them as text so they still hash stably.
            return repr(number)
        # repr is the shortest text that reads back to the same double, on every platform.
        return {"float": repr(number)}
    if isinstance(value, Mapping):
        return {str(k): _canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_canonical_value(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_canonical_value(v) for v in value), key=_dumps)
    return str(value)


def _dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def canonical_inputs(
    pool: Pool,
    quotas: QuotaTable,
    size: int,
    algorithm: str,
    settings: Mapping[str, object],
) -> str:
    """The canonical JSON text that ``input_sha256`` hashes (sorted keys, no white space)."""
    document = {
        "scheme": SCHEME,
        "quotas": _canonical_value(quotas.canonical()),
        "size": int(size),
        "algorithm": str(algorithm),
        "settings": _canonical_value(dict(settings)),
    }
    # The same text as ``_dumps`` of the whole document, with the pool's part (most of
    # it, on a large pool) written by the pool itself.
    parts = {key: _dumps(value) for key, value in document.items()}
    parts["pool"] = pool.canonical_json()
    return "{" + ",".join(f"{_dumps(key)}:{parts[key]}" for key in sorted(parts)) + "}"


def text_sha256(text: str) -> str:
    """SHA-256 (hex) of ``text`` in UTF-8: the hash of canonical inputs already written."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _hashed(canonical: Callable[P, str]) -> Callable[P, str]:
    """``canonical``'s text hashed by ``text_sha256``: the same arguments, declared once."""

    def digest(*args: P.args, **kwargs: P.kwargs) -> str:
        return text_sha256(canonical(*args, **kwargs))

    return digest


input_sha256 = _hashed(canonical_inputs)
input_sha256.__doc__ = """SHA-256 (hex) of the canonical inputs of a selection run (the
arguments of ``canonical_inputs``).

    >>> import pandas as pd
    >>> from quotas.model import quota_table
    >>> q = quota_table([("g", "f", 1, 1), ("g", "m", 1, 1)])
    >>> p = Pool.build(["a", "b"], pd.DataFrame({"g": ["f", "m"]}), q)
    >>> len(input_sha256(p, q, 2, "leximin", {"seed": 1}))
    64
    """
