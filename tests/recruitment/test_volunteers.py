"""Importing pools and registering volunteers: validation, idempotence, duplicates, erasure."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from quotas.problems import InvalidInput, KleroError
from recruitment import usecases as uc
from recruitment.channels import CHANNELS
from recruitment.models import AuditEvent, Volunteer, VolunteerContact
from synthetic_data import CHANNELS as SYNTHETIC_CHANNELS
from tests.recruitment.conftest import SITE, World, pool_frame, quotas_for, write_pool


def _count(world: World, model: type) -> int:
    with world.db.unit_of_work() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_import_before_quotas_then_reimport_changes_nothing(world: World, tmp_path: Path) -> None:
    path = write_pool(tmp_path / "pool.csv", pool_frame(60))
    import_again = partial(
        uc.import_pool,
        world.db,
        world.partner,
        SITE,
        path,
        address_columns=["address"],
        feature_columns=["gender", "age", "region"],
    )
    first = import_again()
    assert len(first.added) == 60 and first.unchanged == 0
    events = _count(world, AuditEvent)
    again = import_again()
    assert again.added == [] and again.unchanged == 60 and again.skipped == 0
    assert _count(world, Volunteer) == 60
    assert _count(world, AuditEvent) == events  # nothing changed, nothing audited


def test_contact_details_are_encrypted_and_split_from_features(ready: World) -> None:
    with ready.db.unit_of_work() as session:
        volunteer = session.execute(select(Volunteer).limit(1)).scalar_one()
        contact = session.get(VolunteerContact, volunteer.id)
        assert sorted(volunteer.features) == ["age", "gender", "region"]
        assert volunteer.pseudonym.startswith("v") and volunteer.pseudonym != volunteer.external_id
        assert contact is not None and b"example.org" not in contact.ciphertext
        assert contact.email_hash and contact.phone_hash
        events = session.execute(select(AuditEvent.after)).scalars().all()
    assert not any("example.org" in str(e) for e in events)  # no contact data in the audit


def test_households_share_a_keyed_address(ready: World) -> None:
    with ready.db.unit_of_work() as session:
        keys = session.execute(
            select(Volunteer.household_key, func.count())
            .group_by(Volunteer.household_key)
            .having(func.count() > 1)
        ).all()
    assert len(keys) == 10 and all(n == 2 for _, n in keys)


def test_rows_against_the_quotas_are_all_reported(world: World, tmp_path: Path) -> None:
    uc.set_quotas(world.db, world.partner, SITE, quotas_for())
    frame = pool_frame(60)
    frame.loc[3, "gender"] = "femle"
    frame.loc[7, "age"] = ""
    frame.loc[9, "id"] = frame["id"][8]
    with pytest.raises(InvalidInput) as caught:
        uc.import_pool(world.db, world.partner, SITE, write_pool(tmp_path / "bad.csv", frame))
    codes = sorted(p.code for p in caught.value.problems if p.severity == "error")
    assert codes == ["pool_blank_value", "pool_duplicate_id", "pool_unknown_value"]
    assert _count(world, Volunteer) == 0


def test_duplicates_by_contact_and_conflicting_ids_are_reported_not_added(
    ready: World, tmp_path: Path
) -> None:
    frame = pool_frame(3, seed=5, prefix="N")
    frame.loc[0, "email"] = "PERSON7@example.org "  # same person as P0007, other id
    frame.loc[1, "phone"] = "0033 6 80 00 0008"  # same phone as P0008
    conflict = pool_frame(140).iloc[[20]].copy()  # P0020 again, other features
    conflict["gender"] = "female" if conflict["gender"].iloc[0] == "male" else "male"
    path = write_pool(tmp_path / "dups.csv", pd.concat([frame, conflict]))
    report = uc.import_pool(ready.db, ready.partner, SITE, path, address_columns=["address"])
    codes = sorted(p.code for p in report.problems)
    assert codes == [
        "pool_import_duplicate_email",
        "pool_import_duplicate_phone",
        "pool_import_id_conflict",
    ]
    assert len(report.added) == 1 and report.skipped == 3
    assert "P0007" in " ".join(p.message for p in report.problems)


def test_assisted_registration_of_one_person(ready: World) -> None:
    report = uc.register_volunteer(
        ready.db,
        ready.partner,
        SITE,
        "PHONE-1",
        {"gender": "female", "age": "60+", "region": "north"},
        {"name": "Ana", "phone": "+33 7 11 22 33 44", "address": "1 Rue Neuve"},
        channel="phone",
    )
    assert len(report.added) == 1
    data = uc.export_volunteer_data(ready.db, ready.partner, report.added[0])
    assert data["channel"] == "phone" and data["contact"]["name"] == "Ana"
    with pytest.raises(InvalidInput):
        uc.register_volunteer(
            ready.db,
            ready.partner,
            SITE,
            "PHONE-2",
            {"gender": "x", "age": "60+", "region": "north"},
            {"name": "B"},
        )


def test_a_files_channel_column_is_read_and_an_unknown_channel_refused(
    world: World, tmp_path: Path
) -> None:
    frame = pool_frame(6)
    frame["registration_channel"] = [*SYNTHETIC_CHANNELS, "web", "letter", "?"]
    path = write_pool(tmp_path / "pool.csv", frame)
    features = ["gender", "age", "region"]
    uc.import_pool(world.db, world.partner, SITE, path, feature_columns=features)
    with world.db.unit_of_work() as session:
        stored = dict(session.execute(select(Volunteer.external_id, Volunteer.channel)).all())
    expected = ["online", "phone", "in_person", "online", "mail", "file"]
    assert [stored[i] for i in frame["id"]] == expected
    assert set(stored.values()) <= set(CHANNELS)
    for refused in (
        lambda: uc.import_pool(world.db, world.partner, SITE, path, channel="fax"),
        lambda: uc.register_volunteer(world.db, world.partner, SITE, "X", {}, {}, channel="fax"),
    ):
        with pytest.raises(KleroError) as raised:
            refused()
        assert raised.value.code == "channel_unknown"


def test_erasure_deletes_contacts_keeps_the_pseudonym_and_blocks_reimport(
    ready: World, tmp_path: Path
) -> None:
    with ready.db.unit_of_work() as session:
        pseudonym = session.execute(
            select(Volunteer.pseudonym).where(Volunteer.external_id == "P0005")
        ).scalar_one()
    uc.erase_volunteer(ready.db, ready.partner, pseudonym)
    data = uc.export_volunteer_data(ready.db, ready.admin, pseudonym)
    assert data["status"] == "erased" and data["contact"] == {}
    assert "P0005" not in str(data)
    assert data["features"]  # the pseudonymous record stays for the audit
    path = write_pool(tmp_path / "again.csv", pool_frame())
    report = uc.import_pool(ready.db, ready.partner, SITE, path, address_columns=["address"])
    assert report.added == [] and [p.code for p in report.problems] == ["pool_import_erased"]
