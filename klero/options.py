"""Options and output helpers that file commands and service commands share.

Light on purpose (Typer and the standard library only): every command imports it,
including the file commands that must not load the database stack.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from quotas.languages import ENV, LANGUAGES, PSEUDO, resolve
from quotas.messages import render
from quotas.problems import KleroError

if TYPE_CHECKING:
    import pandas as pd

#: Seeds and public numbers are stored as 32-bit integers (random seeds are below too).
DRAW_NUMBER_MAX = 2**31 - 1
#: Panels in a published lottery: enough for any draw, few enough to write and check.
LOTTERY_SIZE_MAX = 100_000

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="KLERO_DATABASE_URL",
        help="Database URL (default: SQLite file under KLERO_HOME).",
    ),
]
UserOpt = Annotated[
    str | None,
    typer.Option("--user", envvar="KLERO_USER", help="Your login (password from KLERO_PASSWORD)."),
]

T = TypeVar("T")


@dataclass(frozen=True)
class Service:
    """The service options of a command (``with_service``): the database, the user, --json."""

    database_url: str | None = None
    user: str | None = None
    as_json: bool = False

    @property
    def login(self) -> tuple[str | None, str | None]:
        """The database URL and the acting user, as ``klero.service.common.login`` takes them."""
        return self.database_url, self.user


#: The default of a command's ``service`` parameter (``with_service`` always passes one).
SERVICE = Service()


def with_service(*, json: bool = False) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Give a command ``--database-url`` and ``--user`` (and ``--json`` with ``json``).

    The command declares ``service: Service = SERVICE`` where the options stand in its
    ``--help``; Typer sees them there (the wrapper's ``__signature__``) and the command
    gets their values as one ``Service``.
    """
    added: dict[str, tuple[Any, object]] = {"database_url_": (DbOpt, None), "user": (UserOpt, None)}
    if json:
        added["as_json"] = (JsonOpt, False)

    def wrap(command: Callable[..., T]) -> Callable[..., T]:
        signature = inspect.signature(command, eval_str=True)
        hints = typing.get_type_hints(command, include_extras=True)
        params: list[inspect.Parameter] = []
        for param in signature.parameters.values():
            if param.name != "service":
                params.append(param)
                continue
            for name, (hint, default) in added.items():
                params.append(param.replace(name=name, annotation=hint, default=default))
                hints[name] = hint
        del hints["service"]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            given = [kwargs.pop(name, default) for name, (_, default) in added.items()]
            return command(*args, service=Service(*given), **kwargs)

        vars(wrapper)["__signature__"] = signature.replace(parameters=params)
        wrapper.__annotations__ = hints
        return wrapper

    return wrap


# Options that several commands take, each written once here; a command's docstring says
# what it does with one where that differs (e.g. what it does without --seed).
IdOpt = Annotated[str, typer.Option("--id-column", help="Column holding each person's id.")]
AddressOpt = Annotated[
    str | None,
    typer.Option("--address-columns", help="Comma-separated address columns (households)."),
]
StoredSiteOpt = Annotated[
    str | None,
    typer.Option("--site", help="A stored site's code: its data from the database, not files."),
]
DeliberationOpt = Annotated[str, typer.Option("--deliberation", help="The deliberation's name.")]
CountryOpt = Annotated[
    str | None, typer.Option("--country", help="Only this country's sites (ISO code).")
]
RunOpt = Annotated[int | None, typer.Option("--run", help="Run id (default: latest).")]
OutFileOpt = Annotated[Path, typer.Option("--out", help="File to write (.csv or .xlsx).")]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help="Seed of the draw.", min=0, max=DRAW_NUMBER_MAX)
]
PublicNumberOpt = Annotated[
    int | None,
    typer.Option("--public-number", help="A number drawn in public.", min=0, max=DRAW_NUMBER_MAX),
]
PanelFileOpt = Annotated[
    Path | None, typer.Option("--panel", help="The panel (CSV or XLSX): id and criteria.")
]
MarginsFileOpt = Annotated[
    Path | None, typer.Option("--margins", help="Census margins: feature,value,share.")
]
TableOutOpt = Annotated[Path | None, typer.Option("--out", help="Write the table (.csv or .xlsx).")]
ToleranceSeatsOpt = Annotated[
    int | None, typer.Option("--tolerance-seats", help="Seats either side of the target.")
]
TolerancePointsOpt = Annotated[
    float | None,
    typer.Option("--tolerance-points", help="Percentage points either side of the target."),
]

# A file command's inputs; a command that reads them from the database instead with
# --site takes the same options, optional.
_POOL = typer.Option("--pool", help="Volunteer pool (CSV or XLSX).")
_QUOTAS = typer.Option("--quotas", help="Quota table (CSV or XLSX).")
_SIZE = typer.Option("--size", help="Panel size (seats).", min=1)
PoolOpt = Annotated[Path, _POOL]
QuotasOpt = Annotated[Path, _QUOTAS]
SizeOpt = Annotated[int, _SIZE]
OptionalPoolOpt = Annotated[Path | None, _POOL]
OptionalQuotasOpt = Annotated[Path | None, _QUOTAS]
OptionalSizeOpt = Annotated[int | None, _SIZE]


def say(code: str, **params: object) -> None:
    """Print the klero message ``code`` with ``params`` (values) in ``KLERO_LANG``."""
    typer.echo(render(code, params, cli_language()))


def headed(frame: pd.DataFrame, lang: str) -> str:
    """``frame`` as plain text, each column headed by its catalogue name (``cli_col_<column>``).

    The files a command writes keep the column codes; only the printed table is translated.
    """
    names = {column: render(f"cli_col_{column}", {}, lang) for column in frame.columns}
    return str(frame.rename(columns=names).to_string(index=False))


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


def chosen_language(code: str, *, pseudo: bool = True) -> str:
    """The shipped language ``code`` names (any case, ``-`` or ``_``); exit 2 otherwise.

    The pseudo-language (tests' markers around every catalogue string) is taken unless
    ``pseudo`` is false.
    """
    found = resolve(code)
    if found is None or (found == PSEUDO and not pseudo):
        known = ", ".join(language.code for language in LANGUAGES)
        raise KleroError("language_unknown", language=code, known=known)
    return found


def cli_language() -> str:
    """The language ``KLERO_LANG`` names (English when unset); exit 2 for an unknown one."""
    asked = os.environ.get(ENV, "").strip()
    return chosen_language(asked) if asked else "en"
