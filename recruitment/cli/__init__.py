"""The ``klero`` command line: thin entry points over quotas, sampling and synthetic_data.

Exit codes: 0 success, 1 valid input but infeasible quotas, 2 invalid input or usage,
3 an unexpected failure (reported in one line, never as a traceback), 4 permission denied.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from quotas.problems import KleroError
from recruitment.cli import check, replace, select, service, synth
from recruitment.cli.app import app

__all__ = ["app", "check", "main", "replace", "select", "service", "synth"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return (and, as a script, exit with) its exit code."""
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = command.main(args=args, prog_name="klero", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        code = 130
    except typer.TyperException as exc:  # usage errors: missing or bad options
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(f"Error: {exc}", err=True)
        code = int(getattr(exc, "exit_code", 2))
    except KleroError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        code = exc.exit_code
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        code = 130
    except Exception as exc:  # the last line of defence: no traceback reaches a user
        name = args[0] if args else "klero"
        typer.echo(
            f"Unexpected error in 'klero {name}': {type(exc).__name__}: {exc}. "
            "Nothing was written. Please report this with the command you ran.",
            err=True,
        )
        code = 3
    if argv is None:
        sys.exit(code)
    return code
