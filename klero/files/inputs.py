"""Loading a pool and its quota table for a command, collecting every problem of both files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from quotas.formats import quotas_from_frame
from quotas.model import QuotaTable
from quotas.pool import Pool
from quotas.pool_files import load_pool
from quotas.problems import InvalidInput, Problem, errors_only
from quotas.tables import read_table


@dataclass(frozen=True)
class Inputs:
    """A checked pool and quota table (``pool`` and ``quotas`` are None when invalid)."""

    quotas: QuotaTable | None
    pool: Pool | None
    frame: pd.DataFrame | None
    problems: list[Problem]

    @property
    def valid(self) -> bool:
        return not errors_only(self.problems) and self.pool is not None

    def households(self) -> list[int | None]:
        """Household key per pool row (None when the person shares no address)."""
        assert self.pool is not None
        return [int(h) if h >= 0 else None for h in self.pool.household]


def load_quota_file(path: Path, size: int | None) -> tuple[QuotaTable | None, list[Problem]]:
    """Read and validate a quota table file; never raises for bad content."""
    try:
        frame, problems = read_table(path)
    except InvalidInput as exc:
        return None, exc.problems
    table, more = quotas_from_frame(frame, str(path))
    problems = problems + more
    if table is not None and not errors_only(problems):
        problems += table.problems(size)
    return table, problems


def load_inputs(
    pool_path: Path,
    quotas_path: Path,
    size: int | None,
    *,
    id_column: str = "id",
    address_columns: list[str] | None = None,
) -> Inputs:
    """Read both files and report every problem of either at once."""
    table, problems = load_quota_file(quotas_path, size)
    if table is None or errors_only(problems):
        return Inputs(table, None, None, problems)
    loaded = load_pool(pool_path, table, id_column=id_column, address_columns=address_columns or [])
    return Inputs(table, loaded.pool, loaded.frame, problems + loaded.problems)
