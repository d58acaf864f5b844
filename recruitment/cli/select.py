"""``klero select``: select a panel by a fair, verifiable lottery and write its files."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
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
from recruitment.usecases import RunSummary
from sampling.dropout_records import dropout_from_record
from sampling.dropouts import BASE_KEY, DEFAULT_DROPOUT, DropoutSpec
from sampling.errors import InfeasibleQuotas
from sampling.lottery import read_lottery
from sampling.names import Algorithm
from sampling.pipeline import (
    SelectionRequest,
    SelectionResult,
    SelectionSettings,
    draw_panel,
    select_panel,
)

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
AlgorithmOpt = Annotated[
    Algorithm, typer.Option("--algorithm", help="How the lottery over panels is computed.")
]
SeedOpt = Annotated[
    int | None,
    typer.Option(
        "--seed", help="Seed of the draw (random if not given).", min=0, max=DRAW_NUMBER_MAX
    ),
]
NumberOpt = Annotated[
    int | None,
    typer.Option(
        "--public-number",
        help="A publicly drawn number choosing the panel.",
        min=0,
        max=DRAW_NUMBER_MAX,
    ),
]
LotteryOpt = Annotated[
    int,
    typer.Option(
        "--lottery-size",
        help="Panels in the published lottery (1 to 100,000).",
        min=1,
        max=LOTTERY_SIZE_MAX,
    ),
]
AlternatesOpt = Annotated[
    int, typer.Option("--alternates", help="Also choose this many ranked alternates.", min=0)
]
DropoutOpt = Annotated[
    float, typer.Option("--dropout", help="Drop-out rate assumed for alternates.", min=0, max=1)
]
DropoutFileOpt = Annotated[
    Path | None,
    typer.Option("--dropout-rates", help="Drop-out rates by category: feature,value,rate."),
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
    algorithm: AlgorithmOpt = Algorithm.LEXIMIN,
    seed: SeedOpt = None,
    public_number: NumberOpt = None,
    lottery_size: LotteryOpt = 1000,
    alternates: AlternatesOpt = 0,
    dropout: DropoutOpt = DEFAULT_DROPOUT,
    dropout_rates: DropoutFileOpt = None,
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
        _print_site_run(summary, as_json)
        return 0
    named = {"--pool": pool, "--quotas": quotas, "--size": size, "--out-dir": out_dir}
    missing = [name for name, value in named.items() if value is None]
    if missing:
        raise typer.BadParameter(f"missing {', '.join(missing)} (or give --site)")
    assert pool is not None and quotas is not None and size is not None and out_dir is not None
    if seed is None and public_number is None:
        seed = secrets.randbelow(2**31)
    settings = SelectionSettings(
        algorithm=algorithm,
        seed=seed,
        public_number=public_number,
        lottery_size=lottery_size,
        alternates=alternates,
        dropout=rates,
    )
    files = SelectionFiles(pool, quotas, id_column, split_columns(address_columns))
    return select_files(files, size, out_dir, settings, as_json=as_json)


def _print_site_run(summary: RunSummary, as_json: bool) -> None:
    if as_json:
        emit_json(asdict(summary))
        return
    typer.echo(
        f"Run {summary.run_id}: selected {len(summary.selected)} people for site "
        f"{summary.site} with {summary.algorithm} (lottery number "
        f"{summary.lottery_index} of {summary.lottery_size}); "
        f"{len(summary.alternates)} alternates; input SHA-256 {summary.input_sha256}."
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
            typer.echo(f"The input is not valid ({len(inputs.problems)} problem(s)):")
            print_problems(inputs.problems)
        return 2
    assert inputs.pool is not None and inputs.quotas is not None and inputs.frame is not None
    request = SelectionRequest(inputs.pool, inputs.quotas, size, settings)
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
    if result.alternates is not None:
        writers["alternates.csv"] = table_writer(result.alternates.to_frame())
    writers["report.json"] = json_writer(report)
    return writers


def _print_result(result: SelectionResult, out_dir: Path) -> None:
    settings, fairness, chosen = result.request.settings, result.fairness(), result.alternates
    typer.echo(
        f"Selected {len(result.selected)} of {len(result.request.pool)} people with "
        f"{settings.algorithm} (lottery number {result.drawn.index} of "
        f"{settings.lottery_size}) in {result.seconds:.1f} s."
    )
    typer.echo(
        f"Selection probabilities: min {fairness['min']:.4f}, max {fairness['max']:.4f}, "
        f"Gini {fairness['gini']:.3f}; input SHA-256 {result.input_sha256}."
    )
    if chosen is not None:
        typer.echo(
            f"{len(chosen)} alternates ({chosen.method}): expected quota deviation after "
            f"drop-outs {chosen.expected_deviation:.3f} per seat "
            f"(without alternates {chosen.without_alternates:.3f})."
        )
    typer.echo(f"Files written to {out_dir}.")


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
    lottery = read_lottery(out_dir / "lottery.csv", report["input_sha256"])
    ids = list(draw_panel(lottery, seed=seed, public_number=public_number).ids)
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
