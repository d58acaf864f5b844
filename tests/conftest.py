"""Test-wide settings: property tests are derandomised under CI so a run is repeatable.

Locally, hypothesis explores new examples on every run (and keeps failures in
.hypothesis/); in CI (CI=true) the same examples run every time, so a submission's
result does not depend on luck. Run with CI=true to reproduce a CI failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from tests import hostile_corpus

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def hostile_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The path of a file of the hostile corpus: committed, or written once per session."""
    folder = tmp_path_factory.mktemp("hostile")

    def path_of(name: str) -> Path:
        if name not in hostile_corpus.BIG:
            return hostile_corpus.HERE / name
        path = folder / name
        if not path.exists():
            hostile_corpus.BIG[name](path)
        return path

    return path_of
