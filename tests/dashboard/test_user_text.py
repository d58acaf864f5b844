"""Text from users shows literally in the dashboard: a Markdown link or image stays text.

A site code, a criterion and a category value written as Markdown links and images go
through every page that shows them; each Markdown element of the page is rendered by a
CommonMark renderer (``markdown-it-py``, like Streamlit's) and must hold no link or image.
"""

from __future__ import annotations

import html
import re

import pandas as pd
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from quotas.model import Category, Quota, QuotaTable
from recruitment import usecases as uc
from recruitment.db import open_database
from recruitment.demo import DELIBERATION
from tests.dashboard.conftest import DemoDb, open_page, signed_in

SITE = "![site](http://evil.example/site.png)"
NAME = "[Lyon](http://evil.example/name)"
FEATURE = "[criterion](http://evil.example/f)"
VALUE = "![value](http://evil.example/v.png)"
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _hostile_site(db: DemoDb) -> None:
    """A site whose code, name, criterion and category are Markdown, with an infeasible quota."""
    database = open_database(f"sqlite:///{db.path}")
    try:
        admin = uc.authenticate(database, "admin", db.password("admin"))
        uc.create_site(
            database,
            admin,
            uc.NewSite(
                deliberation=DELIBERATION,
                country="FR",
                code=SITE,
                name=NAME,
                panel_size=50,
                partner="Démocratie Ouverte (demo)",
            ),
        )
        partner = uc.authenticate(database, "partner-fr", db.password("partner-fr"))
        quotas = QuotaTable(
            Quota(Category(FEATURE, value), low, 50, 0.5)
            for value, low in ((VALUE, 20), ("other", 0))
        )
        uc.set_quotas(database, partner, SITE, quotas)
        # Nobody of the hostile category: the feasibility check names it.
        pool = pd.DataFrame({"id": [f"H{i}" for i in range(60)], FEATURE: "other"})
        uc.import_frame(database, partner, SITE, pool, source="test")
    finally:
        database.dispose()


def _shown_markdown(at: AppTest) -> list[str]:
    """Every Markdown source the page shows: text elements and widget labels."""
    kinds = ("title", "subheader", "markdown", "caption", "error", "info", "warning", "success")
    sources = [str(e.value) for kind in kinds for e in getattr(at, kind)]
    sources += [str(w.label) for w in [*at.selectbox, *at.text_input, *at.multiselect]]
    return sources


def _rendered(source: str) -> tuple[str, str]:
    """The HTML of a Markdown source and the text a reader sees."""
    page = MARKDOWN.render(source)
    return page, html.unescape(re.sub(r"<[^>]+>", "", page))


def test_markdown_from_users_shows_as_literal_text(own_db: DemoDb) -> None:
    _hostile_site(own_db)
    at = signed_in(own_db, "partner-fr")
    seen: list[str] = []
    for page in ("pool", "quotas", "selection"):
        open_page(at, page, SITE)
        assert not at.exception, [e.value for e in at.exception]
        for source in _shown_markdown(at):
            markup, text = _rendered(source)
            assert "<a " not in markup and "<img" not in markup, (page, source)
            seen.append(text)
    shown = "\n".join(seen)
    assert f"· {SITE}" in shown  # the titles
    assert FEATURE in shown  # the registration form's label
    assert VALUE in shown  # the feasibility explanation
