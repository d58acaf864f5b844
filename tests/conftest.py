"""Test-wide settings: property tests are derandomised under CI so a run is repeatable.

Locally, hypothesis explores new examples on every run (and keeps failures in
.hypothesis/); in CI (CI=true) the same examples run every time, so a submission's
result does not depend on luck. Run with CI=true to reproduce a CI failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from hypothesis import settings

from tests import hostile_corpus

settings.register_profile("ci", derandomize=True, print_blob=True)
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
if CI:
    settings.load_profile("ci")
CI_SECRET_KEY = "a2xlcm90ZXJpb24tdGVzdHMtZml4ZWQta2V5LTAwMDE="  # a test key, never a real one


@pytest.fixture(scope="session", autouse=True)
def _secret_key() -> Iterator[None]:
    """One secret key for the whole session (and its child processes).

    Every database a test makes, and every session-wide template it copies, is encrypted
    with it, whatever order the tests run in (one process or several). Locally the key is
    fresh each session; under CI it is fixed, like Hypothesis's examples: the key sets the
    pseudonyms, hence the pool's order and the panel a seed draws, and a few tests need a
    panel whose census weights exist (most panels; not every one).
    """
    old = os.environ.get("KLERO_SECRET_KEY")
    os.environ["KLERO_SECRET_KEY"] = CI_SECRET_KEY if CI else Fernet.generate_key().decode()
    yield
    if old is None:
        os.environ.pop("KLERO_SECRET_KEY", None)
    else:
        os.environ["KLERO_SECRET_KEY"] = old


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
