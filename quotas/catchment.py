"""Census margins for a site's catchment: region-specific rows, and the region criterion narrowed.

A margins file may have a ``catchment`` column. A row with an empty ``catchment`` cell
holds the country's shares; a row whose cell names one or more regions (``;``-separated,
ISO 3166-2 names or codes, see ``quotas.regions``) holds shares for exactly that
catchment. For a site recruiting from those regions, each feature with rows for its
catchment takes those rows instead of the country's.

A site recruiting from some regions only never gets quotas for the other regions: the
``region`` criterion (the feature named ``region``) keeps only the catchment's regions,
their shares renormalised to add up to 1, unless the file gives the catchment's own
``region`` rows; crossed margins with the region (e.g. region x urban) keep the
catchment's cells, renormalised. A whole-country site (empty catchment) uses the
country's rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from quotas.formats import column_cells, header_key
from quotas.margin_files import margins_from_frame
from quotas.model import normalise
from quotas.problems import Problem, bounded, errors_only
from quotas.regions import Region, find_region, parse_catchment
from quotas.targets import Margins

CATCHMENT_COLUMN = "catchment"
REGION_FEATURE = "region"


def margins_for_catchment(
    frame: pd.DataFrame, source: str, country: str, catchment: Sequence[Region]
) -> tuple[Margins | None, list[Problem]]:
    """The margins of ``frame`` for a site of ``country`` recruiting from ``catchment``.

    Returns the margins (None on errors) and every problem; row numbers count the
    header as row 1, as in ``quotas.margin_files``.
    """
    wanted = frozenset(catchment)
    rows, specific, problems = _rows_for(frame, source, country, wanted)
    part = frame.iloc[rows].drop(columns=_catchment_columns(frame)).reset_index(drop=True)
    margins, more = margins_from_frame(part, source)
    problems += [_renumbered(p, rows) for p in more]
    if margins is None or errors_only(problems):
        return None, bounded(problems)
    if catchment and normalise(REGION_FEATURE) not in specific:
        margins = _narrowed(margins, country, catchment, source, problems)
    return (None if errors_only(problems) else margins), bounded(problems)


def narrowed_to_catchment(
    margins: Margins, country: str, catchment: Sequence[Region], source: str
) -> tuple[Margins, list[Problem]]:
    """``margins`` with the region criterion kept to ``catchment`` (renormalised), and the
    problem when none of its regions has a share; a whole-country site's stay as they are.

    The same narrowing ``margins_for_catchment`` applies, for margins that come from
    somewhere else than a file (the dashboard, a script): quotas always follow the
    catchment, however the margins arrive.
    """
    problems: list[Problem] = []
    if not catchment:
        return margins, problems
    return _narrowed(margins, country, catchment, source, problems), problems


def _catchment_columns(frame: pd.DataFrame) -> list[object]:
    return [c for c in frame.columns if header_key(c) == CATCHMENT_COLUMN]


def _feature_cells(frame: pd.DataFrame) -> list[str]:
    """The first feature of each row (``feature`` or ``feature_1``)."""
    keys = {header_key(c) for c in frame.columns}
    return column_cells(frame, "feature" if "feature" in keys else "feature_1")


def _rows_for(
    frame: pd.DataFrame, source: str, country: str, wanted: frozenset[Region]
) -> tuple[list[int], set[str], list[Problem]]:
    """The positions of the rows that apply to the catchment ``wanted``, the (normalised)
    features it has rows of its own for, and the problems of the catchment cells."""
    cells = column_cells(frame, CATCHMENT_COLUMN)
    features = _feature_cells(frame)
    problems: list[Problem] = []
    specific: set[str] = set()
    matches: list[bool] = []
    for index, cell in enumerate(cells):
        at = {"source": source, "row": index + 2}
        regions, found = parse_catchment(country, cell, at, "margin_catchment_region_unknown")
        problems += found
        hit = bool(cell.strip()) and not found and frozenset(regions) == wanted
        matches.append(hit)
        if hit:
            specific.add(normalise(features[index]))
    rows = [
        i
        for i, cell in enumerate(cells)
        if matches[i] or (not cell.strip() and normalise(features[i]) not in specific)
    ]
    return rows, specific, problems


def _renumbered(problem: Problem, rows: list[int]) -> Problem:
    """A problem of the kept rows with the row number of the whole file."""
    row = problem.params.get("row")
    if not isinstance(row, int) or not 2 <= row < len(rows) + 2:
        return problem
    return Problem(problem.code, {**problem.params, "row": rows[row - 2] + 2}, problem.severity)


def _narrowed(
    margins: Margins,
    country: str,
    catchment: Sequence[Region],
    source: str,
    problems: list[Problem],
) -> Margins:
    """The margins with the region criterion restricted to the catchment, renormalised."""
    feature = next((f for f in margins.features if header_key(f) == REGION_FEATURE), None)
    if feature is None:
        return margins
    shares = margins.features[feature]
    kept = {
        value: share
        for value, share in shares.items()
        if find_region(country, value) in set(catchment)
    }
    total = sum(kept.values())
    if total <= 0:
        params = {
            "source": source,
            "feature": feature,
            "regions": ", ".join(r.name for r in catchment),
        }
        problems.append(Problem("margin_catchment_missing", params))
        return margins
    features = dict(margins.features)
    features[feature] = {value: share / total for value, share in kept.items()}
    return Margins(features, _narrowed_crossed(margins, country, set(catchment)))


def _narrowed_crossed(
    margins: Margins, country: str, catchment: set[Region]
) -> dict[tuple[str, str], dict[tuple[str, str], float]]:
    """Crossed margins with the region as one of their two features keep the catchment's
    cells only, renormalised to add up to 1 (the joint shares within the catchment)."""
    out: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
    for pair, cells in margins.crossed.items():
        side = next((i for i, f in enumerate(pair) if header_key(f) == REGION_FEATURE), None)
        if side is None:
            out[pair] = dict(cells)
            continue
        kept = {v: s for v, s in cells.items() if find_region(country, v[side]) in catchment}
        total = sum(kept.values())
        # No cell in the catchment: the pair stays as given (its regions then have no
        # quota; the region criterion's own problem says why).
        out[pair] = {v: s / total for v, s in kept.items()} if total > 0 else dict(cells)
    return out
