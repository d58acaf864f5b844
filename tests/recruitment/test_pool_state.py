"""``klero audit verify --deep``: a volunteer row edited behind the application's back is found."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select, update

from klero.app import main
from recruitment import audit
from recruitment import usecases as uc
from recruitment.db import open_database
from recruitment.models import AuditEvent, Site, Volunteer, VolunteerContact
from recruitment.permissions import PermissionDenied
from recruitment.pool_state import (
    EMPTY_POOL_SHA256,
    HASH_KEY,
    POOL_ACTIONS,
    PoolVerdict,
    pool_sha256,
)
from recruitment.security import Secrets
from tests.recruitment.conftest import PASSWORD, SITE, World, pool_frame

CRITERIA = ["gender", "age", "region"]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI signs in as the evaluator (the database URL is set per test)."""
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_USER", "eve")


def _deep(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any]]:
    """``klero audit verify --deep --json``: the exit code and the report."""
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    capsys.readouterr()
    code = main(["audit", "verify", "--deep", "--json"])
    return code, json.loads(capsys.readouterr().out)


def _site_result(report: dict[str, Any], site: str = SITE) -> dict[str, Any]:
    return next(p for p in report["pools"] if p["site"] == site)


def _one(world: World, external_id: str) -> tuple[int, str]:
    with world.db.unit_of_work() as session:
        row = session.execute(
            select(Volunteer.id, Volunteer.pseudonym).where(Volunteer.external_id == external_id)
        ).one()
    return int(row.id), str(row.pseudonym)


def _last_pool_event(world: World) -> AuditEvent:
    with world.db.unit_of_work() as session:
        return session.execute(
            select(AuditEvent)
            .where(AuditEvent.action.in_(POOL_ACTIONS))
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ).scalar_one()


def _behind_the_back(world: World, statement: Any) -> None:
    """A direct UPDATE, as someone with database rights would make it: no use case, no event."""
    with world.db.unit_of_work() as session:
        session.execute(statement)


EDITS = {
    "feature": lambda vid: (
        update(Volunteer)
        .where(Volunteer.id == vid)
        .values(features={"gender": "male", "age": "60+", "region": "north"})
    ),
    "status": lambda vid: update(Volunteer).where(Volunteer.id == vid).values(status="withdrawn"),
    "consent": lambda vid: update(Volunteer).where(Volunteer.id == vid).values(consent=False),
    "external id": lambda vid: (
        update(Volunteer).where(Volunteer.id == vid).values(external_id="P9999")
    ),
    "household": lambda vid: (
        update(Volunteer).where(Volunteer.id == vid).values(household_key="0" * 64)
    ),
    "contact ciphertext": lambda vid: (
        update(VolunteerContact)
        .where(VolunteerContact.volunteer_id == vid)
        .values(ciphertext=Secrets.load().encrypt({"name": "Someone Else", "phone": "+33 1"}))
    ),
    "attributes": lambda vid: (
        update(Volunteer).where(Volunteer.id == vid).values(attributes={"wave": "w9"})
    ),
    "e-mail hash": lambda vid: (
        update(VolunteerContact)
        .where(VolunteerContact.volunteer_id == vid)
        .values(email_hash="f" * 64)
    ),
}


@pytest.mark.usefixtures("cli")
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_volunteer_edited_directly_in_the_database_is_found_naming_the_site(
    ready: World,
    edit: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    imported = _last_pool_event(ready)
    code, report = _deep(ready, monkeypatch, capsys)
    assert code == 0 and report["ok"]
    found = _site_result(report)
    assert found["verdict"] == "matches" and found["event_id"] == imported.id
    assert found["volunteers"] == 140
    # P0003 has a female/male gender either way; the feature edit sets all three criteria.
    vid, _ = _one(ready, "P0003")
    _behind_the_back(ready, EDITS[edit](vid))
    code, report = _deep(ready, monkeypatch, capsys)
    assert code == 1 and not report["ok"]
    found = _site_result(report)
    assert found["verdict"] == "changed" and found["event_id"] == imported.id
    assert f"Site {SITE}" in found["message"] and f"after event {imported.id}" in found["message"]
    # The plain-text form names it too, and the chain and protections are fine.
    capsys.readouterr()
    assert main(["audit", "verify", "--deep"]) == 1
    out = capsys.readouterr().out
    assert "intact" in out and found["message"] in out


@pytest.mark.usefixtures("cli")
def test_an_erasure_after_tampering_does_not_hide_it(
    ready: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A legitimate erasure first: it records the hash it found and the one it left.
    _, first = _one(ready, "P0010")
    uc.erase_volunteer(ready.db, ready.partner, first)
    erased = _last_pool_event(ready)
    assert erased.before is not None and erased.after is not None
    assert erased.before[HASH_KEY] != erased.after[HASH_KEY]
    code, report = _deep(ready, monkeypatch, capsys)
    assert code == 0 and _site_result(report)["event_id"] == erased.id

    # Then a feature changed behind the application's back, then another erasure.
    vid, _ = _one(ready, "P0020")
    _behind_the_back(ready, EDITS["feature"](vid))
    _, second = _one(ready, "P0030")
    uc.erase_volunteer(ready.db, ready.partner, second)
    later = _last_pool_event(ready)
    code, report = _deep(ready, monkeypatch, capsys)
    found = _site_result(report)
    assert code == 1 and found["verdict"] == "changed_between"
    assert (found["event_id"], found["next_id"]) == (erased.id, later.id)
    # A registration afterwards records a new hash too, but the finding stays.
    uc.register_volunteer(
        ready.db,
        ready.partner,
        SITE,
        "PHONE-1",
        {"gender": "female", "age": "60+", "region": "north"},
        {"name": "Ana", "phone": "+33 6 99 99 99 99"},
    )
    code, report = _deep(ready, monkeypatch, capsys)
    assert code == 1 and _site_result(report)["verdict"] == "changed_between"


@pytest.mark.usefixtures("cli")
def test_a_reclassification_records_the_pool_it_found_and_the_pool_it_left(
    ready: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    imported = _last_pool_event(ready)
    assert imported.after is not None
    # Every volunteer's name moves from the encrypted details into clear attributes.
    uc.classify_pool(ready.db, ready.partner, SITE, attribute_columns=["name"])
    classified = _last_pool_event(ready)
    assert classified.action == "pool.classify"
    assert classified.before is not None and classified.after is not None
    assert classified.before[HASH_KEY] == imported.after[HASH_KEY]
    assert classified.after[HASH_KEY] != imported.after[HASH_KEY]
    code, report = _deep(ready, monkeypatch, capsys)
    assert code == 0 and _site_result(report)["event_id"] == classified.id
    vid, _ = _one(ready, "P0007")
    _behind_the_back(ready, EDITS["attributes"](vid))
    uc.classify_pool(ready.db, ready.partner, SITE, personal_columns=["name"])
    code, report = _deep(ready, monkeypatch, capsys)
    found = _site_result(report)
    assert code == 1 and found["verdict"] == "changed_between"
    assert found["event_id"] == classified.id


def test_a_recorded_hash_is_recomputed_alike_in_another_time_zone(ready: World) -> None:
    _, pseudonym = _one(ready, "P0010")
    uc.erase_volunteer(ready.db, ready.partner, pseudonym)  # records an erasure time
    recorded = _last_pool_event(ready).after
    assert recorded is not None
    url = ready.db.url
    if ready.db.is_postgres:  # PostgreSQL gives times back in the session's time zone
        url = url.replace("options=", "options=-c%20TimeZone%3DAsia%2FTokyo%20")
    other = open_database(url)
    try:
        with other.unit_of_work() as session:
            site = session.execute(select(Site).where(Site.code == SITE)).scalar_one()
            assert pool_sha256(session, site.id) == recorded[HASH_KEY]
    finally:
        other.dispose()


def test_a_pool_imported_before_hashes_is_not_checkable_until_its_next_change(
    world: World,
) -> None:
    # What an older Kleroterion did: volunteers added, an event without pool hashes.
    with world.db.unit_of_work() as session:
        site = session.execute(select(Site).where(Site.code == SITE)).scalar_one()
        session.add(
            Volunteer(
                site_id=site.id,
                pseudonym="vold",
                external_id="OLD-1",
                features={"gender": "female"},
                channel="file",
                consent=True,
                status="active",
            )
        )
        audit.record(session, world.partner, "pool.import", "site", SITE, site_id=site.id, after={})
    [found] = uc.verify_pools(world.db, world.evaluator)
    assert found.verdict is PoolVerdict.UNVERIFIABLE and found.ok and found.volunteers == 1
    uc.import_frame(world.db, world.partner, SITE, pool_frame(5), feature_columns=CRITERIA)
    [found] = uc.verify_pools(world.db, world.evaluator)
    assert found.verdict is PoolVerdict.MATCHES and found.volunteers == 6


def test_volunteers_no_audited_change_added_are_named(world: World) -> None:
    [found] = uc.verify_pools(world.db, world.evaluator)
    assert found.verdict is PoolVerdict.EMPTY and found.ok
    with world.db.unit_of_work() as session:
        site = session.execute(select(Site).where(Site.code == SITE)).scalar_one()
        assert pool_sha256(session, site.id) == EMPTY_POOL_SHA256
        session.add(
            Volunteer(
                site_id=site.id,
                pseudonym="vforged",
                external_id="FORGED-1",
                features={"gender": "female"},
                channel="file",
                consent=True,
                status="active",
            )
        )
    [found] = uc.verify_pools(world.db, world.evaluator)
    assert found.verdict is PoolVerdict.UNRECORDED and not found.ok
    assert "1 volunteer(s)" in found.outcome.text() and SITE in found.outcome.text()
    # Imports afterwards find a pool that no audited change left: named before that import.
    uc.import_frame(world.db, world.partner, SITE, pool_frame(5), feature_columns=CRITERIA)
    [found] = uc.verify_pools(world.db, world.evaluator)
    assert found.verdict is PoolVerdict.CHANGED_BEFORE and not found.ok


def test_only_those_who_verify_the_audit_run_the_deep_check(ready: World) -> None:
    with pytest.raises(PermissionDenied):
        uc.verify_pools(ready.db, ready.partner)
    assert all(p.ok for p in uc.verify_pools(ready.db, ready.coordinator))
