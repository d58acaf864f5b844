"""A child process for the fault tests: starts a selection that hangs, or races another one.

Usage: ``python -m tests.recruitment._worker hang|race URL READY_FILE GO_FILE``; prints one
JSON line with the run id or the error code.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.db import open_database
from recruitment.usecases import selection
from sampling import SelectionSettings
from tests.recruitment.conftest import PASSWORD, SITE


def main(mode: str, url: str, ready: Path, go: Path) -> None:
    """Run one selection as alice, hanging in the middle or after a signal to start."""
    db = open_database(url)
    actor = uc.authenticate(db, "alice", PASSWORD)
    real = selection._compute

    def hang(*args: Any, **kwargs: Any) -> Any:
        ready.touch()
        time.sleep(600)  # killed long before
        return real(*args, **kwargs)

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.5)  # long enough for the other process to try
        return real(*args, **kwargs)

    selection._compute = hang if mode == "hang" else slow  # type: ignore[assignment]
    if mode == "race":
        ready.touch()
        while not go.exists():
            time.sleep(0.01)
    try:
        summary = uc.run_selection(db, actor, SITE, SelectionSettings(seed=1))
        print(json.dumps({"run": summary.run_id}), flush=True)
    except KleroError as exc:
        print(json.dumps({"error": exc.code}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
