"""Writing a command's result files: all or nothing (``quotas.staging``), tables neutralised.

Every command that writes files goes through ``write_all`` (a folder of files) or
``write_file`` (one ``--out`` file); tables are written by ``quotas.exports.write_table``,
so no cell opens as a formula in a spreadsheet.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from klero.options import cli_language
from quotas.exports import write_table
from quotas.messages import render
from quotas.staging import staged, write_all, write_file

__all__ = [
    "headed",
    "json_writer",
    "say",
    "staged",
    "table_writer",
    "write_all",
    "write_file",
]


def json_writer(payload: dict[str, Any]) -> Callable[[Path], None]:
    """A writer for a JSON file."""

    def write(path: Path) -> None:
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    return write


def table_writer(frame: pd.DataFrame) -> Callable[[Path], None]:
    """A writer for a table: CSV, or XLSX when the file name ends in .xlsx."""
    return lambda path: write_table(frame, path)


def say(code: str, **params: object) -> None:
    """Print the klero message ``code`` with ``params`` (values) in ``KLERO_LANG``."""
    typer.echo(render(code, params, cli_language()))


def headed(frame: pd.DataFrame, lang: str) -> str:
    """``frame`` as plain text, each column headed by its catalogue name (``cli_col_<column>``).

    The files a command writes keep the column codes; only the printed table is translated.
    """
    names = {column: render(f"cli_col_{column}", {}, lang) for column in frame.columns}
    return str(frame.rename(columns=names).to_string(index=False))
