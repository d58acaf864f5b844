"""``klero replace``: fill the seats of people who dropped out, keeping the quotas."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from klero.files.check import print_problems
from klero.files.inputs import load_inputs
from klero.options import (
    AddressOpt,
    IdOpt,
    JsonOpt,
    PoolOpt,
    QuotasOpt,
    cli_language,
    emit_json,
    say,
    split_columns,
)
from klero.output import json_writer, table_writer, write_all
from quotas.messages import render
from quotas.problems import InvalidInput, Problem
from quotas.tables import read_table
from sampling import replace


def _ids_from(path: Path, column: str) -> list[str]:
    frame, problems = read_table(path)
    if column not in frame.columns:
        found = ", ".join(map(str, frame.columns))
        problems.append(
            Problem(
                "replace_file_no_id_column", {"path": str(path), "column": column, "found": found}
            )
        )
        raise InvalidInput(problems)
    if "rank" in frame.columns:
        frame = frame.assign(_rank=pd.to_numeric(frame["rank"], errors="coerce")).sort_values(
            "_rank", kind="stable"
        )
    return [str(v) for v in frame[column].tolist() if str(v).strip()]


def replace_command(
    pool: PoolOpt,
    quotas: QuotasOpt,
    panel: Annotated[Path, typer.Option("--panel", help="The current panel (panel.csv).")],
    dropped: Annotated[str, typer.Option("--dropped", help="Ids who dropped out: ID[,ID...].")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Folder for the new panel.")],
    alternates: Annotated[
        Path | None,
        typer.Option("--alternates", help="Ranked alternates (alternates.csv); else the pool."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for ties between candidates.")] = 0,
    id_column: IdOpt = "id",
    address_columns: AddressOpt = None,
    as_json: JsonOpt = False,
) -> int:
    """Replace drop-outs so the panel meets its quotas again (or as closely as possible).

    Writes panel.csv (the new panel with all columns) and replacement.json (who joined,
    whom they replace and why, and every quota before and after).
    Exit 0: every quota met; 1: some quota stays unmet (named in the report); 2: invalid input.
    """
    gone = split_columns(dropped)
    if not gone:
        raise InvalidInput([Problem("replace_nothing_dropped")])
    members = _ids_from(panel, id_column)
    candidates = _ids_from(alternates, "id") if alternates is not None else None
    inputs = load_inputs(
        pool,
        quotas,
        len(members),
        id_column=id_column,
        address_columns=split_columns(address_columns),
    )
    if not inputs.valid:
        lang = cli_language()
        typer.echo(render("check_invalid", {"count": len(inputs.problems)}, lang))
        print_problems(inputs.problems, lang)
        return 2
    assert inputs.pool is not None and inputs.quotas is not None and inputs.frame is not None
    result = replace(inputs.pool, inputs.quotas, members, gone, candidates=candidates, seed=seed)
    report = result.to_dict()
    report["candidates"] = "alternates" if candidates is not None else "remaining pool"
    frame = inputs.frame
    new_panel = frame[frame.index.isin(sorted(result.panel))].reset_index()
    write_all(
        out_dir,
        {
            "panel.csv": table_writer(new_panel),
            "replacement.json": json_writer(report),
        },
    )
    if as_json:
        emit_json(report)
    else:
        lang = cli_language()
        for added in result.added:
            typer.echo(f"+ {added.id}: {added.why.text(lang)}")
        for quota in result.unmet:
            unmet = quota.unmet_message()
            if unmet is not None:
                typer.echo(f"! {unmet.text(lang)}")
        if result.unfilled:
            say("cli_replace_unfilled", count=result.unfilled)
        say("cli_replace_written", count=len(result.panel), path=str(out_dir))
    return 0 if not result.unmet and not result.unfilled else 1
