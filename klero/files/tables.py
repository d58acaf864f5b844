"""``klero tables`` on files: a panel file seated at tables, round by round, and its plan.

Reads the panel (``panel.csv`` of ``klero select``, or any table with an id column and
the balance criteria), the constraint files (``group,id`` rows for ``--together`` and
``--apart``; ``id,table`` rows for ``--facilitators``; read by ``sampling.seating.files``),
seats everyone with ``sampling.seat_tables`` and writes ``tables.csv`` (``id, round,
table``) and the printable plans, all or nothing. Shared with the service form
(``klero.service.tables``): the summary, the JSON payload and the writing of the files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from klero.options import cli_language, emit_json
from klero.output import staged, table_writer
from quotas.messages import render
from quotas.problems import InvalidInput, KleroError, Problem, raise_if_errors
from quotas.tables import read_table
from sampling import Seating, SeatingRequest, plan_html, plan_pdf, read_constraints, seat_tables


@dataclass(frozen=True)
class TableOptions:
    """What to balance and how to seat: the command's options, checked by ``SeatingRequest``."""

    balance: list[str]
    table_size: int
    rounds: int
    seed: int
    effort: float


@dataclass(frozen=True)
class PanelColumns:
    """The panel file's columns: ids, and optionally language, time zone and a name to show."""

    id: str = "id"
    language: str | None = None
    time_zone: str | None = None
    name: str | None = None


def read_panel(
    path: Path, columns: PanelColumns, balance: Sequence[str]
) -> tuple[pd.DataFrame, list[Problem]]:
    """The panel file as text, with a problem for every column asked for that it lacks."""
    frame, problems = read_table(path)
    found = ", ".join(frame.columns)
    wanted = [("--id-column", columns.id)] + [("--balance", c) for c in balance]
    wanted += [
        (option, column)
        for option, column in (
            ("--language-column", columns.language),
            ("--time-zone-column", columns.time_zone),
            ("--name-column", columns.name),
        )
        if column is not None
    ]
    for option, column in wanted:
        if column not in frame.columns:
            problems.append(
                Problem(
                    "tables_column_unknown", {"column": column, "option": option, "found": found}
                )
            )
    return frame, problems


def files_request(
    panel: Path,
    columns: PanelColumns,
    options: TableOptions,
    constraints: tuple[Path | None, Path | None, Path | None],
) -> tuple[SeatingRequest, dict[str, str]]:
    """The seating request from the files (every problem of every file at once), and names."""
    frame, problems = read_panel(panel, columns, options.balance)
    try:
        together, apart, fixed, more = read_constraints(constraints)
    except InvalidInput as exc:
        raise InvalidInput([*problems, *exc.problems]) from exc
    raise_if_errors([*problems, *more])
    ids = tuple(frame[columns.id])
    request = SeatingRequest(
        ids=ids,
        criteria={c: tuple(frame[c]) for c in options.balance},
        table_size=options.table_size,
        rounds=options.rounds,
        seed=options.seed,
        together=together,
        apart=apart,
        fixed=fixed,
        languages=None if columns.language is None else tuple(frame[columns.language]),
        time_zones=None if columns.time_zone is None else tuple(frame[columns.time_zone]),
        effort=options.effort,
    )
    names = {} if columns.name is None else dict(zip(ids, frame[columns.name], strict=True))
    return request, names


def plan_writer(path: Path, seating: Seating, names: Mapping[str, str], lang: str) -> Any:
    """A writer of the printable plan, HTML or PDF by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        text = plan_html(seating, names, lang)
        return lambda p: p.write_text(text, encoding="utf-8")
    if suffix == ".pdf":
        from quotas.pdf_fonts import fonts_warning  # fpdf2: loaded for a PDF only

        data = plan_pdf(seating, names, lang)
        warning = fonts_warning(lang, names.values())
        if warning is not None:  # the PDF is written in Latin letters only: say why
            typer.echo(warning.text(lang), err=True)
        return lambda p: p.write_bytes(data)
    raise KleroError("tables_plan_suffix", path=str(path))


def write_outputs(
    seating: Seating, out: Path | None, plans: Sequence[Path], names: Mapping[str, str], lang: str
) -> list[Path]:
    """Write ``tables.csv`` and the plans, all or nothing (even across folders)."""
    for path in plans:
        if path.suffix.lower() not in (".html", ".htm", ".pdf"):
            raise KleroError("tables_plan_suffix", path=str(path))
    writers: dict[Path, dict[str, Any]] = {}
    if out is not None:
        writers.setdefault(out.parent, {})[out.name] = table_writer(pd.DataFrame(seating.rows()))
    for path in plans:
        writers.setdefault(path.parent, {})[path.name] = plan_writer(path, seating, names, lang)
    written: list[Path] = []
    with ExitStack() as stack:
        for folder in sorted(writers):
            written += stack.enter_context(staged(folder)).publish(writers[folder])
    return written


def seating_payload(seating: Seating) -> dict[str, Any]:
    """The JSON form of a seating's result (``--json``)."""
    request = seating.request
    return {
        "engine": seating.engine,
        "seed": request.seed,
        "people": len(request.ids),
        "table_size": request.table_size,
        "rounds": request.rounds,
        "tables": seating.table_count,
        "balance": list(request.criteria),
        "figures": seating.figures.summary(),
        "deviation_floor": round(seating.floor, 4),
        "random_seating": seating.random.summary(),
        "solves": dict(seating.solves),
        "per_table": [
            {
                "round": t.round,
                "table": t.table,
                "size": t.size,
                "label": t.label,
                "deviation": round(t.deviation, 4),
            }
            for t in seating.figures.tables
        ],
        "repeated_pairs": [list(p) for p in seating.figures.repeated_pairs],
    }


def print_seating(seating: Seating, written: Sequence[Path]) -> None:
    """The plain-words summary, and each table's deviation round by round (KLERO_LANG)."""
    request, figures, random = seating.request, seating.figures, seating.random
    lang = cli_language()

    def say(code: str, **params: object) -> None:
        typer.echo(render(code, params, lang))

    say(
        "tables_summary",
        people=len(request.ids),
        tables=seating.table_count,
        size=request.table_size,
        rounds=request.rounds,
        seed=request.seed,
        criteria=", ".join(request.criteria),
        engine=seating.engine,
    )
    say(
        "tables_deviation",
        deviation=f"{figures.deviation:.2f}",
        worst=f"{figures.worst_deviation:.2f}",
        random=f"{random.deviation:.2f}",
        random_worst=f"{random.worst_deviation:.2f}",
        floor=f"{seating.floor:.2f}",
    )
    say("tables_pairs", pairs=len(figures.repeated_pairs), random_pairs=len(random.repeated_pairs))
    heads = {k: render(f"tables_col_{k}", {}, lang) for k in ("table", "label", "size")}
    rows: dict[int, dict[str, Any]] = {}
    for t in figures.tables:
        values = {"table": t.table, "label": t.label, "size": t.size}
        row = rows.setdefault(t.table, {heads[k]: v for k, v in values.items()})
        row[render("tables_col_round", {"round": t.round}, lang)] = f"{t.deviation:.2f}"
    frame = pd.DataFrame(list(rows.values()))
    if not any(seating.labels.values()):
        frame = frame.drop(columns=heads["label"])
    say("tables_per_table")
    typer.echo(frame.to_string(index=False))
    for path in written:
        say("svc_wrote", path=path)


def tables_on_files(
    panel: Path,
    columns: PanelColumns,
    options: TableOptions,
    constraints: tuple[Path | None, Path | None, Path | None],
    outputs: tuple[Path | None, list[Path], str],
    as_json: bool,
) -> int:
    """Seat the panel file's people; write and print the result."""
    out, plans, lang = outputs
    request, names = files_request(panel, columns, options, constraints)
    seating = seat_tables(request)
    written = write_outputs(seating, out, plans, names, lang)
    if as_json:
        emit_json({**seating_payload(seating), "written": [str(p) for p in written]})
    else:
        print_seating(seating, written)
    return 0
