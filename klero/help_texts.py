"""A command's own ``--help`` in the CLI's language: its options' texts from the catalogue.

Typer builds a command's help page from its docstring and each option's ``help=``. Here
an option's text becomes the catalogue's ``cli_opt_<command>_<option>`` (``site_create``
for ``klero site create``) or, shared by several commands, ``cli_opt_<option>``, in the
chosen language, but only where the catalogue's English is the option's own text: an
English text changed in the code is shown as it is, never under an outdated translation.
Commands' descriptions (their docstrings) and Typer's own words ("Options", "Show this
message and exit.") stay in English.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from quotas.messages import codes, render

# Each option's English text, kept when its text is swapped (a service command's
# options live as long as the process, and are shown in one language after another).
_ENGLISH: WeakKeyDictionary[Any, str] = WeakKeyDictionary()


@cache
def _known() -> frozenset[str]:
    return frozenset(code for code in codes() if code.startswith("cli_opt_"))


def english_help(param: Any) -> str | None:
    """An option's own English text, whatever language its text was last put in."""
    return _ENGLISH.get(param) or getattr(param, "help", None)


def options_in(command: Any, lang: str, path: tuple[str, ...] = ()) -> None:
    """Put the options' texts of ``command`` (and of its subcommands) in ``lang``."""
    for name, sub in getattr(command, "commands", {}).items():
        options_in(sub, lang, (*path, name))
    for param in getattr(command, "params", ()):
        english = english_help(param)
        if not english:
            continue
        _ENGLISH[param] = english
        param.help = option_text(path, param.name.rstrip("_"), english, lang)


def option_text(path: tuple[str, ...], option: str, english: str, lang: str) -> str:
    """The text of ``option`` of the command at ``path`` in ``lang`` (else ``english``)."""
    for code in (f"cli_opt_{'_'.join(path)}_{option}", f"cli_opt_{option}"):
        if code in _known() and render(code, {}, "en") == english:
            return render(code, {}, lang)
    return english
