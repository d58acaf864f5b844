"""What every page shares: the database handle, the signed-in user, the chosen site and language.

The signed-in user (an ``Actor``, never a password) lives in ``st.session_state`` and
expires after ``KLERO_SESSION_IDLE_MINUTES`` (default 30) without activity. Use cases are
called through ``attempt`` so that a ``KleroError`` is shown as a message, not a traceback.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard.i18n import (
    DEFAULT_LANGUAGE,
    direction,
    error_lines,
    format_number,
    format_percent,
    problem_text,
    text,
)
from quotas.problems import InvalidInput, KleroError, Problem, errors_only, problem_counts
from quotas.tables import read_table
from recruitment import usecases as uc
from recruitment.db import database_url
from recruitment.permissions import Action, Actor, roles_for
from sampling import SelectionSettings

T = TypeVar("T")

# Every ASCII punctuation mark: CommonMark shows any of them literally after a backslash.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"[\r\n]+")

# Each page: its key (the script views/<key>.py), the action whose roles see it (the
# permission table, recruitment.permissions), whether it is for roles that see every site
# (the sites overview, the batch), and its Material icon.
_PAGE_ROWS: tuple[tuple[str, Action, bool, str], ...] = (
    ("sites", Action.VIEW_SITE, True, "public"),
    ("pool", Action.VIEW_SITE, False, "groups"),
    ("quotas", Action.VIEW_SITE, False, "tune"),
    ("selection", Action.VIEW_SITE, False, "casino"),
    ("batch", Action.RUN_BATCH_SELECTION, True, "dynamic_feed"),
    ("balance", Action.VIEW_SITE, False, "bar_chart"),
    ("weights", Action.VIEW_SITE, False, "balance"),
    ("panel", Action.EXPORT_PANEL, False, "badge"),
    # Consent texts, dates, the public link, printable forms and paper forms entry.
    ("registration", Action.IMPORT_POOL, False, "how_to_reg"),
    ("tables", Action.VIEW_SITE, False, "table_restaurant"),
    ("audit", Action.VERIFY_AUDIT, False, "verified"),
    # Everyone signed in: your own second factor (admins also lift sign-in locks there).
    ("account", Action.VIEW_SITE, False, "account_circle"),
)
# Page key -> (script relative to app.py, roles that see it, icon).
PAGES: dict[str, tuple[str, frozenset[str], str]] = {
    key: (f"views/{key}.py", roles_for(action, every_site=every_site), f":material/{icon}:")
    for key, action, every_site, icon in _PAGE_ROWS
}


# The public registration page (no sign-in; ``/register?site=SITE&lang=LANG``).
REGISTER_PAGE = "views/register.py"

# Session key of a checked password waiting for its one-time code (never the password).
CHECKED = "signin_checked"
# Session key of a login whose one-time password was right: it must set its own first.
MUST_CHANGE = "signin_must_change"


def idle_limit_seconds() -> float:
    """How long a session may stay idle before the user must sign in again."""
    try:
        minutes = float(os.environ.get("KLERO_SESSION_IDLE_MINUTES", "30"))
    except ValueError:
        minutes = 30.0
    return max(minutes, 0.1) * 60


@st.cache_resource(show_spinner=False)
def _database(url: str) -> uc.Database:
    return uc.start(url)


def db() -> uc.Database:
    """The service's database (opened once per URL and process)."""
    return _database(database_url())


# Arabic, Persian and Urdu: the page, the sidebar, tables and text run right to left
# (data grids are drawn on a canvas and keep their column order; charts mirror their axes).
RTL_STYLE = (
    ".stMain, [data-testid='stSidebar'] {direction: rtl}"
    " .stMain [data-testid='stMarkdownContainer'], .stMain table {text-align: right}"
    " .stMain table {direction: rtl}"
)


def lang() -> str:
    """The language chosen in this session."""
    return str(st.session_state.get("lang", DEFAULT_LANGUAGE))


def rtl() -> bool:
    """Whether the session's language is written right to left."""
    return direction(lang()) == "rtl"


def tr(key: str, **params: Any) -> str:
    """A UI string in the session's language."""
    return text(key, lang(), **params)


def actor() -> Actor | None:
    """The signed-in user, or None (also after the idle limit, which signs the user out)."""
    who = st.session_state.get("actor")
    if who is None:
        return None
    now = time.time()
    if now - float(st.session_state.get("last_seen", now)) > idle_limit_seconds():
        sign_out()
        st.session_state["expired"] = True
        return None
    st.session_state["last_seen"] = now
    return who  # type: ignore[no-any-return]


def _signed_in(who: Actor) -> None:
    st.session_state["actor"] = who
    st.session_state["last_seen"] = time.time()
    st.session_state.pop("expired", None)
    st.session_state.pop(CHECKED, None)


def sign_in(login: str, password: str) -> KleroError | None:
    """Check the password; return the error to show, or None when it was right.

    A right password signs the user in, or, for a user with a second factor, leaves in
    the session what the code step needs (``pending_code``). Never stores the password.
    """
    try:
        result = uc.check_password(db(), login.strip(), password, source=uc.SignInFrom.DASHBOARD)
    except uc.PasswordChangeRequired:
        st.session_state[MUST_CHANGE] = login.strip()  # the login only, never the password
        return None
    except KleroError as error:
        return error
    if isinstance(result, uc.PasswordChecked):
        st.session_state[CHECKED] = result
    else:
        _signed_in(result)
    return None


def must_change() -> str | None:
    """The login whose one-time password was right and must now be replaced, if any."""
    login = st.session_state.get(MUST_CHANGE)
    return login if isinstance(login, str) else None


def change_first_password(current: str, new: str) -> KleroError | None:
    """Replace the one-time password, then sign in with the new one; the error to show, or None."""
    login = must_change()
    if login is None:
        return None
    try:
        uc.change_password(db(), login, current, new, source=uc.SignInFrom.DASHBOARD)
    except KleroError as error:
        if error.code != "password_too_short" and error.code != "password_unchanged":
            st.session_state.pop(MUST_CHANGE, None)  # wrong or locked: back to the password
        return error
    st.session_state.pop(MUST_CHANGE, None)
    return sign_in(login, new)


def pending_code() -> uc.PasswordChecked | None:
    """The checked password waiting for its one-time code, if any."""
    checked = st.session_state.get(CHECKED)
    return checked if isinstance(checked, uc.PasswordChecked) else None


def sign_in_code(code: str) -> KleroError | None:
    """Complete a sign-in with the one-time code; return the error to show, or None.

    A lock or an expired step sends the user back to the password.
    """
    checked = pending_code()
    if checked is None:
        return None
    try:
        who = uc.check_second_factor(db(), checked, code.strip())
    except KleroError as error:
        if error.code != "totp_failed":
            cancel_sign_in()
        return error
    _signed_in(who)
    return None


def cancel_sign_in() -> None:
    """Forget a checked password waiting for its code, or a login that must change its password."""
    st.session_state.pop(CHECKED, None)
    st.session_state.pop(MUST_CHANGE, None)


def sign_out() -> None:
    """Forget the signed-in user and everything cached for them."""
    for key in list(st.session_state.keys()):
        if key not in {"lang"}:
            del st.session_state[key]


def plain(text: object) -> str:
    r"""``text`` as Streamlit's Markdown shows it literally: no link, image, HTML or emphasis.

    For text from users (site names, categories, logins, column names...) and messages
    holding it, wherever Streamlit reads Markdown: ``st.markdown``, ``st.caption``,
    ``st.info``/``warning``/``error``/``success``, titles, metric, widget, expander and tab
    labels. Tables and charts show text as it is and need no escaping.

    >>> print(plain("[x](http://evil) <img src=x> **b**"))
    \[x\]\(http\:\/\/evil\) \<img src\=x\> \*\*b\*\*
    """
    # A line break could start a block (a heading, a list, a quote): one line instead.
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))


def show_error(error: KleroError) -> None:
    """Show every message of an error in the session's language (user text shown literally)."""
    lines = error_lines(error, lang())
    st.error("\n\n".join(plain(line) for line in lines))


def problem_table(problems: list[Problem]) -> pd.DataFrame:
    """Every problem of a file, translated, errors first (a bounded list: see quotas.problems).

    A "… and N more like this" row carries, as its code, the code of the problems it counts.
    """
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    return pd.DataFrame(
        {
            tr("col.severity"): [tr(f"severity.{p.severity}") for p in ordered],
            tr("col.code"): [
                str(p.params.get("kind")) if p.code == "problems_more" else p.code for p in ordered
            ],
            tr("col.message"): [problem_text(p, lang()) for p in ordered],
        }
    )


def show_problems(problems: list[Problem], headline: str) -> None:
    """A file's problems as a table under the UI string ``headline`` (given ``count``)."""
    total = sum(problem_counts(problems).values())
    (st.error if errors_only(problems) else st.warning)(
        tr(headline, count=format_number(total, lang()))
    )
    st.dataframe(problem_table(problems), hide_index=True, width="stretch")


def save_upload(upload: UploadedFile) -> Path:
    """An uploaded file saved under its own name in this session's folder: its path."""
    folder = Path(st.session_state.setdefault("_upload_dir", tempfile.mkdtemp()))
    path = folder / Path(upload.name).name
    path.write_bytes(upload.getvalue())
    return path


def read_upload(upload: UploadedFile) -> tuple[Path, pd.DataFrame | None, list[Problem]]:
    """An uploaded file saved in this session's folder and read: its path, table and problems.

    The table is None when the file cannot be read at all (binary, damaged, over the
    bounds); its problems say why, plainly.
    """
    path = save_upload(upload)
    try:
        frame, problems = read_table(path)
    except InvalidInput as error:
        return path, None, list(error.problems)
    return path, frame, problems


def attempt(call: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call a use case; show its error (translated) and return None when it raises KleroError."""
    try:
        return call(*args, **kwargs)
    except KleroError as error:
        show_error(error)
        return None


def guard(page: str) -> Actor:
    """The actor of a page allowed for their role; otherwise say so and stop the page."""
    who = actor()
    if who is None or who.role not in PAGES[page][1]:
        st.error(tr("page.forbidden"))
        st.stop()
        raise RuntimeError("unreachable")  # st.stop() raises; this keeps type checkers calm
    return who


def site_page(page: str) -> tuple[Actor, str]:
    """Open a page about the chosen site: its actor and site, under a title naming the site.

    Stops the page for a role that may not see it, or when no site is chosen.
    """
    who = guard(page)
    site = require_site()
    st.title(tr(f"page.{page}") + f" · {plain(site)}")
    return who, site


def current_site() -> str | None:
    """The site chosen in the sidebar, if any."""
    site = st.session_state.get("site")
    return None if site is None else str(site)


def require_site() -> str:
    """The chosen site, or stop the page with a hint to choose one."""
    site = current_site()
    if site is None:
        st.info(tr("site.none"))
        st.stop()
        raise RuntimeError("unreachable")
    return site


def labeller(prefix: str) -> Callable[[object], str]:
    """A ``format_func`` giving the UI string ``prefix + value`` (language fixed now)."""
    now = lang()
    return lambda value: text(f"{prefix}{value}", now)


#: The seat table's own columns (the rest are criteria, shown as they are).
def percent_cell(value: object) -> str:
    """A table cell as a percentage in the session's language (Styler passes cells untyped)."""
    return format_percent(float(value) if isinstance(value, int | float) else None, lang())


def number_cell(value: object, digits: int = 0) -> str:
    """A table cell as a number in the session's language (Styler passes cells untyped)."""
    return format_number(float(value) if isinstance(value, int | float) else None, lang(), digits)


def draw_inputs(prefix: str, alternates: int) -> SelectionSettings:
    """The lottery's number (a seed, or a number drawn in public) and the alternates wanted,
    asked inside a form; the other settings keep their defaults."""
    source = st.radio(
        tr("selection.draw"),
        ["seed", "public"],
        horizontal=True,
        format_func=labeller("selection.draw_"),
        key=f"{prefix}_source",
    )
    number = int(
        st.number_input(tr("selection.number"), 0, 2**31 - 1, 2026, key=f"{prefix}_number")
    )
    wanted = st.number_input(
        tr("selection.alternates"), 0, 50, alternates, key=f"{prefix}_alternates"
    )
    return SelectionSettings(
        seed=number if source == "seed" else None,
        public_number=number if source == "public" else None,
        alternates=int(wanted),
    )
