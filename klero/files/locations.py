"""``klero locations draw``: places drawn with probability proportional to population.

A file command: the places come from a ``place, population`` table (CSV or XLSX), in the
order the draw lays them out (sort it by region to spread the places over the regions);
the draw is ``sampling.places`` (systematic PPS, the start derived from the seed or the
public number by SHA-256, so anyone can check it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from klero.options import JsonOpt, TableOutOpt, cli_language, emit_json, headed, say
from klero.output import table_writer, write_file
from quotas.messages import render
from quotas.problems import KleroError
from quotas.seats import read_populations
from sampling import PlaceDraw, draw_places

locations_app = typer.Typer(
    help="Places (towns, districts) drawn with probability proportional to population.",
    no_args_is_help=True,
)


@locations_app.command("draw")
def draw_command(
    places: Annotated[
        Path, typer.Option("--places", help="Table with the columns place, population.")
    ],
    count: Annotated[int, typer.Option("--count", help="Places to draw.", min=1)],
    seed: Annotated[int | None, typer.Option("--seed", help="Seed of the draw.", min=0)] = None,
    public_number: Annotated[
        int | None,
        typer.Option(
            "--public-number", help="A number drawn in public (instead of --seed).", min=0
        ),
    ] = None,
    backups: Annotated[
        int, typer.Option("--backups", help="Also draw this many backup places.", min=0)
    ] = 0,
    out: TableOutOpt = None,
    as_json: JsonOpt = False,
) -> int:
    """Draw --count places of --places by systematic PPS, from --seed or --public-number.

    --out writes every place's row.
    """
    if (seed is None) == (public_number is None):
        raise KleroError("places_seed_or_number")
    people = read_populations(places, "place")
    draw = draw_places(people, count, seed=seed, public_number=public_number, backups=backups)
    rows = place_rows(people, draw)
    if out is not None:
        write_file(out, table_writer(pd.DataFrame(rows)))
    summary = {
        "input_sha256": draw.input_sha256,
        draw.method.replace("-", "_"): draw.value,
        "count": count,
        "backups": len(draw.backups),
        "certain": draw.certain,
        "start": float(draw.start),
    }
    if as_json:
        emit_json({**summary, "selected": draw.selected, "backups": draw.backups, "places": rows})
        return 0
    lang = cli_language()
    how = {"seed": "cli_by_seed", "public-number": "cli_by_number"}[draw.method]
    say(
        "cli_places_drawn",
        drawn=len(draw.selected),
        count=len(people),
        how=render(how, {"value": draw.value}, lang),
        certain=len(draw.certain),
        hash=draw.input_sha256,
    )
    shown = pd.DataFrame([r for r in rows if r["status"] != "none"])
    shown["population"] = shown["population"].map("{:,}".format)
    for column in ("probability", "backup_probability"):
        shown[column] = shown[column].map("{:.4f}".format)
    shown["status"] = shown["status"].map(lambda s: render(f"cli_place_{s}", {}, lang))
    typer.echo(headed(shown, lang))
    if out is not None:
        say("svc_wrote", path=str(out))
    return 0


def place_rows(people: dict[str, int], draw: PlaceDraw) -> list[dict[str, Any]]:
    """Every place: population, chances, ``selected``/``backup``/``none``, order.

    ``probability`` is the chance of being drawn, ``backup_probability`` the chance in the
    backups' draw of a place not drawn; ``order`` counts the selected places, and apart
    the backups, from 1 in the file's order (0 for the others).
    """
    order = {name: i + 1 for i, name in enumerate(draw.selected)}
    backup = {name: i + 1 for i, name in enumerate(draw.backups)}
    rows = []
    for name, population in people.items():
        status = "selected" if name in order else "backup" if name in backup else "none"
        rows.append(
            {
                "place": name,
                "population": population,
                "probability": float(draw.probabilities[name]),
                "backup_probability": float(draw.backup_probabilities.get(name, 0)),
                "status": status,
                "order": order.get(name, backup.get(name, 0)),
            }
        )
    return rows
