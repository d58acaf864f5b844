"""The Typer application object and small output helpers shared by the commands."""

from __future__ import annotations

import json
from typing import Any

import typer

#: Seeds and public numbers are stored as 32-bit integers (random seeds are below too).
DRAW_NUMBER_MAX = 2**31 - 1
#: Panels in a published lottery: enough for any draw, few enough to write and check.
LOTTERY_SIZE_MAX = 100_000

app = typer.Typer(
    name="klero",
    help="Kleroterion: fair, representative, verifiable selection of citizens' panels.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def emit_json(payload: dict[str, Any]) -> None:
    """Print one JSON object on standard output."""
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=_jsonable))


def _jsonable(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def split_columns(text: str | None) -> list[str]:
    """Split a comma-separated list of column names, dropping blanks."""
    if not text:
        return []
    return [part.strip() for part in text.split(",") if part.strip()]
