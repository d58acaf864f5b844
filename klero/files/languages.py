"""``klero languages``: each shipped language and how complete its translation is.

Translators run it to see what is left: ``--language CODE`` lists every string that
language lacks or gets wrong (package, key and why). The text is in the language
``KLERO_LANG`` names.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from klero.options import JsonOpt, chosen_language, cli_language, emit_json
from quotas.cldr import format_percent
from quotas.languages import language
from quotas.messages import render
from quotas.translations import Completeness, completeness, every_language

LanguageOpt = Annotated[
    str | None,
    typer.Option("--language", help="Only this language, with every string it lacks."),
]


def _row(found: Completeness, *, gaps: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "code": found.language.code,
        "name": found.language.name,
        "english": found.language.english,
        "direction": found.language.direction,
        "complete": round(found.complete, 4),
        "strings": found.total,
        "missing": found.count("missing"),
        "invalid": len(found.gaps) - found.count("missing"),
    }
    if gaps:
        row["gaps"] = [
            {"package": g.package, "key": g.key, "problem": g.problem} for g in found.gaps
        ]
    return row


def languages_command(language_: LanguageOpt = None, as_json: JsonOpt = False) -> int:
    """List each shipped language with the share of its strings translated (exit 0).

    Completeness counts an English string as translated when its template is valid:
    same placeholders, plural blocks that parse and cover the language's CLDR forms.
    """
    lang = cli_language()
    if language_ is None:
        found = every_language()
    else:
        found = [completeness(language(chosen_language(language_, pseudo=False)))]
    rows = [_row(f, gaps=language_ is not None) for f in found]
    if as_json:
        emit_json({"languages": rows})
        return 0
    for row in rows:
        params = {**row, "percent": format_percent(row["complete"], lang)}
        typer.echo(render("languages_line", params, lang))
        for gap in row.get("gaps", []):
            typer.echo(render(f"translation_{gap['problem']}", gap, lang))
    return 0
