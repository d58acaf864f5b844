"""``klero select``: select a panel by a fair, verifiable lottery and write its files."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from recruitment.cli.app import app, emit_json, split_columns
from recruitment.cli.check import (
    AddressOpt,
    IdOpt,
    JsonOpt,
    PoolOpt,
    QuotasOpt,
    SizeOpt,
    feasibility_of,
    print_infeasible,
    print_problems,
)
from recruitment.cli.inputs import load_inputs
from recruitment.cli.output import json_writer, write_all
from recruitment.cli.progress import progress_for
from sampling.errors import InfeasibleQuotas
from sampling.inputs import input_sha256
from sampling.lottery import check_draw_from_table, draw, round_to_lottery
from sampling.select import select_distribution

ALGORITHMS = ("leximin", "maximin", "nash", "legacy")


@app.command("select")
def select_command(
    pool: PoolOpt,
    quotas: QuotasOpt,
    size: SizeOpt,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Folder for the result files.")],
    algorithm: Annotated[
        str, typer.Option("--algorithm", help="leximin (default), maximin, nash or legacy.")
    ] = "leximin",
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the draw (random if not given).")
    ] = None,
    public_number: Annotated[
        int | None,
        typer.Option("--public-number", help="A publicly drawn number choosing the panel."),
    ] = None,
    lottery_size: Annotated[
        int, typer.Option("--lottery-size", help="Panels in the published lottery.", min=1)
    ] = 1000,
    id_column: IdOpt = "id",
    address_columns: AddressOpt = None,
    as_json: JsonOpt = False,
) -> int:
    """Select a panel of SIZE people from POOL meeting QUOTAS, by a fair lottery.

    Writes panel.csv, remaining.csv, probabilities.csv, lottery.csv and report.json.
    Exit 0: selected; 1: the quotas cannot be met; 2: invalid input.
    """
    if algorithm not in ALGORITHMS:
        raise typer.BadParameter(f"unknown algorithm {algorithm!r}; choose one of {ALGORITHMS}")
    if seed is not None and public_number is not None:
        raise typer.BadParameter("give --seed or --public-number, not both")
    if seed is None and public_number is None:
        seed = secrets.randbelow(2**31)
    inputs = load_inputs(
        pool, quotas, size, id_column=id_column, address_columns=split_columns(address_columns)
    )
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
            algorithm=algorithm,
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
    runtime = time.perf_counter() - started
    selected = set(drawn.ids)
    frame = inputs.frame
    in_panel = frame.index.isin(sorted(selected))
    fairness = dist.fairness()
    report: dict[str, Any] = {
        "input_sha256": digest,
        "algorithm": algorithm,
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
    write_all(
        out_dir,
        {
            "panel.csv": lambda p: frame[in_panel].reset_index().to_csv(p, index=False),
            "remaining.csv": lambda p: frame[~in_panel].reset_index().to_csv(p, index=False),
            "probabilities.csv": lambda p: probabilities.to_csv(p, index=False),
            "lottery.csv": lambda p: lottery.table().to_csv(p, index=False),
            "lottery_types.csv": lambda p: lottery.types_table(inputs.pool).to_csv(p, index=False),
            "report.json": json_writer(report),
        },
    )
    if as_json:
        emit_json(report)
    else:
        typer.echo(
            f"Selected {len(selected)} of {len(inputs.pool)} people with {algorithm} "
            f"(lottery number {drawn.index} of {lottery_size}) in {runtime:.1f} s."
        )
        typer.echo(
            f"Selection probabilities: min {fairness['min']:.4f}, max {fairness['max']:.4f}, "
            f"Gini {fairness['gini']:.3f}; input SHA-256 {digest}."
        )
        typer.echo(f"Files written to {out_dir}.")
    return 0


@app.command("verify")
def verify_command(
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Folder of a published selection (klero select).")
    ],
    seed: Annotated[int | None, typer.Option("--seed", help="The seed announced.")] = None,
    public_number: Annotated[
        int | None, typer.Option("--public-number", help="The number drawn in public.")
    ] = None,
    as_json: JsonOpt = False,
) -> int:
    """Re-draw a published lottery and check that it gives the published panel.

    Uses only lottery.csv, lottery_types.csv and report.json: anyone can run it.
    Exit 0: the panel matches; 1: it does not.
    """
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
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
