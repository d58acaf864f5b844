"""Fixtures: every test of the service runs on SQLite (a temp file) and on PostgreSQL.

PostgreSQL runs on 127.0.0.1:5432 (user ``postgres``, trust auth). A template database
is migrated once per session and copied per test (``CREATE DATABASE ... TEMPLATE``).
When the server is unreachable the PostgreSQL variants fail under CI (``CI=true``) and
are skipped locally.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from quotas.model import QuotaTable, quota_table
from recruitment import usecases as uc
from recruitment.db import Database, open_database, upgrade
from recruitment.permissions import Actor
from recruitment.security import set_password_cost
from sampling import SelectionSettings

PG_SERVER = os.environ.get("KLERO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PASSWORD = "correct horse battery"
SITE = "FR-lyon"
SIZE = 50


def pg_url(name: str) -> str:
    """The URL of a database on the test server (commits not waiting for the disk: tests only)."""
    return f"{PG_SERVER}/{name}?options=-c%20synchronous_commit%3Doff"


def _admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(
        pg_url("postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
        pool_size=10,
    )


@pytest.fixture(scope="session", autouse=True)
def _fast() -> None:
    """Cheap password hashing (the session's secret key comes from tests/conftest.py)."""
    set_password_cost(2**4)


class Backend:
    """Template databases of one backend, built once per session, copied for each test.

    Stages: ``empty`` (migrated), ``world`` (plus ``make_world``), ``ready`` (plus quotas
    and a pool at the site).
    """

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        self.folder = folder
        self.token = secrets.token_hex(4)
        self.templates: dict[str, str] = {}
        self.actors: dict[str, tuple[Actor, ...]] = {}
        self.created: list[str] = []
        self.summary: uc.RunSummary | None = None  # the run of the "selected" stage
        self.engine = _admin_engine() if kind == "postgresql" else None
        # Concurrent drops share their checkpoints, so dropping in the background is cheap.
        self.workers = ThreadPoolExecutor(max_workers=8)
        self.dropping: list[Future[None]] = []

    def _new(self, source: str | None) -> str:
        """A new database (a copy of ``source`` when given); returns its URL."""
        if self.engine is None:
            path = self.folder / f"{secrets.token_hex(6)}.sqlite"
            if source is not None:
                shutil.copyfile(make_url(source).database or "", path)
            return f"sqlite:///{path}"
        name = f"klero_test_{self.token}_{secrets.token_hex(4)}"
        template = f' TEMPLATE "{make_url(source).database}"' if source else ""
        with self.engine.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"{template}'))
        self.created.append(name)
        return pg_url(name)

    def drop(self, url: str) -> None:
        """Drop a database made by ``fresh``, in the background (a drop waits for a checkpoint)."""
        if self.engine is None:
            return
        name = str(make_url(url).database)
        self.created.remove(name)
        self.dropping.append(self.workers.submit(self._drop, name))

    def _drop(self, name: str) -> None:
        assert self.engine is not None
        with self.engine.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def template(self, stage: str) -> str:
        """The URL of the stage's template database, built on first use."""
        if stage in self.templates:
            return self.templates[stage]
        if stage == "empty":
            url = self._new(None)
            upgrade(url)
        else:
            base = {"world": "empty", "ready": "world", "selected": "ready"}[stage]
            url = self._new(self.template(base))
            database = open_database(url)
            if stage == "world":
                world = make_world(database)
                self.actors["world"] = (
                    world.admin,
                    world.coordinator,
                    world.partner,
                    world.other_partner,
                    world.evaluator,
                )
            elif stage == "ready":
                partner = self.actors["world"][2]
                uc.set_quotas(database, partner, SITE, quotas_for())
                path = write_pool(self.folder / "pool.csv", pool_frame())
                uc.import_pool(database, partner, SITE, path, address_columns=["address"])
            else:
                partner = self.actors["world"][2]
                self.summary = uc.run_selection(
                    database, partner, SITE, SelectionSettings(seed=3, alternates=2)
                )
            database.dispose()
        self.templates[stage] = url
        return url

    def fresh(self, stage: str) -> str:
        """A new database holding a copy of the stage's template."""
        return self._new(self.template(stage))

    def close(self) -> None:
        """Drop every database this backend made."""
        if self.engine is None:
            return
        for name in [*self.created]:
            self.dropping.append(self.workers.submit(self._drop, name))
        for future in self.dropping:
            future.result()
        self.workers.shutdown()
        self.engine.dispose()


def _check_postgres() -> None:
    try:
        engine = _admin_engine()
        with engine.connect() as c:
            c.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver error means: no server
        reason = f"PostgreSQL at {PG_SERVER} is unreachable: {str(exc).splitlines()[0]}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(reason + " (CI=true: the PostgreSQL tests must run)")
        pytest.skip(reason + " (skipped locally; CI fails instead)")


@pytest.fixture(scope="session")
def _backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Backend]]:
    made: dict[str, Backend] = {}
    yield made
    for backend in made.values():
        backend.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(
    request: pytest.FixtureRequest,
    _backends: dict[str, Backend],
    tmp_path_factory: pytest.TempPathFactory,
) -> Backend:
    """The backend of this test variant (PostgreSQL checked for reachability once)."""
    kind = str(request.param)
    if kind not in _backends:
        if kind == "postgresql":
            _check_postgres()
        _backends[kind] = Backend(kind, tmp_path_factory.mktemp(kind))
    return _backends[kind]


def _fresh(backend: Backend, stage: str) -> Iterator[str]:
    url = backend.fresh(stage)
    try:
        yield url
    finally:
        backend.drop(url)


@pytest.fixture
def db_url(backend: Backend) -> Iterator[str]:
    """A fresh, migrated, empty database on each backend."""
    yield from _fresh(backend, "empty")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """The opened database."""
    database = open_database(db_url)
    yield database
    database.dispose()


@dataclass(frozen=True)
class World:
    """A deliberation with one site (partner org A) and one user of each role."""

    db: Database
    admin: Actor
    coordinator: Actor
    partner: Actor  # org A: runs the site
    other_partner: Actor  # org B: another organisation
    evaluator: Actor


def make_world(database: Database) -> World:
    """Set up organisations, users, a deliberation, a country and the site FR-lyon."""
    admin = uc.bootstrap_admin(database, "admin", PASSWORD)
    uc.create_organisation(database, admin, "Org A")
    uc.create_organisation(database, admin, "Org B")
    for name, role, org in [
        ("coord", "coordinator", None),
        ("alice", "partner", "Org A"),
        ("bob", "partner", "Org B"),
        ("eve", "evaluator", None),
    ]:
        uc.create_user(database, admin, name, PASSWORD, role, org)
    uc.create_deliberation(database, admin, "Global Day")
    uc.create_country(database, admin, "Global Day", "FR", "France")
    uc.create_site(
        database,
        admin,
        uc.NewSite(
            deliberation="Global Day",
            country="FR",
            code=SITE,
            name="Lyon",
            place="Lyon",
            panel_size=SIZE,
            partner="Org A",
        ),
    )

    def login(name: str) -> Actor:
        return uc.authenticate(database, name, PASSWORD)

    return World(database, admin, login("coord"), login("alice"), login("bob"), login("eve"))


def drop_audit_guards(world: World) -> None:
    """What an attacker with database rights would do first: switch off the append-only triggers."""
    with world.db.unit_of_work() as session:
        if world.db.is_postgres:
            session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        else:
            session.execute(text("DROP TRIGGER audit_event_no_update"))
            session.execute(text("DROP TRIGGER audit_event_no_delete"))


def pool_frame(n: int = 140, seed: int = 1, *, prefix: str = "P") -> pd.DataFrame:
    """A small synthetic pool with contact details and a few shared households."""
    rng = np.random.default_rng(seed)
    tag = "" if prefix == "P" else prefix.lower()  # other prefixes: other people
    gender = rng.choice(["female", "male"], size=n)
    age = rng.choice(["16-34", "35-59", "60+"], size=n, p=[0.3, 0.4, 0.3])
    region = rng.choice(["north", "south"], size=n)
    address = [f"{i} Rue de la Paix" for i in range(n)]
    for i in range(0, min(20, n - 1), 2):  # up to ten two-person households
        address[i + 1] = address[i]
    return pd.DataFrame(
        {
            "id": [f"{prefix}{i:04d}" for i in range(n)],
            "gender": gender,
            "age": age,
            "region": region,
            "name": [f"Person {i}" for i in range(n)],
            "email": [f"{tag}person{i}@example.org" for i in range(n)],
            "phone": [f"+33 6 {ord(prefix[0]):02d} 00 {i:04d}" for i in range(n)],
            "address": address,
        }
    )


def quotas_for(size: int = SIZE) -> QuotaTable:
    """Quotas the test pool can meet for a panel of ``size``."""
    half = size // 2
    third = size // 3
    return quota_table(
        [
            ("gender", "female", half - 3, half + 3),
            ("gender", "male", half - 3, half + 3),
            ("age", "16-34", third - 4, third + 4),
            ("age", "35-59", third - 4, third + 6),
            ("age", "60+", third - 4, third + 4),
            ("region", "north", half - 5, half + 5),
            ("region", "south", half - 5, half + 5),
        ]
    )


def write_pool(path: Path, frame: pd.DataFrame) -> Path:
    """Write a pool frame as CSV."""
    frame.to_csv(path, index=False)
    return path


def _world_of(backend: Backend, stage: str) -> Iterator[World]:
    for url in _fresh(backend, stage):
        database = open_database(url)
        try:
            yield World(database, *backend.actors["world"])
        finally:
            database.dispose()


@pytest.fixture
def world(backend: Backend) -> Iterator[World]:
    """A set-up deliberation: organisations, a user per role, the site FR-lyon."""
    yield from _world_of(backend, "world")


@pytest.fixture
def ready(backend: Backend) -> Iterator[World]:
    """The world with quotas set and a pool of 140 (with addresses) imported at the site."""
    yield from _world_of(backend, "ready")


@pytest.fixture
def selected_world(backend: Backend) -> Iterator[tuple[World, uc.RunSummary]]:
    """The ready world after one selection (seed 3, two alternates) and that run's summary."""
    for world in _world_of(backend, "selected"):
        assert backend.summary is not None
        yield world, backend.summary
