"""Helpers for the personal-data tests: pools with headers in other languages, a database dump."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select

from recruitment import usecases as uc
from recruitment.db import Database
from recruitment.models import Base
from recruitment.security import Secrets
from tests.recruitment.conftest import SITE, World, write_pool

# Personal columns of the three pools the issue names, and how each value is made.
HEADERS: dict[str, dict[str, str]] = {
    "F": {
        "nom complet": "Amélie Quintal {i}",
        "courriel": "amelie.quintal{i}@exemple.fr",
        "portable": "+33 6 55 01 {i:04d}",
        "adresse": "{i} rue des Lilas",
    },
    "K": {"jina kamili": "Wanjiru Otieno {i}", "barua pepe": "wanjiru{i}@mfano.co.ke"},
    "D": {"Telefonnummer": "+49 151 7700 {i:04d}"},
}
SIZES = {"F": 60, "K": 50, "D": 40}


def multilingual_pool(prefix: str, seed: int = 4) -> pd.DataFrame:
    """A pool with the quotas' criteria and personal columns named in French, Swahili or German."""
    n = SIZES[prefix]
    rng = np.random.default_rng(seed + ord(prefix))
    frame = pd.DataFrame(
        {
            "id": [f"{prefix}{i:04d}" for i in range(n)],
            "gender": rng.choice(["female", "male"], size=n),
            "age": rng.choice(["16-34", "35-59", "60+"], size=n, p=[0.3, 0.4, 0.3]),
            "region": rng.choice(["north", "south"], size=n),
        }
    )
    for column, pattern in HEADERS[prefix].items():
        frame[column] = [pattern.format(i=i) for i in range(n)]
    if "adresse" in frame:
        for i in range(0, 10, 2):  # five two-person households
            frame.loc[i + 1, "adresse"] = frame["adresse"][i]
    return frame


def personal_values(prefix: str | None = None, row: int | None = None) -> set[str]:
    """Every personal value of the pools (of one pool, of one of its rows)."""
    values: set[str] = set()
    for p in [prefix] if prefix else list(HEADERS):
        frame = multilingual_pool(p)
        rows = [row] if row is not None else range(len(frame))
        for column in HEADERS[p]:
            values.update(str(frame.loc[r, column]) for r in rows)
    return values


def import_multilingual(world: World, folder: Path) -> None:
    """Import the three pools into the site (quotas set first; households by "adresse")."""
    for prefix in HEADERS:
        path = write_pool(folder / f"pool-{prefix}.csv", multilingual_pool(prefix))
        address = ["adresse"] if prefix == "F" else []
        report = uc.import_pool(world.db, world.partner, SITE, path, address_columns=address)
        assert len(report.added) == SIZES[prefix]


def dump(db: Database, *, decrypt: bool = False) -> str:
    """Every value of every column of every table, as text (JSON as JSON, bytes as latin-1).

    With ``decrypt``, the decrypted personal data too: what exists at all, not only in clear.
    """
    parts: list[str] = []
    secrets = Secrets.load() if decrypt else None
    with db.unit_of_work() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).all():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value).decode("latin-1"))
                        if secrets is not None:
                            parts.append(json.dumps(secrets.decrypt(bytes(value))))
                            parts.append(str(secrets.decrypt(bytes(value))))
                    elif isinstance(value, dict | list):
                        parts.append(json.dumps(value, ensure_ascii=False))
                        parts.append(json.dumps(value))  # escaped as the JSON text may be
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def leaked(text: str, values: set[str]) -> list[str]:
    """The personal values found in ``text``."""
    return sorted(v for v in values if v in text)
