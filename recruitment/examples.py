"""The small example bundled with Kleroterion: a synthetic pool of 300 people and its quotas."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

EXAMPLE_PANEL_SIZE = 30


def example_path(name: str) -> Path:
    """Path of a bundled example file: ``pool``, ``quotas`` or ``margins``."""
    files = {
        "pool": "example_pool.csv",
        "quotas": "example_quotas.csv",
        "margins": "example_margins.csv",
    }
    return Path(str(resources.files("recruitment").joinpath("data", files[name])))
