"""Numbers, percentages and dates as each language writes them, from CLDR (Babel).

The language's own separators, grouping (Hindi groups lakhs: 12,34,567) and percent
sign come from its CLDR locale (``quotas.languages``); digits stay Western (CLDR's
``latn`` numbering, which every shipped language reads). Nothing shown is rounded
differently from the value it stands for: ``decimals`` is the only rounding.
"""

from __future__ import annotations

import copy
import math
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING

from quotas.languages import DEFAULT, language

if TYPE_CHECKING:
    from babel import Locale

#: What a missing number or date shows, in every language.
MISSING = "–"


@cache
def locale(lang: str) -> Locale:
    """The Babel locale of ``lang`` (English for an unknown code)."""
    from babel import Locale  # loaded on the first number only

    return Locale.parse(language(lang).babel)


def _missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _fixed(value: float, pattern_of: str, lang: str, decimals: int) -> str:
    where = locale(lang)
    formats = where.percent_formats if pattern_of == "percent" else where.decimal_formats
    pattern = copy.copy(formats[None])
    pattern.frac_prec = (decimals, decimals)
    if round(value * (100 if pattern_of == "percent" else 1), decimals) == 0:
        value = 0.0  # no "-0.0"
    return str(pattern.apply(value, where))


def format_number(value: float | int | None, lang: str = DEFAULT, decimals: int = 0) -> str:
    """A number with the language's grouping and decimal mark, ``decimals`` digits after it.

    >>> format_number(1234567.891, "fr", 2)
    '1\u202f234\u202f567,89'
    >>> format_number(1234.5, "en", 1), format_number(1234.5, "es", 1)
    ('1,234.5', '1.234,5')
    >>> format_number(1234567, "hi")
    '12,34,567'
    """
    if _missing(value):
        return MISSING
    assert value is not None
    return _fixed(float(value), "decimal", lang, decimals)


def format_percent(share: float | None, lang: str = DEFAULT, decimals: int = 1) -> str:
    """A share (0.125) as a percentage in the language's style ("12.5%", "12,5 %").

    >>> format_percent(0.125, "en"), format_percent(0.125, "fr")
    ('12.5%', '12,5\xa0%')
    """
    if _missing(share):
        return MISSING
    assert share is not None
    return _fixed(float(share), "percent", lang, decimals)


def _parsed(value: str) -> date | datetime | None:
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        return None


def format_date(value: str | date | datetime | None, lang: str = DEFAULT) -> str:
    """A date (and time, if any) in the language's medium CLDR format; UTC is named.

    >>> format_date("2026-03-05T14:07:00+00:00", "fr")
    '5 mars 2026, 14:07 UTC'
    >>> format_date(date(2026, 3, 5), "en")
    'Mar 5, 2026'
    """
    from babel import dates  # loaded on the first date only

    if value is None or value == "":
        return MISSING
    if isinstance(value, str):
        parsed = _parsed(value)
        if parsed is None:
            return value
        value = parsed
    where = locale(lang)
    day = dates.format_date(value, "medium", locale=where)
    if not isinstance(value, datetime):
        return day
    offset = value.utcoffset()
    time = dates.format_time(value, "short", locale=where)
    joined = str(dates.get_datetime_format("medium", locale=where))
    shown = joined.replace("{1}", day).replace("{0}", time)
    return shown + (" UTC" if offset is not None and not offset else "")
