"""``make run``: create the database and the demo deliberation if empty, then serve the dashboard.

The first time, the demo's logins (with their generated passwords) are written to
``$KLERO_HOME/demo-logins.txt`` (owner-readable only) and printed once to the terminal
that asked for them; they are never logged anywhere else.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from quotas.problems import KleroError
from recruitment.db import database_url, upgrade
from recruitment.demo import create_demo, has_users
from recruitment.security import klero_home


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
    target = klero_home() / "demo-logins.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"{login}\t{role}\t{org or ''}\t{password}"
        for login, (role, org, password) in sorted(demo.logins.items())
    ]
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
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
    return subprocess.call(command, env={**os.environ, "KLERO_DATABASE_URL": url})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
