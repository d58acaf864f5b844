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
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from klero.options import cli_language, emit_json
from klero.output import staged, table_writer
from quotas.messages import render
from quotas.problems import InvalidInput, KleroError, Problem, raise_if_errors
from quotas.tables import read_table
from sampling import (
    Seating,
    SeatingRequest,
    SeatingSettings,
    plan_html,
    plan_pdf,
    read_constraints,
    seat_tables,
)


def read_panel(
    path: Path, id_column: str, settings: SeatingSettings
) -> tuple[pd.DataFrame, list[Problem]]:
    """The panel file as text, with a problem for every column asked for that it lacks."""
    frame, problems = read_table(path)
    found = ", ".join(frame.columns)
    wanted = [("--id-column", id_column)] + [("--balance", c) for c in settings.balance]
    wanted += [
        (option, column)
        for option, column in (
            ("--language-column", settings.language_column),
            ("--time-zone-column", settings.time_zone_column),
            ("--name-column", settings.name_column),
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
    id_column: str,
    settings: SeatingSettings,
    constraints: tuple[Path | None, Path | None, Path | None],
) -> tuple[SeatingRequest, dict[str, str]]:
    """The seating request from the files (every problem of every file at once), and names."""
    frame, problems = read_panel(panel, id_column, settings)
    try:
        together, apart, fixed, more = read_constraints(constraints)
    except InvalidInput as exc:
        raise InvalidInput([*problems, *exc.problems]) from exc
    raise_if_errors([*problems, *more])
    ids = tuple(frame[id_column])
    settings = replace(settings, together=together, apart=apart, fixed=fixed)
    request = settings.request(ids, lambda column: tuple(frame[column]))
    name = settings.name_column
    names = {} if name is None else dict(zip(ids, frame[name], strict=True))
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
    id_column: str,
    settings: SeatingSettings,
    constraints: tuple[Path | None, Path | None, Path | None],
    outputs: tuple[Path | None, list[Path], str],
    as_json: bool,
) -> int:
    """Seat the panel file's people; write and print the result."""
    out, plans, lang = outputs
    request, names = files_request(panel, id_column, settings, constraints)
    seating = seat_tables(request)
    written = write_outputs(seating, out, plans, names, lang)
    if as_json:
        emit_json({**seating_payload(seating), "written": [str(p) for p in written]})
    else:
        print_seating(seating, written)
    return 0
