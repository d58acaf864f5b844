"""A real browser: a partner signs in, uploads a pool, builds quotas, runs a selection, sees charts.

Drives Debian's Chromium (``/usr/bin/chromium``) with playwright-python against
``streamlit run dashboard/app.py``; screenshots go to ``test-artifacts/``. Skipped when
Chromium or playwright is missing, except under CI (``CI=true``), where that fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from synthetic_data import generate_pool
from tests.dashboard.conftest import APP, DemoDb

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
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


def test_partner_uploads_builds_quotas_selects_and_sees_charts(
    server: str, own_db: DemoDb, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    pool_file = tmp_path / "new-volunteers.csv"
    generate_pool("FR", 40, 99).drop(columns=["household"]).assign(
        id=lambda f: "B-" + f["id"]
    ).to_csv(pool_file, index=False)
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
            page.get_by_role("textbox", name="Login").fill("partner-fr")
            page.get_by_role("textbox", name="Password").fill(own_db.password("partner-fr"))
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Volunteer pool · FR-lille")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "1-signed-in.png"), full_page=True)

            page.locator("input[type=file]").first.set_input_files(str(pool_file))
            page.get_by_role("button", name="Check and import").click()
            expect(page.get_by_text("40 added")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "2-pool-imported.png"), full_page=True)

            page.get_by_role("link", name="Criteria and quotas").click()
            expect(page.get_by_text("A panel meeting all these quotas")).to_be_visible()
            page.get_by_role("button", name="Save these quotas").click()
            expect(page.get_by_text("Saved as version 2.")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "3-quotas.png"), full_page=True)

            page.get_by_role("link", name="Selection").click()
            page.get_by_role("button", name="Run the selection").click()
            expect(page.get_by_text("Latest panel (run")).to_be_visible(timeout=120_000)
            expect(page.locator("canvas, svg.marks").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "4-selection.png"), full_page=True)

            page.get_by_role("link", name="Representativeness").click()
            expect(page.get_by_text("Every category")).to_be_visible()
            expect(page.locator("canvas, svg.marks").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "5-representativeness.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()
