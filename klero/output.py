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

from quotas.exports import write_table
from quotas.staging import staged, write_all, write_file

__all__ = ["json_writer", "staged", "table_writer", "write_all", "write_file"]


def json_writer(payload: dict[str, Any]) -> Callable[[Path], None]:
    """A writer for a JSON file."""

    def write(path: Path) -> None:
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    return write


def table_writer(frame: pd.DataFrame) -> Callable[[Path], None]:
    """A writer for a table: CSV, or XLSX when the file name ends in .xlsx."""
    return lambda path: write_table(frame, path)
