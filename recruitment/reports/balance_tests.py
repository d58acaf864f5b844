"""The report's balance tests: per unit and criterion, the pooled panel against its targets.

Each unit's pooled categories (``Report.unit_balance``: selected people and target
shares, crossed criteria included where the quotas cross two criteria) go through
``quotas.balance_tests``: goodness of fit (exact, Monte Carlo or chi-square p-value),
total variation distance, and the largest gap with its 95 % Wilson interval. A pooled
unit is tested as one sample of its seats from its pooled targets. ``EXPLANATIONS`` are
the messages saying what each figure means and does not mean, printed with the table.
"""

from __future__ import annotations

import math

import pandas as pd

from quotas.balance_tests import balance_tests
from quotas.messages import render
from recruitment.reports.model import Report
from recruitment.reports.tables import balance_frame, unit_label

#: What the figures mean and do not mean, in the order the report prints them.
EXPLANATIONS = ("report_tests_p_value", "report_tests_tvd", "report_tests_gap")
#: The columns of ``balance_tests_frame``.
TEST_COLUMNS = (
    *("unit", "feature", "seats", "test", "p_value", "tvd", "value", "target_share"),
    *("panel_share", "deviation", "gap_low", "gap_high"),
)


def unit_tests(report: Report) -> list[pd.DataFrame]:
    """Each unit's tests (``quotas.balance_tests.TEST_COLUMNS``), in the units' order."""
    columns = ["feature", "value", "count", "target_share"]
    return [balance_tests(report.unit_balance(unit)[columns]) for unit in report.units]


def _round(value: float, digits: int) -> float | None:
    number = float(value)
    return None if math.isnan(number) else round(number, digits)


def balance_tests_frame(report: Report, lang: str = "en") -> pd.DataFrame:
    """One row per unit × criterion: the test, its p-value, the TVD and the largest gap."""
    rows = []
    for unit, tests in zip(report.units, unit_tests(report), strict=True):
        label = unit_label(report, unit, lang)
        for line in tests.to_dict("records"):
            rows.append(
                {
                    "unit": label,
                    "feature": line["feature"],
                    "seats": int(line["n"]),
                    "test": render(f"report_test_{line['method']}", {}, lang),
                    "p_value": _round(line["p_value"], 4),
                    "tvd": _round(line["tvd"], 4),
                    "value": line["gap_value"],
                    "target_share": _round(line["census_share"], 4),
                    "panel_share": _round(line["panel_share"], 4),
                    "deviation": _round(line["gap"], 4),
                    "gap_low": _round(line["gap_low"], 4),
                    "gap_high": _round(line["gap_high"], 4),
                }
            )
    return pd.DataFrame(rows, columns=list(TEST_COLUMNS))


def balance_with_tests(report: Report, lang: str = "en") -> pd.DataFrame:
    """``balance_frame`` (the CSV) with each criterion's ``test``, ``p_value`` and ``tvd``.

    They follow ``deviation`` on every category row of the criterion; ``test`` is
    ``exact``, ``monte_carlo``, ``chi_square`` or ``none``.
    """
    frame = balance_frame(report, lang)
    parts = [
        tests[["feature", "method", "p_value", "tvd"]]
        .rename(columns={"method": "test"})
        .assign(country=unit.country, region=unit.region)
        for unit, tests in zip(report.units, unit_tests(report), strict=True)
    ]
    keys = ["country", "region", "feature"]
    if not parts:
        return frame.assign(test=None, p_value=None, tvd=None)[_ordered(frame)]
    found = pd.concat(parts, ignore_index=True)
    found["p_value"] = found["p_value"].round(6)
    found["tvd"] = found["tvd"].round(6)
    merged = frame.merge(found, on=keys, how="left", sort=False)
    return merged[_ordered(frame)]


def _ordered(frame: pd.DataFrame) -> list[str]:
    columns = list(frame.columns)
    at = columns.index("deviation") + 1
    return [*columns[:at], "test", "p_value", "tvd", *columns[at:]]


def explanations(lang: str) -> list[str]:
    """The paragraphs printed with the tests."""
    return [render(code, {}, lang) for code in EXPLANATIONS]
