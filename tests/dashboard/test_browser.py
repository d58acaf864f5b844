"""A real browser: each role's journey through the dashboard, with screenshots.

A partner signs in, uploads a pool, builds quotas, runs a selection and sees charts; a
coordinator looks at the sites overview and a representativeness chart; an evaluator
verifies the audit trail. Drives Debian's Chromium (``/usr/bin/chromium``) with
playwright-python against ``streamlit run dashboard/app.py``; screenshots go to
``test-artifacts/``. Skipped when Chromium or playwright is missing, except under CI
(``CI=true``), where that fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from synthetic_data import generate_pool
from tests.dashboard.conftest import APP, DemoDb

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHART = "[data-testid='stVegaLiteChart'] .marks"  # a drawn Vega-Lite chart (not a data grid)
pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _need_browser() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright-python (pip install playwright)")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(own_db: DemoDb) -> Iterator[str]:
    """The dashboard served by ``streamlit run`` on a free port, on a copy of the demo."""
    _need_browser()
    port = _free_port()
    env = {**os.environ, "KLERO_SESSION_IDLE_MINUTES": "30"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            APP,
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def browser_page(server: str, journey: str) -> Iterator[Page]:
    """A Chromium page at the app; on failure, a screenshot ``<journey>-failure.png``."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        try:
            page.goto(server)
            yield page
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"{journey}-failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def sign_in(page: Page, db: DemoDb, login: str) -> None:
    page.get_by_role("textbox", name="Login").fill(login)
    page.get_by_role("textbox", name="Password").fill(db.password(login))
    page.get_by_role("button", name="Sign in").click()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_partner_uploads_builds_quotas_selects_and_sees_charts(
    server: str, own_db: DemoDb, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    pool_file = tmp_path / "new-volunteers.csv"
    generate_pool("FR", 40, 99).drop(columns=["household"]).assign(
        id=lambda f: "B-" + f["id"]
    ).to_csv(pool_file, index=False)
    with browser_page(server, "partner") as page:
        sign_in(page, own_db, "partner-fr")
        expect(page.get_by_role("heading", name="Volunteer pool · FR-lille")).to_be_visible()
        shot(page, "1-signed-in")

        page.locator("input[type=file]").first.set_input_files(str(pool_file))
        page.get_by_role("button", name="Check and import").click()
        expect(page.get_by_text("40 added")).to_be_visible()
        shot(page, "2-pool-imported")

        page.get_by_role("link", name="Criteria and quotas").click()
        expect(page.get_by_text("A panel meeting all these quotas")).to_be_visible()
        page.get_by_role("button", name="Save these quotas").click()
        expect(page.get_by_text("Saved as version 2.")).to_be_visible()
        shot(page, "3-quotas")

        page.get_by_role("link", name="Selection").click()
        page.get_by_role("button", name="Run the selection").click()
        expect(page.get_by_text("Latest panel (run")).to_be_visible(timeout=120_000)
        expect(page.locator(CHART).first).to_be_visible()
        shot(page, "4-selection")

        page.get_by_role("link", name="Representativeness").click()
        expect(page.get_by_text("Every category")).to_be_visible()
        expect(page.locator(CHART).first).to_be_visible()
        shot(page, "5-representativeness")


def test_coordinator_sees_the_sites_and_a_representativeness_chart(
    server: str, own_db: DemoDb
) -> None:
    from playwright.sync_api import expect

    with browser_page(server, "coordinator") as page:
        sign_in(page, own_db, "coordinator")
        expect(page.get_by_role("heading", name="Sites overview")).to_be_visible()
        expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()
        expect(page.get_by_text("Aggregate balance")).to_be_visible()
        shot(page, "coordinator-1-sites")

        # The site with a panel, chosen in the sidebar, then its representativeness.
        page.get_by_role("combobox", name="Site").click()
        page.get_by_role("option", name="FR-lyon · Lyon").click()
        page.get_by_role("link", name="Representativeness").click()
        expect(page.get_by_role("heading", name="Representativeness")).to_be_visible()
        expect(page.get_by_text("Every category")).to_be_visible()
        expect(page.locator(CHART).first).to_be_visible()
        expect(page.get_by_text("No panel yet")).to_have_count(0)
        shot(page, "coordinator-2-representativeness")


def test_evaluator_verifies_the_audit_trail(server: str, own_db: DemoDb) -> None:
    from playwright.sync_api import expect

    with browser_page(server, "evaluator") as page:
        sign_in(page, own_db, "evaluator")
        expect(page.get_by_role("heading", name="Sites overview")).to_be_visible()
        page.get_by_role("link", name="Audit").click()
        expect(page.get_by_role("heading", name="Audit")).to_be_visible()
        page.get_by_role("button", name="Verify the audit trail").click()
        expect(page.get_by_text("The audit trail is intact")).to_be_visible()
        shot(page, "evaluator-1-audit-verified")
