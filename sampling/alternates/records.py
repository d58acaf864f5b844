"""Drop-out rates as they are recorded: hashed, stored with a run, written in reports.

One form everywhere (``sampling.pipeline``'s settings, the alternates' own settings, a
``feature,value,rate`` file read by ``klero select``): a number when everyone has the
same rate, else ``[feature, value, rate]`` rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sampling.alternates.dropouts import BASE_KEY, DEFAULT_DROPOUT, DropoutSpec

__all__ = ["dropout_from_record", "dropout_record"]


def dropout_record(dropout: DropoutSpec) -> float | list[list[Any]]:
    """Drop-out rates in canonical form, as hashed, stored with a run and written in reports.

    A number when everyone has the same rate; otherwise ``[feature, value, rate]`` rows
    sorted by feature and value, with the rate of everyone else as the row ``*, *``.

    >>> dropout_record({("age", "16-24"): 0.3})
    [['*', '*', 0.15], ['age', '16-24', 0.3]]
    >>> dropout_record({("*", "*"): 0.2})
    0.2
    """
    if not isinstance(dropout, Mapping):
        return _rate(dropout)
    rates = {(str(f), str(v)): _rate(r) for (f, v), r in dropout.items()}
    rates.setdefault(BASE_KEY, DEFAULT_DROPOUT)
    if len(rates) == 1:
        return rates[BASE_KEY]
    return [[f, v, r] for (f, v), r in sorted(rates.items())]


def dropout_from_record(recorded: object) -> DropoutSpec:
    """The rates that ``dropout_record`` (or a ``feature,value,rate`` table's rows) give.

    Rows are read in order, so a later row for the same category wins; ``None`` (runs
    recorded before the rates were kept) is the default rate.
    """
    if recorded is None:
        return DEFAULT_DROPOUT
    if isinstance(recorded, list | tuple):
        return {(str(f), str(v)): _rate(r) for f, v, r in recorded}
    return _rate(recorded)


def _rate(value: object) -> Any:
    # A number becomes a float (1 and 1.0 hash alike); anything else is kept as it is, so
    # that ``dropout_rates`` names it in its message rather than a conversion failing here.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value
