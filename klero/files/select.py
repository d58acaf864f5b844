"""``klero select`` on files: read a pool and its quotas, run the pipeline, write the result files.

The selection itself is ``sampling.pipeline`` (the one the service runs too); this module
reads the inputs, reports every problem at once, and writes the files all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from klero.files.check import feasibility_of, print_infeasible, print_problems
from klero.files.inputs import load_inputs
from klero.options import cli_language, emit_json, say
from klero.output import json_writer, table_writer, write_all
from klero.progress import progress_for
from quotas.cldr import format_number
from quotas.margin_files import read_margins
from quotas.messages import render
from quotas.problems import Problem, raise_if_errors
from quotas.tables import read_table
from sampling import (
    BASE_KEY,
    DropoutSpec,
    InfeasibleQuotas,
    PropensityModel,
    SelectionRequest,
    SelectionResult,
    SelectionSettings,
    dropout_from_record,
    select_panel,
)


def read_dropout_rates(path: Path, default: float) -> DropoutSpec:
    """Read ``feature,value,rate`` rows (rate as 0.2 or 20%); others get ``default``."""
    frame, problems = read_table(path)
    missing = [c for c in ("feature", "value", "rate") if c not in frame.columns]
    if missing:
        problems.append(
            Problem("dropout_file_columns", {"path": str(path), "missing": ", ".join(missing)})
        )
    rows: list[list[Any]] = [[*BASE_KEY, default]]
    for row, (feature, value, text) in enumerate(
        frame.reindex(columns=["feature", "value", "rate"]).itertuples(index=False), start=2
    ):
        if missing:
            break
        raw = str(text).strip()
        try:
            rate = float(raw.rstrip("%")) / (100 if raw.endswith("%") else 1)
        except ValueError:
            problems.append(
                Problem("dropout_file_rate", {"path": str(path), "row": row, "rate": raw})
            )
            continue
        rows.append([feature, value, rate])
    raise_if_errors(problems)
    return dropout_from_record(rows)


def end_to_end_model(margins: Path | None, background: Path | None) -> PropensityModel:
    """The propensity model of ``--end-to-end``: margins (none: the site's), a sample."""
    shares = {} if margins is None else dict(read_margins(margins).features)
    if background is None:
        return PropensityModel(shares)
    frame, problems = read_table(background)
    raise_if_errors(problems)
    criteria = [str(c) for c in frame.columns if str(c).strip().casefold() != "id"]
    rows = [[str(v) for v in row] for row in frame[criteria].itertuples(index=False, name=None)]
    return PropensityModel.with_sample(shares, criteria, rows)


@dataclass(frozen=True)
class SelectionFiles:
    """The input files of ``klero select`` and how to read the pool."""

    pool: Path
    quotas: Path
    id_column: str = "id"
    address_columns: list[str] = field(default_factory=list)


def select_files(
    files: SelectionFiles,
    size: int,
    out_dir: Path,
    settings: SelectionSettings,
    *,
    as_json: bool,
) -> int:
    """Select from a pool file and a quota file; write the result files together."""
    inputs = load_inputs(
        files.pool,
        files.quotas,
        size,
        id_column=files.id_column,
        address_columns=files.address_columns,
    )
    if not inputs.valid:
        if as_json:
            emit_json({"valid": False, "problems": [p.to_dict() for p in inputs.problems]})
        else:
            lang = cli_language()
            typer.echo(render("check_invalid", {"count": len(inputs.problems)}, lang))
            print_problems(inputs.problems, lang)
        return 2
    assert inputs.pool is not None and inputs.quotas is not None and inputs.frame is not None
    request = SelectionRequest(inputs.pool, inputs.quotas, size, settings.for_pool(inputs.pool))
    callback, bar = progress_for(not as_json)
    try:
        result = select_panel(request, progress=callback)
    except InfeasibleQuotas:
        infeasible = feasibility_of(inputs, size)
        if as_json:
            emit_json({"valid": True, **infeasible.to_dict()})
        else:
            print_infeasible(infeasible)
        return 1
    finally:
        if bar is not None:
            bar.close()
    report = {**result.report(), "pool_file": str(files.pool), "quotas_file": str(files.quotas)}
    write_all(out_dir, _writers(result, inputs.frame, report))
    if as_json:
        emit_json(report)
    else:
        _print_result(result, out_dir)
    return 0


def _writers(
    result: SelectionResult, frame: pd.DataFrame, report: dict[str, Any]
) -> dict[str, Callable[[Path], None]]:
    """What ``klero select`` writes: the panel, everyone else, the lottery and the report."""
    lottery = result.lottery
    in_panel = frame.index.isin(result.selected)
    probabilities = pd.DataFrame(
        {"id": lottery.probabilities.index, "probability": lottery.probabilities.to_numpy()}
    )
    writers: dict[str, Callable[[Path], None]] = {
        "panel.csv": table_writer(frame[in_panel].reset_index()),
        "remaining.csv": table_writer(frame[~in_panel].reset_index()),
        "probabilities.csv": table_writer(probabilities),
        "lottery.csv": table_writer(lottery.table()),
        "lottery_types.csv": table_writer(lottery.types_table(result.request.pool)),
    }
    text = result.request.canonical_inputs.encode("utf-8")

    def write_inputs(path: Path) -> None:  # these very bytes hash to input_sha256
        path.write_bytes(text)

    writers["inputs.json"] = write_inputs
    if result.alternates is not None:
        writers["alternates.csv"] = table_writer(result.alternates.to_frame())
    if result.end_to_end is not None:
        corrected = result.end_to_end
        writers["propensities.csv"] = table_writer(
            pd.DataFrame(
                {
                    "id": list(corrected.ids),
                    "propensity": corrected.propensities.values,
                    "target": corrected.targets,
                }
            )
        )
    writers["report.json"] = json_writer(report)
    return writers


def _print_result(result: SelectionResult, out_dir: Path) -> None:
    settings, fairness, chosen = result.request.settings, result.fairness(), result.alternates
    lang = cli_language()

    def number(value: float, decimals: int) -> str:
        return format_number(value, lang, decimals)

    figures = {
        "selected": len(result.selected),
        "people": len(result.request.pool),
        "algorithm": str(settings.algorithm),
        "number": result.drawn.index,
        "panels": settings.lottery_size,
        "seconds": number(result.seconds, 1),
    }
    typer.echo(render("select_summary", figures, lang))
    figures = {
        name: number(fairness[name], 4) for name in ("lottery_min", "lottery_max", "min", "max")
    }
    figures |= {name: number(fairness[name], 3) for name in ("lottery_gini", "gini")}
    figures |= {
        name: number(fairness[name], 5) for name in ("lottery_max_drop", "lottery_max_rise")
    }
    typer.echo(render("select_fairness", figures, lang))
    typer.echo(render("select_input_hash", {"hash": result.input_sha256}, lang))
    report = result.report()
    if "end_to_end" in report:
        print_end_to_end(report["end_to_end"])
    if chosen is not None:
        figures = {
            "count": len(chosen),
            "method": str(chosen.method),
            "deviation": number(chosen.expected_deviation, 3),
            "without": number(chosen.without_alternates, 3),
        }
        typer.echo(render("select_alternates", figures, lang))
    typer.echo(render("select_written", {"path": str(out_dir)}, lang))


def print_end_to_end(figures: dict[str, Any]) -> None:
    """The end-to-end lines of a summary: the model, then q_i p_i's spread beside LEXIMIN's."""
    mine, plain = figures["spread"], figures["leximin_spread"]
    lang = cli_language()
    say(
        "cli_end_to_end",
        model=render(f"cli_model_{figures['model']}", {}, lang),
        criteria=", ".join(figures["criteria"]),
        ratio=f"{figures['ratio']:.1f}",
        max_min=_ratio(mine["max_min"], lang),
        p95_p5=_ratio(mine["p95_p5"], lang),
        leximin_max_min=_ratio(plain["max_min"], lang),
        leximin_p95_p5=_ratio(plain["p95_p5"], lang),
    )
    for warning in figures["warnings"]:
        params = {k: v for k, v in warning.items() if k not in ("code", "severity", "message")}
        say("cli_warning", message=render(warning["code"], params, lang))


def _ratio(value: float | None, lang: str) -> str:
    return render("cli_unbounded", {}, lang) if value is None else f"{value:.2f}"
