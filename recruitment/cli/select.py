"""``klero select``: select a panel by a fair, verifiable lottery and write its files."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from quotas.messages import register
from quotas.problems import KleroError, Problem, raise_if_errors
from quotas.tables import read_table
from recruitment.cli.app import DRAW_NUMBER_MAX, LOTTERY_SIZE_MAX, app, emit_json, split_columns
from recruitment.cli.check import (
    AddressOpt,
    IdOpt,
    JsonOpt,
    feasibility_of,
    print_infeasible,
    print_problems,
)
from recruitment.cli.inputs import load_inputs
from recruitment.cli.output import json_writer, table_writer, write_all
from recruitment.cli.progress import progress_for
from recruitment.cli.service_common import DbOpt, UserOpt
from recruitment.cli.service_panels import select_for_site
from sampling.alternates import select_alternates
from sampling.errors import InfeasibleQuotas
from sampling.inputs import input_sha256
from sampling.lottery import check_draw_from_table, draw, round_to_lottery
from sampling.select import ENGINE, select_distribution

ALGORITHMS = ("leximin", "maximin", "nash", "legacy")

register(
    {
        "dropout_file_columns": (
            "The drop-out rates file {path} lacks the column(s) {missing}; it needs "
            "feature,value,rate."
        ),
        "dropout_file_rate": (
            "Row {row} of {path}: the rate {rate!r} is not a number (write 0.2 or 20%)."
        ),
        "verify_report_invalid": (
            "{path} is not the report.json that 'klero select' writes. Give --out-dir the "
            "folder of a published selection, with its report.json and lottery.csv."
        ),
    }
)


SiteOpt = Annotated[
    str | None,
    typer.Option("--site", help="Select for a stored site (pool and quotas from the database)."),
]


@app.command("select")
def select_command(
    pool: Annotated[
        Path | None, typer.Option("--pool", help="Volunteer pool (CSV or XLSX).")
    ] = None,
    quotas: Annotated[
        Path | None, typer.Option("--quotas", help="Quota table (CSV or XLSX).")
    ] = None,
    size: Annotated[int | None, typer.Option("--size", help="Panel size (seats).", min=1)] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Folder for the result files.")
    ] = None,
    algorithm: Annotated[
        str, typer.Option("--algorithm", help="leximin (default), maximin, nash or legacy.")
    ] = "leximin",
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", help="Seed of the draw (random if not given).", min=0, max=DRAW_NUMBER_MAX
        ),
    ] = None,
    public_number: Annotated[
        int | None,
        typer.Option(
            "--public-number",
            help="A publicly drawn number choosing the panel.",
            min=0,
            max=DRAW_NUMBER_MAX,
        ),
    ] = None,
    lottery_size: Annotated[
        int,
        typer.Option(
            "--lottery-size",
            help="Panels in the published lottery (1 to 100,000).",
            min=1,
            max=LOTTERY_SIZE_MAX,
        ),
    ] = 1000,
    alternates: Annotated[
        int, typer.Option("--alternates", help="Also choose this many ranked alternates.", min=0)
    ] = 0,
    dropout: Annotated[
        float, typer.Option("--dropout", help="Drop-out rate assumed for alternates.", min=0, max=1)
    ] = 0.15,
    dropout_rates: Annotated[
        Path | None,
        typer.Option("--dropout-rates", help="Drop-out rates by category: feature,value,rate."),
    ] = None,
    id_column: IdOpt = "id",
    address_columns: AddressOpt = None,
    site: SiteOpt = None,
    database_url: DbOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> int:
    """Select a panel of SIZE people from POOL meeting QUOTAS, by a fair lottery.

    Writes panel.csv, remaining.csv, probabilities.csv, lottery.csv, lottery_types.csv,
    report.json (and alternates.csv with --alternates). With --site, the site's stored pool
    and quotas are used and the run is recorded in the database.
    Exit 0: selected; 1: the quotas cannot be met; 2: invalid input.
    """
    if algorithm not in ALGORITHMS:
        raise typer.BadParameter(f"unknown algorithm {algorithm!r}; choose one of {ALGORITHMS}")
    if seed is not None and public_number is not None:
        raise typer.BadParameter("give --seed or --public-number, not both")
    rates = read_dropout_rates(dropout_rates, dropout) if dropout_rates else dropout
    if site is not None:
        if pool is not None or quotas is not None:
            raise typer.BadParameter("with --site, the pool and quotas come from the database")
        summary = select_for_site(
            site,
            algorithm=algorithm,
            seed=seed,
            public_number=public_number,
            lottery_size=lottery_size,
            alternates=alternates,
            dropout=rates,
            database_url=database_url,
            user=user,
            progress=not as_json,
        )
        if as_json:
            emit_json(asdict(summary))
        else:
            typer.echo(
                f"Run {summary.run_id}: selected {len(summary.selected)} people for site "
                f"{summary.site} with {summary.algorithm} (lottery number "
                f"{summary.lottery_index} of {summary.lottery_size}); "
                f"{len(summary.alternates)} alternates; input SHA-256 {summary.input_sha256}."
            )
        return 0
    missing = [
        name
        for name, value in (
            ("--pool", pool),
            ("--quotas", quotas),
            ("--size", size),
            ("--out-dir", out_dir),
        )
        if value is None
    ]
    if missing:
        raise typer.BadParameter(f"missing {', '.join(missing)} (or give --site)")
    assert pool is not None and quotas is not None and size is not None and out_dir is not None
    if seed is None and public_number is None:
        seed = secrets.randbelow(2**31)
    return select_files(
        pool,
        quotas,
        size,
        out_dir,
        algorithm=algorithm,
        seed=seed,
        public_number=public_number,
        lottery_size=lottery_size,
        alternates=alternates,
        dropout=rates,
        id_column=id_column,
        address_columns=split_columns(address_columns),
        as_json=as_json,
    )


def read_dropout_rates(path: Path, default: float) -> dict[tuple[str, str], float]:
    """Read ``feature,value,rate`` rows (rate as 0.2 or 20%); others get ``default``."""
    frame, problems = read_table(path)
    missing = [c for c in ("feature", "value", "rate") if c not in frame.columns]
    if missing:
        problems.append(
            Problem("dropout_file_columns", {"path": str(path), "missing": ", ".join(missing)})
        )
    rates: dict[tuple[str, str], float] = {("*", "*"): default}
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
        rates[(str(feature), str(value))] = rate
    raise_if_errors(problems)
    return rates


def select_files(
    pool: Path,
    quotas: Path,
    size: int,
    out_dir: Path,
    *,
    algorithm: str,
    seed: int | None,
    public_number: int | None,
    lottery_size: int,
    alternates: int,
    dropout: float | dict[tuple[str, str], float],
    id_column: str,
    address_columns: list[str],
    as_json: bool,
) -> int:
    """Select from a pool file and a quota file; write the result files together."""
    inputs = load_inputs(pool, quotas, size, id_column=id_column, address_columns=address_columns)
    if not inputs.valid:
        if as_json:
            emit_json({"valid": False, "problems": [p.to_dict() for p in inputs.problems]})
        else:
            typer.echo(f"The input is not valid ({len(inputs.problems)} problem(s)):")
            print_problems(inputs.problems)
        return 2
    assert inputs.pool is not None and inputs.quotas is not None and inputs.frame is not None
    started = time.perf_counter()
    settings: dict[str, Any] = {"lottery_size": lottery_size}
    digest = input_sha256(inputs.pool, inputs.quotas, size, algorithm, settings)
    callback, bar = progress_for(not as_json)
    try:
        dist = select_distribution(
            inputs.pool,
            inputs.quotas,
            size,
            algorithm=algorithm,  # type: ignore[arg-type]
            seed=seed or 0,
            progress=callback,
        )
    except InfeasibleQuotas:
        result = feasibility_of(inputs, size)
        if as_json:
            emit_json({"valid": True, **result.to_dict()})
        else:
            print_infeasible(result)
        return 1
    finally:
        if bar is not None:
            bar.close()
    lottery = round_to_lottery(dist, lottery_size, input_sha256=digest)
    drawn = draw(lottery, seed=seed if public_number is None else None, public_number=public_number)
    chosen = None
    if alternates:
        chosen = select_alternates(
            inputs.pool,
            inputs.quotas,
            list(drawn.ids),
            alternates,
            dropout=dropout,
            seed=public_number if public_number is not None else (seed or 0),
        )
    runtime = time.perf_counter() - started
    frame = inputs.frame
    in_panel = frame.index.isin(sorted(drawn.ids))
    fairness = dist.fairness()
    report: dict[str, Any] = {
        "input_sha256": digest,
        "algorithm": algorithm,
        "engine": ENGINE,
        "seed": seed if public_number is None else None,
        "public_number": public_number,
        "size": size,
        "pool_size": len(inputs.pool),
        "lottery_size": lottery_size,
        "lottery_index": drawn.index,
        "selected": list(drawn.ids),
        "probabilities": {
            "min": fairness["min"],
            "max": fairness["max"],
            "gini": fairness["gini"],
            "min_over_equal": fairness["min_over_equal"],
            "geometric_mean": fairness["geometric_mean"],
            "share_below_equal": fairness["share_below_equal"],
            "lottery_max_change": lottery.max_change,
        },
        "runtime_seconds": round(runtime, 3),
        "solver": {
            "seconds": dist.figures.seconds,
            "iterations": dist.figures.iterations,
            "panels": dist.figures.panels,
            "gap": dist.figures.gap,
        },
        "pool_file": str(pool),
        "quotas_file": str(quotas),
        "quotas_sha256": inputs.quotas.sha256(),
        "pool_sha256": inputs.pool.sha256(),
    }
    probabilities = pd.DataFrame(
        {"id": lottery.probabilities.index, "probability": lottery.probabilities.to_numpy()}
    )
    writers: dict[str, Callable[[Path], None]] = {
        "panel.csv": table_writer(frame[in_panel].reset_index()),
        "remaining.csv": table_writer(frame[~in_panel].reset_index()),
        "probabilities.csv": table_writer(probabilities),
        "lottery.csv": table_writer(lottery.table()),
        "lottery_types.csv": table_writer(lottery.types_table(inputs.pool)),
    }
    if chosen is not None:
        report["alternates"] = chosen.to_dict()
        writers["alternates.csv"] = table_writer(chosen.to_frame())
    writers["report.json"] = json_writer(report)
    write_all(out_dir, writers)
    if as_json:
        emit_json(report)
    else:
        typer.echo(
            f"Selected {len(drawn.ids)} of {len(inputs.pool)} people with {algorithm} "
            f"(lottery number {drawn.index} of {lottery_size}) in {runtime:.1f} s."
        )
        typer.echo(
            f"Selection probabilities: min {fairness['min']:.4f}, max {fairness['max']:.4f}, "
            f"Gini {fairness['gini']:.3f}; input SHA-256 {digest}."
        )
        if chosen is not None:
            typer.echo(
                f"{len(chosen)} alternates ({chosen.method}): expected quota deviation after "
                f"drop-outs {chosen.expected_deviation:.3f} per seat "
                f"(without alternates {chosen.without_alternates:.3f})."
            )
        typer.echo(f"Files written to {out_dir}.")
    return 0


@app.command("verify")
def verify_command(
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Folder of a published selection (klero select).")
    ],
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="The seed announced.", min=0, max=DRAW_NUMBER_MAX),
    ] = None,
    public_number: Annotated[
        int | None,
        typer.Option(
            "--public-number", help="The number drawn in public.", min=0, max=DRAW_NUMBER_MAX
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> int:
    """Re-draw a published lottery and check that it gives the published panel.

    Uses only lottery.csv, lottery_types.csv and report.json: anyone can run it.
    Exit 0: the panel matches; 1: it does not.
    """
    report = _published_report(out_dir)
    if seed is None and public_number is None:
        seed, public_number = report.get("seed"), report.get("public_number")
    ids = check_draw_from_table(
        out_dir / "lottery.csv",
        input_sha256=report["input_sha256"],
        seed=seed if public_number is None else None,
        public_number=public_number,
    )
    matches = sorted(ids) == sorted(report["selected"])
    if as_json:
        emit_json({"matches": matches, "selected": sorted(ids)})
    elif matches:
        typer.echo(f"Verified: the lottery gives the published panel of {len(ids)} people.")
    else:
        typer.echo("MISMATCH: the lottery does not give the published panel.")
    return 0 if matches else 1


def _published_report(out_dir: Path) -> dict[str, Any]:
    """report.json of a published selection; KleroError when it is missing or not one."""
    path = out_dir / "report.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KleroError("file_not_found", path=str(path)) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KleroError("verify_report_invalid", path=str(path)) from exc
    keys = ("input_sha256", "selected")
    if not isinstance(report, dict) or any(k not in report for k in keys):
        raise KleroError("verify_report_invalid", path=str(path))
    if not (out_dir / "lottery.csv").is_file():
        raise KleroError("file_not_found", path=str(out_dir / "lottery.csv"))
    return report
