"""``klero synth``: a synthetic volunteer pool (and its margins and quotas) for a country."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from klero.options import cli_language
from quotas.messages import render


def synth_command(
    country: Annotated[str, typer.Option("--country", help="ISO 3166 alpha-2 country code.")],
    size: Annotated[int, typer.Option("--size", help="Number of volunteers.", min=1)],
    seed: Annotated[int, typer.Option("--seed", help="Seed: same seed, same pool.")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Folder for the files.")],
    panel_size: Annotated[
        int | None,
        typer.Option("--panel-size", help="Also write quotas.csv for this panel.", min=1),
    ] = None,
    bias: Annotated[
        float, typer.Option("--bias", help="Self-selection strength (0 = none).", min=0.0)
    ] = 1.0,
    no_pii: Annotated[
        bool, typer.Option("--no-pii", help="Demographic features only, no personal details.")
    ] = False,
    truth: Annotated[
        bool,
        typer.Option(
            "--truth", help="Also write truth.csv: each volunteer's true propensity to volunteer."
        ),
    ] = False,
) -> int:
    """Write a synthetic pool (pool.csv), its census margins and optionally quotas."""
    # Faker (and its locales) load here: every other klero command starts without them.
    from synthetic_data import write_synthetic

    written = write_synthetic(
        country, size, seed, out_dir, panel_size=panel_size, bias=bias, pii=not no_pii, truth=truth
    )
    for name, path in sorted(written.items()):
        typer.echo(render("synth_written", {"name": name, "path": str(path)}, cli_language()))
    return 0
