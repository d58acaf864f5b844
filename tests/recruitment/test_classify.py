"""Changing later what is personal: deliberation criteria and ``klero pool classify``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from klero.app import main
from quotas.model import QuotaTable, quota_table
from quotas.problems import InvalidInput, KleroError
from recruitment import usecases as uc
from recruitment.models import AuditEvent, Volunteer, VolunteerContact
from recruitment.permissions import PermissionDenied
from recruitment.security import Secrets
from sampling import SelectionSettings
from tests.recruitment.conftest import PASSWORD, SITE, World, pool_frame, quotas_for, write_pool
from tests.recruitment.personal import dump


def _rows(table: QuotaTable) -> list[tuple[str, str, int, int]]:
    return [(q.feature, q.value, q.min, q.max) for q in table]


def _as(world: World, monkeypatch: pytest.MonkeyPatch, login: str) -> None:
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_USER", login)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)


def _volunteer(world: World, external_id: str) -> tuple[Volunteer, dict[str, str]]:
    with world.db.unit_of_work() as session:
        volunteer = session.execute(
            select(Volunteer).where(Volunteer.external_id == external_id)
        ).scalar_one()
        contact = session.get(VolunteerContact, volunteer.id)
        details = Secrets.load().decrypt(contact.ciphertext) if contact is not None else {}
        return volunteer, details


@pytest.fixture
def with_income(world: World, tmp_path: Path) -> World:
    """Quotas on gender and age; a pool with an undeclared "income" column and an attribute."""
    table = quota_table([r for r in _rows(quotas_for()) if r[0] != "region"])
    uc.set_quotas(world.db, world.partner, SITE, table)
    frame = pool_frame(140).assign(income=lambda f: ["low", "high"] * 70, wave=lambda f: "w1")
    path = write_pool(tmp_path / "pool.csv", frame)
    uc.import_pool(
        world.db, world.partner, SITE, path, address_columns=["address"],
        attribute_columns=["wave"],
    )  # fmt: skip
    return world


def test_quotas_on_an_encrypted_column_say_so_and_classify_makes_it_a_criterion(
    with_income: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world = with_income
    volunteer, details = _volunteer(world, "P0001")
    assert "income" not in volunteer.features and details["income"] == "high"
    assert "region" not in volunteer.features  # not in the quotas: personal too
    table = quota_table(
        [
            *_rows(quotas_for()),
            ("income", "low", 20, 30),
            ("income", "high", 20, 30),
        ]
    )
    with pytest.raises(KleroError) as raised:  # the dashboard's live check, before saving
        uc.check_feasibility(world.db, world.partner, SITE, table)
    assert raised.value.code == "pool_feature_encrypted"
    uc.set_quotas(world.db, world.partner, SITE, table)
    for attempt in (
        lambda: uc.check_feasibility(world.db, world.coordinator, SITE),
        lambda: uc.run_selection(world.db, world.partner, SITE, SelectionSettings(seed=1)),
    ):
        with pytest.raises(KleroError) as raised:
            attempt()
        assert raised.value.code == "pool_feature_encrypted"
        assert "'income', 'region'" in raised.value.message
        assert "klero pool classify --site FR-lyon --feature-columns income" in raised.value.message
    _as(world, monkeypatch, "coord")
    args = ["pool", "classify", "--site", SITE, "--feature-columns", "income,region"]
    assert main(args) == 4  # coordinators may not see, so may not move, personal data
    _as(world, monkeypatch, "alice")
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["changed"] == {"income": "feature", "region": "feature"}
    assert report["volunteers"] == 140 and report["columns"]["income"] == "feature"
    volunteer, details = _volunteer(world, "P0001")
    assert volunteer.features["income"] == "high" and "income" not in details
    assert "name" in details  # the rest stays personal
    summary = uc.run_selection(world.db, world.partner, SITE, SelectionSettings(seed=1))
    assert len(summary.selected) == 50
    with world.db.unit_of_work() as session:
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "pool.classify")
        ).scalar_one()
    assert event.after is not None and event.after["roles"] == report["changed"]
    assert "high" not in json.dumps(event.after) + json.dumps(event.before)


def test_demoting_to_personal_encrypts_and_a_quota_column_cannot_be_demoted(
    with_income: World,
) -> None:
    world = with_income
    uc.classify_pool(world.db, world.partner, SITE, feature_columns=["income"])
    before = dump(world.db)
    with pytest.raises(InvalidInput) as raised:
        uc.classify_pool(
            world.db,
            world.partner,
            SITE,
            personal_columns=["gender", "nowhere"],
            attribute_columns=["income", "Gender"],
        )
    codes = sorted(p.code for p in raised.value.problems)
    assert codes == [
        "pool_classify_quota_column",
        "pool_classify_twice",
        "pool_classify_unknown_column",
    ]
    assert dump(world.db) == before  # nothing changed
    report = uc.classify_pool(world.db, world.partner, SITE, personal_columns=["income", "wave"])
    assert report.volunteers == 140
    volunteer, details = _volunteer(world, "P0002")
    assert "income" not in volunteer.features and volunteer.attributes == {}
    assert (details["income"], details["wave"]) == ("low", "w1")
    assert report.columns["income"] == "personal" and report.columns["address"] == "address"
    with pytest.raises(PermissionDenied):
        uc.classify_pool(world.db, world.other_partner, SITE, feature_columns=["income"])


def test_deliberation_criteria_are_set_by_coordinators_and_printed_for_everyone(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["deliberation", "criteria", "--deliberation", "Global Day"]
    _as(world, monkeypatch, "alice")
    assert main([*args, "--set", "gender"]) == 4
    _as(world, monkeypatch, "coord")
    capsys.readouterr()
    assert main([*args, "--set", " gender, Age ,gender,"]) == 0
    assert "are now: gender, Age." in capsys.readouterr().out
    _as(world, monkeypatch, "eve")
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["criteria"] == ["gender", "Age"]
    assert main(["deliberation", "criteria", "--deliberation", "Nope"]) == 2
    assert uc.deliberation_criteria(world.db, world.partner, "Global Day") == ["gender", "Age"]


def test_an_import_that_stores_a_column_otherwise_than_before_is_warned_about(
    with_income: World, tmp_path: Path
) -> None:
    frame = pool_frame(3, prefix="Z").assign(income="low", wave="w2")
    path = write_pool(tmp_path / "more.csv", frame)
    report = uc.import_pool(
        with_income.db, with_income.partner, SITE, path, attribute_columns=["income"]
    )
    warned = {
        p.params["column"]: p for p in report.problems if p.code == "pool_column_role_differs"
    }
    assert set(warned) == {"income", "wave"}
    assert (warned["income"].params["before"], warned["income"].params["role"]) == (
        "personal",
        "attribute",
    )
