"""``make run``'s launcher: the demo in an empty database, older schemas brought up to date,
and a server that stops when the launcher is stopped."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dashboard.serve import bring_up_to_date, prepare
from quotas.problems import KleroError
from recruitment.db import current_revision, head_revision, open_database, upgrade
from recruitment.demo import has_users
from tests.dashboard.conftest import DemoDb

HANG_GUARD = 120  # seconds: only against a hang, never a measure


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """KLERO_HOME in a folder that does not exist yet (under the usual umask 022)."""
    target = tmp_path / "klero-home"
    monkeypatch.setenv("KLERO_HOME", str(target))
    old = os.umask(0o022)
    yield target
    os.umask(old)


def test_empty_database_gets_the_demo_once(home: Path) -> None:
    url = f"sqlite:///{home / 'klero.sqlite'}"
    assert bring_up_to_date(url) is None
    logins = prepare(url)
    assert logins is not None and has_users(url)
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    assert stat.S_IMODE(logins.parent.stat().st_mode) == 0o700
    assert "partner-fr\tpartner" in logins.read_text("utf-8")
    assert prepare(url) is None  # a second start changes nothing


def test_database_of_an_older_version_is_upgraded_not_refused(home: Path) -> None:
    url = f"sqlite:///{home / 'old.sqlite'}"
    upgrade(url, "0001")
    with pytest.raises(KleroError) as refused:
        open_database(url)
    assert refused.value.code == "db_schema_out_of_date"
    assert bring_up_to_date(url) == head_revision()
    db = open_database(url)
    try:
        assert current_revision(db.engine) == head_revision()
    finally:
        db.dispose()


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:  # ended meanwhile
            continue
        if f"\nPPid:\t{pid}\n" in status:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in status


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + HANG_GUARD
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _reap(pids: list[int]) -> None:
    """Kill what a failed test left running (by id: only processes this test started)."""
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")


@needs_proc
@pytest.mark.slow
def test_stopping_the_launcher_stops_the_streamlit_server(own_db: DemoDb, tmp_path: Path) -> None:
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    options = ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    serve = subprocess.Popen(
        [sys.executable, "-m", "dashboard.serve", "--server.port", str(port), *options],
        env={**os.environ, "KLERO_HOME": str(tmp_path / "home")},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    children: list[int] = []
    try:
        _wait_for(lambda: _answers(port) or serve.poll() is not None, "the dashboard's port")
        assert serve.poll() is None, (tmp_path / "serve.log").read_text()
        children = _children(serve.pid)
        assert len(children) == 1
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=HANG_GUARD)
        assert not _alive(children[0]), "the Streamlit server outlived its launcher"
        assert not _answers(port)
    finally:
        _reap([serve.pid, *children])
        serve.wait(timeout=HANG_GUARD)
        log.close()


# Children for ``run_child``: one that ignores SIGTERM (only the kill after the grace
# period stops it) and a plain one. Each prints its process id, then sleeps.
STUBBORN = (
    "import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print(os.getpid(), flush=True); time.sleep(600)"
)
PLAIN = "import os, time; print(os.getpid(), flush=True); time.sleep(600)"


def _launch(child_code: str, grace: float) -> tuple[subprocess.Popen[str], int]:
    """``run_child`` in its own process, running ``child_code``; returns it and the child's id."""
    code = (
        "import sys; from dashboard.serve import run_child; "
        f"sys.exit(run_child([sys.executable, '-c', {child_code!r}], {{}}, grace={grace}))"
    )
    launcher = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    assert launcher.stdout is not None
    return launcher, int(launcher.stdout.readline())


@needs_proc
def test_a_server_that_ignores_sigterm_is_killed_after_the_grace_period() -> None:
    launcher, child = _launch(STUBBORN, grace=1)
    try:
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=HANG_GUARD) == 128 + signal.SIGKILL
        assert not _alive(child)
    finally:
        _reap([launcher.pid, child])
        launcher.wait(timeout=HANG_GUARD)


@needs_proc
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal")
def test_the_server_stops_even_when_the_launcher_is_killed_outright() -> None:
    launcher, child = _launch(PLAIN, grace=1)
    try:
        os.kill(launcher.pid, signal.SIGKILL)  # no handler runs: only the kernel can help
        launcher.wait(timeout=HANG_GUARD)
        _wait_for(lambda: not _alive(child), "the orphaned child to stop")
    finally:
        _reap([launcher.pid, child])
