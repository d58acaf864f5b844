"""Schema 0004 on a database from before it: clear-text personal values encrypted, runs trimmed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from klero.app import main
from recruitment import usecases as uc
from recruitment.db import current_revision, downgrade, head_revision, make_engine, upgrade
from recruitment.security import Secrets
from tests.recruitment.conftest import World, pool_frame
from tests.recruitment.personal import dump

Selected = tuple[World, uc.RunSummary]
_volunteers = sa.table(
    "volunteer",
    sa.column("id", sa.Integer),
    sa.column("pseudonym", sa.String),
    sa.column("external_id", sa.String),
    sa.column("status", sa.String),
    sa.column("consent", sa.Boolean),
    sa.column("features", sa.JSON),
    sa.column("household_key", sa.String),
)
_contacts = sa.table(
    "volunteer_contact",
    sa.column("volunteer_id", sa.Integer),
    sa.column("ciphertext", sa.LargeBinary),
)
_runs = sa.table("selection_run", sa.column("id", sa.Integer), sa.column("inputs", sa.JSON))
NAMES = dict(zip(pool_frame()["id"], pool_frame()["name"], strict=True))


def _old_style(url: str, run_id: int, erased: str, no_blob: str) -> dict[str, Any]:
    """Make the 0003 database look as older versions stored it; return the old snapshot."""
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            rows = c.execute(sa.select(_volunteers).order_by(_volunteers.c.pseudonym)).all()
            for row in rows:
                # Older versions kept every column not on an English list in clear.
                extra = {"nom complet": NAMES.get(row.external_id, ""), "notes": "calls after 6"}
                c.execute(
                    sa.update(_volunteers)
                    .where(_volunteers.c.id == row.id)
                    .values(features={**row.features, **extra})
                )
            gone = next(r.id for r in rows if r.pseudonym == no_blob)
            c.execute(sa.delete(_contacts).where(_contacts.c.volunteer_id == gone))
            # ... and snapshots with every feature and the keyed household of each person.
            inputs = c.execute(sa.select(_runs.c.inputs).where(_runs.c.id == run_id)).scalar_one()
            # The keyed address of each household at the time of the draw (erasure drops it).
            drawn = {row[0]: hashlib.sha256(row[-1].encode()).hexdigest() if row[-1] else ""
                     for row in inputs["pool"]["rows"]}  # fmt: skip
            chosen = [r for r in rows if r.pseudonym in drawn]
            columns = ["__id__", "age", "gender", "nom complet", "notes", "region", "__household__"]
            snapshot = {
                "columns": columns,
                "rows": [
                    [r.pseudonym, r.features["age"], r.features["gender"],
                     NAMES.get(r.external_id, ""), "calls after 6", r.features["region"],
                     drawn[r.pseudonym]]
                    for r in chosen
                ],
            }  # fmt: skip
            c.execute(
                sa.update(_runs)
                .where(_runs.c.id == run_id)
                .values(inputs={**inputs, "pool": snapshot})
            )
        return snapshot
    finally:
        engine.dispose()


def _stored(url: str) -> dict[str, tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """Pseudonym -> (status, features, decrypted personal data or None), read raw."""
    secrets = Secrets.load()
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            blobs = dict(
                c.execute(sa.select(_contacts.c.volunteer_id, _contacts.c.ciphertext)).all()
            )
            return {
                r.pseudonym: (
                    r.status,
                    dict(r.features),
                    secrets.decrypt(blobs[r.id]) if r.id in blobs else None,
                )
                for r in c.execute(sa.select(_volunteers)).all()
            }
    finally:
        engine.dispose()


def test_upgrade_encrypts_clear_personal_values_and_trims_snapshots_reruns_still_match(
    selected_world: Selected,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    world, summary = selected_world
    erased, no_blob = summary.alternates[0], summary.selected[1]
    uc.erase_volunteer(world.db, world.partner, erased)
    url = world.db.url
    world.db.dispose()
    assert downgrade(url, "0003") == "0003"
    _old_style(url, summary.run_id, erased, no_blob)
    before = _stored(url)
    assert "Person 7" in str(before)  # in clear, as older versions left it

    # Without the key: exit 3, the database exactly as it was.
    monkeypatch.delenv("KLERO_SECRET_KEY")
    monkeypatch.setenv("KLERO_KEY_FILE", str(tmp_path / "no.key"))
    monkeypatch.setenv("KLERO_DATABASE_URL", url)
    capsys.readouterr()
    assert main(["db", "upgrade"]) == 3
    err = capsys.readouterr().err
    assert "No secret key for personal data" in err and "Traceback" not in err
    engine = make_engine(url)
    try:
        assert current_revision(engine) == "0003"
    finally:
        engine.dispose()
    monkeypatch.undo()
    assert Secrets.load()  # the session's key is back
    assert _stored(url) == before

    assert upgrade(url) == head_revision()
    after = _stored(url)
    for pseudonym, (status, features, personal) in after.items():
        assert set(features) == {"age", "gender", "region"}
        old_personal = before[pseudonym][2] or {}
        if status == "erased":
            assert personal is None
        else:
            assert personal is not None
            assert personal["notes"] == "calls after 6"
            assert personal["nom complet"] == before[pseudonym][1]["nom complet"]
            assert {k: personal[k] for k in old_personal} == old_personal
    assert after[no_blob][2] is not None and "email" not in (after[no_blob][2] or {})
    everything = dump(world.db)
    assert "Person 7" not in everything and "calls after 6" not in everything
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            inputs = c.execute(sa.select(_runs.c.inputs)).scalar_one()
            columns = c.execute(sa.text("SELECT pool_columns FROM site")).scalar_one()
    finally:
        engine.dispose()
    snapshot = inputs["pool"]
    assert snapshot["columns"] == ["__id__", "age", "gender", "region", "__household__"]
    assert {row[-1] for row in snapshot["rows"]} <= {""} | {f"h{n}" for n in range(1, 11)}
    assert any(re.fullmatch(r"h\d+", row[-1]) for row in snapshot["rows"])
    assert "nom complet" in str(columns) and "personal" in str(columns)
    rerun = uc.rerun_selection(world.db, world.evaluator, summary.run_id)
    assert rerun.ok and rerun.recorded_sha256 == summary.input_sha256
    assert uc.verify_audit(world.db, world.evaluator).ok


def test_downgrade_keeps_declared_attributes_as_the_older_versions_did(
    ready: World,
) -> None:
    with ready.db.unit_of_work() as session:
        session.execute(sa.text('UPDATE volunteer SET attributes = \'{"wave": "w1"}\''))
    url = ready.db.url
    ready.db.dispose()
    assert downgrade(url, "0003") == "0003"
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            features = c.execute(sa.select(_volunteers.c.features)).scalars().all()
    finally:
        engine.dispose()
    assert all(f["wave"] == "w1" and "gender" in f for f in features)
    assert upgrade(url) == head_revision()
