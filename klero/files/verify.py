"""``klero verify``: re-draw a published lottery and check that it gives the published panel.

Anyone can run it: it reads only the files ``klero select`` publishes (report.json,
lottery.csv) and draws with ``sampling.pipeline.draw_panel``, as the selection did.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from klero.options import (
    JsonOpt,
    PublicNumberOpt,
    SeedOpt,
    cli_language,
    emit_json,
)
from quotas.messages import render
from quotas.problems import KleroError
from sampling import draw_panel, read_lottery


def verify_command(
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Folder of a published selection (klero select).")
    ],
    seed: SeedOpt = None,
    public_number: PublicNumberOpt = None,
    as_json: JsonOpt = False,
) -> int:
    """Re-draw a published lottery and check that it gives the published panel.

    Uses only lottery.csv, lottery_types.csv and report.json: anyone can run it. Without
    --seed or --public-number, the one report.json announces.
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
        typer.echo(render("verify_matches", {"count": len(ids)}, cli_language()))
    else:
        typer.echo(render("verify_mismatch", {}, cli_language()))
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
