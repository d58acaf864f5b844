"""``make run``: create the database and the demo deliberation if empty, then serve the dashboard.

The first time, the demo's logins (with their generated passwords) are written to
``$KLERO_HOME/demo-logins.txt`` (owner-readable only) and printed once to the terminal
that asked for them; they are never logged anywhere else.

The Streamlit server runs as a child process that must not outlive this one: SIGTERM,
SIGINT and SIGHUP are passed on to it, it gets ``STOP_GRACE_SECONDS`` to shut down
before it is killed, and it is stopped on every other way out too (an exception, and on
Linux even this process being killed outright, through the parent-death signal).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from quotas.problems import KleroError
from recruitment.db import database_url, upgrade
from recruitment.demo import create_demo, has_users
from recruitment.private_files import create_private_file, private_folder
from recruitment.security import klero_home

# Signals that stop the server: passed on to it, which shuts it down cleanly.
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# How long the server may take to stop before it is killed.
STOP_GRACE_SECONDS = 10.0
_POLL_SECONDS = 0.2
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def bring_up_to_date(url: str) -> str | None:
    """Apply the migrations a database made by an older Kleroterion lacks; return the new revision.

    Returns None when nothing was needed (up to date, or empty: ``prepare`` creates it).
    """
    try:
        has_users(url)
    except KleroError as error:
        if error.code != "db_schema_out_of_date":
            raise
        return upgrade(url)
    return None


def prepare(url: str) -> Path | None:
    """Create the demo in an empty database; return the file listing its logins, if made."""
    if has_users(url):
        return None
    demo = create_demo(url)
    target = private_folder(klero_home(), ours=True) / "demo-logins.txt"
    lines = [
        f"{login}\t{role}\t{org or ''}\t{password}"
        for login, (role, org, password) in sorted(demo.logins.items())
    ]
    fd = create_private_file(target, exclusive=False)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("login\trole\torganisation\tpassword\n" + "\n".join(lines) + "\n")
    return target


def main(argv: list[str] | None = None) -> int:
    """Prepare the database, then run ``streamlit run dashboard/app.py`` with ``argv``."""
    url = database_url()
    try:
        upgraded = bring_up_to_date(url)
        if upgraded is not None:
            print(f"Database schema upgraded to revision {upgraded}.")
        made = prepare(url)
    except KleroError as error:
        print(error.message, file=sys.stderr)
        return error.exit_code
    if made is not None:
        print(f"Demo deliberation created. Logins (also in {made}):")
        print(made.read_text("utf-8"))
    app = Path(__file__).resolve().parent / "app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(app), *(argv or [])]
    return run_child(command, env={**os.environ, "KLERO_DATABASE_URL": url})


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec step that makes the child get SIGTERM when this process dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def step() -> None:
        # Looked up before the fork: the child only makes the system call.
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the call: stop now
            os.kill(os.getpid(), signal.SIGTERM)

    return step


def stop_child(child: subprocess.Popen[bytes], grace: float = STOP_GRACE_SECONDS) -> int:
    """Ask ``child`` to stop (SIGTERM), kill it after ``grace`` seconds; return its exit code."""
    if child.poll() is None:
        child.terminate()
        try:
            return child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            child.kill()
    return child.wait()


def run_child(command: list[str], env: dict[str, str], grace: float = STOP_GRACE_SECONDS) -> int:
    """Run ``command`` until it ends, passing on stop signals; it never outlives this call.

    Returns its exit code (128 + the signal's number when a signal ended it, as a shell does).
    """
    # A pre-exec step is safe here: this process runs no other thread that could hold a lock.
    child = subprocess.Popen(command, env=env, preexec_fn=_die_with_parent())
    asked: list[float] = []  # when the first stop signal arrived

    def forward(signum: int, _frame: FrameType | None) -> None:
        asked.append(time.monotonic())
        if child.poll() is None:
            child.send_signal(signum)

    previous = {number: signal.signal(number, forward) for number in FORWARDED}
    try:
        while True:
            try:
                code = child.wait(timeout=_POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                if asked and time.monotonic() - asked[0] > grace:
                    child.kill()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        code = stop_child(child, grace)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
