"""What every page shares: the database handle, the signed-in user, the chosen site and language.

The signed-in user (an ``Actor``, never a password) lives in ``st.session_state`` and
expires after ``KLERO_SESSION_IDLE_MINUTES`` (default 30) without activity. Use cases are
called through ``attempt`` so that a ``KleroError`` is shown as a message, not a traceback.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from dashboard.i18n import (
    DEFAULT_LANGUAGE,
    error_lines,
    format_number,
    format_percent,
    problem_text,
    text,
)
from quotas.problems import KleroError, Problem, errors_only, problem_counts
from recruitment import usecases as uc
from recruitment.db import database_url
from recruitment.permissions import Actor

T = TypeVar("T")

ALL_ROLES = frozenset({"admin", "coordinator", "partner", "evaluator"})
# Page key -> (script relative to app.py, roles that see it, icon).
PAGES: dict[str, tuple[str, frozenset[str], str]] = {
    "sites": (
        "views/sites.py",
        frozenset({"coordinator", "evaluator", "admin"}),
        ":material/public:",
    ),
    "pool": ("views/pool.py", ALL_ROLES, ":material/groups:"),
    "quotas": ("views/quotas.py", ALL_ROLES, ":material/tune:"),
    "selection": ("views/selection.py", ALL_ROLES, ":material/casino:"),
    "balance": ("views/balance.py", ALL_ROLES, ":material/bar_chart:"),
    "panel": ("views/panel.py", frozenset({"partner", "coordinator", "admin"}), ":material/badge:"),
    "audit": ("views/audit.py", frozenset({"evaluator", "admin"}), ":material/verified:"),
}


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


def lang() -> str:
    """The language chosen in this session."""
    return str(st.session_state.get("lang", DEFAULT_LANGUAGE))


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


def sign_in(login: str, password: str) -> bool:
    """Check the login; on success keep the actor in the session. Never stores the password."""
    try:
        who = uc.authenticate(db(), login.strip(), password)
    except KleroError:
        return False
    st.session_state["actor"] = who
    st.session_state["last_seen"] = time.time()
    st.session_state.pop("expired", None)
    return True


def sign_out() -> None:
    """Forget the signed-in user and everything cached for them."""
    for key in list(st.session_state.keys()):
        if key not in {"lang"}:
            del st.session_state[key]


def show_error(error: KleroError) -> None:
    """Show every message of an error in the session's language."""
    lines = error_lines(error, lang())
    st.error("\n\n".join(lines))


def problem_table(problems: list[Problem]) -> pd.DataFrame:
    """Every problem of a file, translated, errors first (a bounded list: see quotas.problems).

    A "… and N more like this" row carries, as its code, the code of the problems it counts.
    """
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    return pd.DataFrame(
        {
            tr("col.severity"): [tr(f"severity.{p.severity}") for p in ordered],
            tr("col.code"): [
                str(p.params.get("kind")) if p.code == "problems_more" else p.code
                for p in ordered
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


def percent_cell(value: object) -> str:
    """A table cell as a percentage in the session's language (Styler passes cells untyped)."""
    return format_percent(float(value) if isinstance(value, int | float) else None, lang())


def number_cell(value: object, digits: int = 0) -> str:
    """A table cell as a number in the session's language (Styler passes cells untyped)."""
    return format_number(float(value) if isinstance(value, int | float) else None, lang(), digits)
