"""Every word the dashboard shows comes from a catalogue or from the data: the pseudo-language.

In the pseudo-language (``quotas.languages.PSEUDO``) every catalogue string is English
between ``⟦`` and ``⟧``. Each page is rendered as an admin and everything it shows
(titles, text, labels, options, table headings and cells) is read: a word outside the
markers must be data (a site, country, region, login, deliberation, criterion or category
as stored in the database, a number or an id), else it was written without the catalogue.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from babel import Locale
from streamlit.testing.v1 import AppTest

from dashboard.ui import PAGES as ROLE_PAGES
from quotas.languages import PSEUDO
from tests.dashboard.conftest import APP, DemoDb, open_page, shown, signed_in
from tests.pseudo import language_words, stray_words, words

# What the data is made of: names, codes and categories as stored.
DATA = (
    "select name from organisation",
    "select login from user_account",
    "select name, description, criteria from deliberation",
    "select code, name from country",
    "select code, name, place, region, kind, regions, languages from site",
    "select external_id, pseudonym from volunteer",
    "select action, entity from audit_event",  # the trail's codes, shown as recorded
    "select criterion, category, label from criterion_label",
)
# JSON columns whose keys are data too (criteria named by their columns).
KEYED = (
    "select features, attributes from volunteer",
    "select pool_columns from site",
)
# JSON rows whose values only are data (their keys are the file format's).
VALUES = ("select rows from quota_set",)
# Element kinds and what of each is text a user reads.
TEXT = ("title", "header", "subheader", "markdown", "caption", "error", "info", "success")
TEXT_MORE = ("warning", "text")  # code blocks hold anchors and hashes: data
LABELLED = ("button", "checkbox", "text_input", "text_area", "number_input", "selectbox")
LABELLED_MORE = ("multiselect", "radio", "toggle", "date_input", "expander", "metric", "tab")


def _leaves(value: Any, *, keys: bool) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if keys:
                yield str(key)
            yield from _leaves(item, keys=keys)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, keys=keys)
    elif value is not None:
        yield str(value)


def _data_words(db: DemoDb) -> set[str]:
    found: set[str] = set()
    with sqlite3.connect(db.path) as connection:
        for queries, keys in ((DATA, False), (KEYED, True), (VALUES, False)):
            for query in queries:
                for row in connection.execute(query):
                    for cell in row:
                        try:
                            parsed = json.loads(cell) if isinstance(cell, str) else cell
                        except ValueError:
                            parsed = cell
                        found |= words(_leaves(parsed, keys=keys))
    english = Locale.parse("en")
    for names in (english.months, english.days):
        for width in names["format"].values():
            found |= {str(n).lower() for n in width.values()}
    found |= language_words()  # the language switch shows each language's own name
    for periods in english.day_periods["format"].values():
        found |= {str(n).lower() for n in periods.values()}
    return found | {"utc", "kleroterion", PSEUDO}


def _shown_texts(at: AppTest) -> Iterator[tuple[str, str]]:
    """(where, text) for everything the rendered page shows."""
    for kind in TEXT + TEXT_MORE:
        for element in at.get(kind):
            yield kind, shown(getattr(element, "value", ""))
    for kind in LABELLED + LABELLED_MORE:
        for element in at.get(kind):
            yield kind, shown(getattr(element, "label", "") or "")
            for option in getattr(element, "options", None) or []:
                yield f"{kind} option", str(option)
    for element in [*at.dataframe, *at.table]:
        frame = element.value
        if not isinstance(frame, pd.DataFrame):
            continue
        # A heading shows its column configuration's label when it has one.
        config = json.loads(getattr(element.proto, "columns", "") or "{}")
        labels = {name: (c or {}).get("label") for name, c in config.items()}
        yield from (("table heading", str(labels.get(str(c)) or c)) for c in frame.columns)
        for column in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[column]):
                yield from (("table cell", str(v)) for v in frame[column].dropna().unique())


def _strays(at: AppTest, data: set[str], seen: list[str]) -> list[tuple[str, str]]:
    found = []
    for where, text in _shown_texts(at):
        seen.append(where)
        if stray_words(text, data):
            found.append((where, text[:120]))
    return sorted(set(found))


@pytest.mark.parametrize("login", ["admin"])
def test_every_page_shows_only_catalogue_strings_and_data(shared_db: DemoDb, login: str) -> None:
    signin = AppTest.from_file(APP, default_timeout=60)
    signin.session_state["lang"] = PSEUDO
    signin.run()
    shown_first = list(_shown_texts(signin))
    # A failed sign-in: its message, and its event on the Audit page (an anonymous actor).
    signin.text_input(key="signin_login").input("nobody")
    signin.text_input(key="signin_password").input("wrong password")
    signin.button(key="signin_submit").click().run()
    data = _data_words(shared_db)  # the trail's codes now include the failed sign-in's
    assert signin.error and not _strays(signin, data, [])
    assert not [text for _, text in shown_first if stray_words(text, data)]
    at = signed_in(shared_db, login, lang=PSEUDO)
    at.selectbox(key="site").select("FR-lyon")
    at.run()
    seen: list[str] = []
    strays = {"sidebar": _strays(at, data, seen)}
    for page, (_, roles, _) in ROLE_PAGES.items():
        if "admin" in roles:
            open_page(at, page)
            assert not at.exception, (page, [e.value for e in at.exception])
            strays[page] = _strays(at, data, seen)
    assert {"title", "table heading", "table cell", "button", "selectbox option"} <= set(seen)
    found = {k: v for k, v in strays.items() if v}
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)
