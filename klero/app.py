"""The ``klero`` command line: its commands, and ``main``, which maps every outcome to an exit code.

File commands (``klero.files``, and ``klero select`` on files) are registered here and
load only ``quotas``, ``sampling`` and ``synthetic_data``. Service commands load the
database stack, so they are listed by name and summary (``klero.listing``) and their
modules (``klero.service.commands``) are imported only when one of them runs.

Exit codes: 0 success, 1 valid input but infeasible quotas, 2 invalid input or usage,
3 an unexpected failure (reported in one line, never as a traceback), 4 permission denied.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cache
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from klero import seats, select, tables, weights
from klero.files import check, languages, locations, replace, synth, verify
from klero.help_texts import options_in
from klero.listing import SERVICE_COMMANDS
from klero.options import cli_language
from quotas.messages import render
from quotas.problems import KleroError

__all__ = ["SERVICE_COMMANDS", "app", "main"]


@cache
def service_group() -> TyperGroup:
    """The service commands as one click group (importing them loads the database stack)."""
    from klero.service.commands import service_app

    return typer.main.get_group(service_app)


class KleroGroup(TyperGroup):
    """The top-level group: file commands at hand, service commands loaded on first use.

    Until then a service command is a stand-in holding its name and summary: enough for
    help listings and for suggesting a command when a name is mistyped. (The click types
    of the hooks below are left as ``Any``: Typer vendors its own copy of click.)
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, summary in SERVICE_COMMANDS.items():
            self.commands.setdefault(name, TyperCommand(name, help=summary))
        self._listing = False
        self.lang = "en"  # the language of the options' texts (``klero.help_texts``)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command ``cmd_name``; a service command is loaded unless help is being listed."""
        if cmd_name in SERVICE_COMMANDS and not self._listing:
            found = service_group().get_command(ctx, cmd_name)
            if found is not None:
                options_in(found, self.lang, (cmd_name,))
            return found
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Write ``klero --help``, listing the service commands without loading them."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="klero",
    help="Kleroterion: fair, representative, verifiable selection of citizens' panels.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=KleroGroup,
)
app.command("check")(check.check_command)
app.command("quotas")(check.quotas_command)
app.command("select")(select.select_command)
app.command("verify")(verify.verify_command)
app.command("replace")(replace.replace_command)
app.command("synth")(synth.synth_command)
app.command("weights")(weights.weights_command)
app.command("tables")(tables.tables_command)
app.add_typer(seats.seats_app, name="seats")
app.add_typer(locations.locations_app, name="locations")
app.command("languages")(languages.languages_command)


def _language() -> str:
    try:
        return cli_language()
    except KleroError:
        return "en"  # an unknown KLERO_LANG is reported by the command that reads it


def listing_in(command: Any, lang: str) -> None:
    """``klero --help`` in ``lang``: the app's line and each command's summary come from
    the catalogue (``cli_help_<command>``). A command's own ``--help`` page (its options)
    has its options' texts in ``lang`` where the catalogue has them (``klero.help_texts``)."""
    command.help = render("cli_help_app", {}, lang)
    command.lang = lang
    for name, sub in command.commands.items():
        sub.short_help = render(f"cli_help_{name}", {}, lang)
        if name not in SERVICE_COMMANDS:  # a service command's, once loaded (get_command)
            options_in(sub, lang, (name,))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return (and, as a script, exit with) its exit code."""
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    lang = _language()
    listing_in(command, lang)
    try:
        result = command.main(args=args, prog_name="klero", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        typer.echo(render("cli_aborted", {}, lang), err=True)
        code = 130
    except typer.TyperException as exc:  # usage errors: missing or bad options
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(render("cli_error", {"message": str(exc)}, lang), err=True)
        code = int(getattr(exc, "exit_code", 2))
    except KleroError as exc:
        typer.echo(render("cli_error", {"message": exc.message_in(lang)}, lang), err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        typer.echo(render("cli_interrupted", {}, lang), err=True)
        code = 130
    except Exception as exc:  # the last line of defence: no traceback reaches a user
        name = args[0] if args else "klero"
        params = {"command": name, "kind": type(exc).__name__, "detail": str(exc)}
        typer.echo(render("cli_unexpected", params, lang), err=True)
        code = 3
    if argv is None:
        sys.exit(code)
    return code
