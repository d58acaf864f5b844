"""``klero weights`` on files: raking weights for a panel's answers, from census margins.

The panel file is read against the margins (its id column and one column per criterion,
as a pool file); ``--crossed`` adds crossed margins (``feature_1, value_1, feature_2,
value_2, share``). The weighting is ``quotas.raking``; the output is ``id, weight``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from klero.options import cli_language, emit_json, headed, say
from klero.output import table_writer, write_file
from quotas.balance_tests import balance_tests
from quotas.margin_files import read_margins
from quotas.messages import render
from quotas.pool_files import load_pool
from quotas.raking import Weights, chosen_criteria, margins_quotas, pool_weights
from quotas.targets import Margins


@dataclass(frozen=True)
class WeightsResult:
    """Weights for a group of people: ids, the raking result and the category table."""

    ids: tuple[str, ...]
    weights: Weights
    categories: pd.DataFrame

    def frame(self) -> pd.DataFrame:
        """The ``id, weight`` table written by ``--out``."""
        return pd.DataFrame({"id": list(self.ids), "weight": self.weights.weights})

    def balance(self) -> pd.DataFrame:
        """The balance tests of the unweighted panel against the census, per criterion."""
        rows = self.categories.rename(columns={"census_share": "target_share"})
        return balance_tests(rows)

    def summary(self) -> dict[str, Any]:
        """The figures printed and given with ``--json``."""
        w = self.weights.weights
        return {
            "people": len(w),
            "criteria": int(self.categories["feature"].nunique()),
            "sweeps": self.weights.sweeps,
            "largest_gap": self.weights.largest_gap,
            "min_weight": float(w.min()),
            "max_weight": float(w.max()),
            "design_effect": self.weights.design_effect,
            "effective_size": self.weights.effective_size,
        }


def read_all_margins(margins: Path, crossed: Path | None) -> Margins:
    """The margins file, with the crossed margins of ``crossed`` added (validated)."""
    found = read_margins(margins)
    if crossed is None:
        return found.validated()
    extra = read_margins(crossed)
    features = dict(found.features)
    for feature, values in extra.features.items():
        features.setdefault(feature, values)
    return Margins(features, {**found.crossed, **extra.crossed}).validated()


def file_weights(
    panel: Path,
    margins: Margins,
    id_column: str,
    trim: float | None,
    criteria: list[str] | None = None,
) -> WeightsResult:
    """Raking weights for the people of a panel file (on ``criteria`` only, when given)."""
    table = chosen_criteria(margins_quotas(margins), criteria)
    pool = load_pool(panel, table, id_column=id_column).raise_for_errors()
    result, categories = pool_weights(pool, table, trim)
    return WeightsResult(pool.ids, result, categories)


def print_weights(
    result: WeightsResult, out: Path | None, as_json: bool, about: dict[str, Any] | None = None
) -> None:
    """Print the weights' summary and the category table (or one JSON object).

    ``about`` (a stored site's run, with the service) comes first in either form.
    """
    summary = {**(about or {}), **result.summary()}
    lang = cli_language()
    if about and not as_json:
        group = render(f"cli_weights_group_{about['group']}", {}, lang)
        say("cli_weights_about", **{**about, "group": group})
    if as_json:
        rows = result.categories.to_dict("records")
        tests = result.balance().to_dict("records")
        emit_json(
            {
                **summary,
                "categories": rows,
                "balance_tests": tests,
                "out": None if out is None else str(out),
            }
        )
        return
    say(
        "cli_weights_raking",
        people=summary["people"],
        criteria=summary["criteria"],
        rounds=summary["sweeps"],
        gap=f"{100 * summary['largest_gap']:.3f}",
    )
    spread = {"min": "min_weight", "max": "max_weight", "effect": "design_effect"}
    figures = {name: f"{summary[key]:.3f}" for name, key in spread.items()}
    say("cli_weights_range", **figures, size=f"{summary['effective_size']:.1f}")
    shown = result.categories.copy()
    for column in ("census_share", "panel_share", "weighted_share"):
        shown[column] = shown[column].map(lambda v: f"{100 * v:.1f}%")
    typer.echo(headed(shown, lang))
    say("cli_weights_balance")
    typer.echo(balance_text(result.balance(), lang))
    if out is not None:
        say("svc_wrote", path=str(out))


def balance_text(tests: pd.DataFrame, lang: str) -> str:
    """The balance tests as a plain table: p-value and method, TVD, largest gap and its CI."""
    shown = pd.DataFrame(
        {
            "criterion": tests["feature"],
            "p_value": tests["p_value"].map(lambda v: f"{v:.3f}"),
            "test": tests["method"].map(lambda m: render(f"cli_test_{m}", {}, lang)),
            "tvd": tests["tvd"].map(lambda v: f"{100 * v:.1f}%"),
            "largest_gap": [
                render(
                    "cli_weights_gap",
                    {
                        "category": value,
                        "gap": f"{100 * gap:+.1f}",
                        "low": f"{100 * low:+.1f}",
                        "high": f"{100 * high:+.1f}",
                    },
                    lang,
                )
                for value, gap, low, high in zip(
                    tests["gap_value"],
                    tests["gap"],
                    tests["gap_low"],
                    tests["gap_high"],
                    strict=True,
                )
            ],
        }
    )
    return headed(shown, lang)


def weights_files(
    panel: Path,
    margins: Path,
    crossed: Path | None,
    trim: float | None,
    out: Path | None,
    *,
    id_column: str = "id",
    criteria: list[str] | None = None,
    as_json: bool = False,
) -> int:
    """``klero weights`` on files: read, rake, write ``--out`` (all or nothing), print."""
    found = read_all_margins(margins, crossed)
    result = file_weights(panel, found, id_column, trim, criteria)
    if out is not None:
        write_file(out, table_writer(result.frame()))
    print_weights(result, out, as_json)
    return 0
