"""WCAG 2.1 AA in a real browser: axe-core on the registration page and every dashboard page.

One server, one browser: the public registration page has no serious or critical axe
violation, can be completed with the keyboard alone (Tab, Space, typing, Enter) and
still works at 200 % zoom and on a phone (a window 390 pixels wide at twice the pixel
density, narrower than a 1280-pixel window at 200 %: no sideways scrolling, the button
reachable); then an admin, who sees every page, opens each one and axe finds nothing
serious or critical there either. axe-core comes inside
``axe-playwright-python`` (nothing is downloaded). Screenshots of failures go to
``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from dashboard.i18n import text
from dashboard.ui import PAGES
from recruitment import usecases as uc
from recruitment.db import open_database
from recruitment.models import Volunteer
from recruitment.permissions import Actor
from tests.dashboard.conftest import DemoDb
from tests.dashboard.test_browser import browser_page, server, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["server"]  # the browser test's fixture: one streamlit server on the demo copy
pytestmark = [pytest.mark.browser, pytest.mark.slow]
SITE = "FR-lyon"
# WCAG 2.1 A and AA rules only (the standard asked for; best-practice rules are slower).
_WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
_SETTLED = "document.querySelectorAll('[data-stale=\"true\"]').length === 0"
# What the focused element is: its kind, its group (radios) and its label.
_FOCUSED = """() => {
  const el = document.activeElement;
  const label = el.getAttribute('aria-label') || (el.labels && el.labels[0]
    ? el.labels[0].innerText : '') || el.innerText || '';
  return [el.tagName.toLowerCase(), el.type || '', el.name || '', label.trim()];
}"""


def _need_axe() -> None:
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        reason = "the accessibility test needs axe-playwright-python (the dev extra)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _serious(page: Page) -> list[str]:
    """Every serious or critical axe violation on the page, with where it is.

    A page still fading in an element (a rerun's transition) can show a colour for a
    moment: a violation must still be there a second later to count.
    """
    from axe_playwright_python.sync_playwright import Axe

    found: list[str] = []
    for _ in range(2):
        page.wait_for_function(_SETTLED)
        results = Axe().run(page, options=_WCAG_AA)
        found = [
            f"{v['id']} ({v['impact']}): {node['target']} {node['html'][:200]}"
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
            for node in v["nodes"]
        ]
        if not found:
            return found
        page.wait_for_timeout(1000)
    return found


def _open_registration(db: DemoDb) -> None:
    database = open_database(os.environ["KLERO_DATABASE_URL"])
    try:
        today = uc.today_utc()
        uc.set_registration_dates(
            database, Actor.system(), SITE, today - timedelta(days=1), today + timedelta(days=7)
        )
    finally:
        database.dispose()


def _scroll_to(page: Page, button: str) -> None:
    """Scroll ``button`` into view once the page has stopped changing under it.

    A page that has just appeared may still be laid out again (a rerun's elements
    arriving above the button move it down), so one scroll can land where the button no
    longer is: scroll again until it stays in the viewport, a few times at most. A button
    that cannot be scrolled to fails the ``to_be_in_viewport`` that follows.
    """
    target = page.get_by_role("button", name=button)
    for _ in range(5):
        page.wait_for_function(_SETTLED)
        target.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        box = target.bounding_box()
        height = page.evaluate("window.innerHeight")
        if box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height:
            return
        page.wait_for_timeout(700)


def _registered(email_domain: str) -> int:
    database = open_database(os.environ["KLERO_DATABASE_URL"])
    try:
        with database.unit_of_work() as session:
            query = select(Volunteer.id).where(Volunteer.external_id.like("R-%"))
            return len(session.execute(query).all())
    finally:
        database.dispose()


def _fill_by_keyboard(page: Page, email: str) -> None:
    """Answer every question, give an e-mail, agree and send, with the keyboard only."""
    answered: set[str] = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        tag, kind, group, label = page.evaluate(_FOCUSED)
        if kind == "radio" and group not in answered:
            page.keyboard.press("Space")
            answered.add(group)
        elif tag == "input" and label == "E-mail":
            page.keyboard.type(email)
        elif kind == "checkbox":
            page.keyboard.press("Space")
        elif tag == "button" and label == "Register":
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"the Register button was never reached by Tab ({answered})")


def test_registration_and_every_page_pass_axe_by_keyboard_and_zoomed(
    server: str, own_db: DemoDb
) -> None:
    from playwright.sync_api import expect

    _need_axe()
    _open_registration(own_db)
    link = f"{server}/register?site={SITE}&lang=en"
    with browser_page(server, "accessibility") as page:
        page.goto(link)
        # The first page a fresh server renders imports the service: give it time.
        expect(page.get_by_role("button", name="Register")).to_be_visible(timeout=60_000)
        assert _serious(page) == []
        _fill_by_keyboard(page, "keyboard@example.org")
        expect(page.get_by_text("Your reference number is R-")).to_be_visible(timeout=30_000)
        assert _registered("example.org") == 1

        # 200 % zoom and a phone: the same page 390 CSS pixels wide, at twice the density.
        zoomed = page.context.browser.new_page(  # type: ignore[union-attr]
            viewport={"width": 390, "height": 844}, device_scale_factor=2
        )
        zoomed.set_default_timeout(60_000)
        zoomed.goto(link)
        expect(zoomed.get_by_role("button", name="Register")).to_be_visible(timeout=60_000)
        _scroll_to(zoomed, "Register")
        expect(zoomed.get_by_role("button", name="Register")).to_be_in_viewport()
        wide = zoomed.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{wide} px of sideways scrolling at 200 %"
        assert _serious(zoomed) == []
        zoomed.close()

        page.goto(server)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=30_000)
        assert _serious(page) == []
        sign_in(page, own_db, "admin")
        expect(page.get_by_role("heading", name="Sites overview")).to_be_visible(timeout=30_000)
        page.get_by_role("combobox", name="Site").click()
        page.get_by_role("option", name="FR-lyon · Lyon").click()
        failures: dict[str, list[str]] = {}
        for key in PAGES:
            title = text(f"page.{key}")
            page.get_by_role("link", name=title, exact=True).click()
            expect(
                page.get_by_role("heading", level=1, name=re.compile("^" + re.escape(title)))
            ).to_be_visible(timeout=30_000)
            found = _serious(page)
            if found:
                failures[key] = found
        assert failures == {}
