"""Personal data by declaration: whatever the column names, no personal value is kept in clear.

The regression of issue 11: pools whose personal columns are named in French, Swahili or
German (``nom complet, courriel, portable, adresse``, ``jina kamili, barua pepe``,
``Telefonnummer``) were stored in clear, shown to coordinators and evaluators, copied
into run snapshots and kept after an erasure.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from klero.app import main
from recruitment import dashboard_support as support
from recruitment import usecases as uc
from recruitment.models import AuditEvent, SelectionRun, Volunteer, VolunteerContact
from recruitment.security import Secrets
from sampling import SelectionSettings
from tests.recruitment.conftest import PASSWORD, SITE, World, pool_frame, quotas_for, write_pool
from tests.recruitment.personal import (
    HEADERS,
    dump,
    import_multilingual,
    leaked,
    multilingual_pool,
    personal_values,
)


@pytest.fixture
def multilingual(world: World, tmp_path: Path) -> tuple[World, uc.RunSummary]:
    """The world with quotas, the three pools imported and a panel selected."""
    uc.set_quotas(world.db, world.partner, SITE, quotas_for())
    import_multilingual(world, tmp_path)
    return world, uc.run_selection(
        world.db, world.partner, SITE, SelectionSettings(seed=5, alternates=3)
    )


def _cli(world: World, monkeypatch: pytest.MonkeyPatch, login: str, *args: str) -> str:
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_USER", login)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    return " ".join(args)


def test_no_personal_value_is_stored_in_clear_whatever_the_headers(
    multilingual: tuple[World, uc.RunSummary],
) -> None:
    world, summary = multilingual
    everything = dump(world.db)
    assert leaked(everything, personal_values()) == []
    with world.db.unit_of_work() as session:
        features = {k for v in session.execute(select(Volunteer)).scalars() for k in v.features}
        run = session.get(SelectionRun, summary.run_id)
        assert run is not None
        snapshot = run.inputs["pool"]
        imports = session.execute(
            select(AuditEvent.after).where(AuditEvent.action == "pool.import")
        ).scalars()
        recorded = [event["columns"] for event in imports]
    assert features == {"gender", "age", "region"}
    assert snapshot["columns"] == ["__id__", "age", "gender", "region", "__household__"]
    labels = {row[-1] for row in snapshot["rows"]}
    assert labels == {"", "h1", "h2", "h3", "h4", "h5"}  # the five households, no hashes
    assert recorded[0] == {
        "id": "id",
        "gender": "feature",
        "age": "feature",
        "region": "feature",
        "nom complet": "contact",
        "courriel": "contact",
        "portable": "contact",
        "adresse": "address",
    }
    # The partner still has them, decrypted, with the duplicate check on the e-mails.
    details = uc.export_volunteer_data(world.db, world.partner, summary.selected[0])
    assert set(details["contact"]) in [set(h) for h in HEADERS.values()]


def test_coordinators_and_evaluators_see_no_personal_value_but_the_partner_does(
    multilingual: tuple[World, uc.RunSummary],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    world, summary = multilingual
    values = personal_values()
    for actor in (world.coordinator, world.evaluator):
        shown = [
            uc.prepare_panel_export(world.db, actor, SITE).frame.to_csv(),
            support.site_pool(world.db, actor, SITE).people.to_csv(),
            str(support.site_pool(world.db, actor, SITE).households),
            str(support.run_details(world.db, actor, SITE)),
        ]
        assert leaked("\n".join(shown), values) == []
    outputs = []
    for login in ("coord", "eve"):
        _cli(world, monkeypatch, login)
        out = tmp_path / f"{login}.csv"
        capsys.readouterr()
        assert main(["panel", "export", "--site", SITE, "--out", str(out)]) == 0
        assert main(["panel", "status", "--site", SITE, "--json"]) == 0
        assert main(["rerun", str(summary.run_id), "--json"]) == 0
        assert main(["site", "list", "--json"]) == 0
        outputs += [capsys.readouterr().out, out.read_text("utf-8")]
    assert leaked("\n".join(outputs), values) == []
    partner = uc.prepare_panel_export(world.db, world.partner, SITE).frame
    assert {"contact:courriel", "contact:jina kamili", "contact:Telefonnummer"} <= set(partner)
    assert leaked(partner.to_csv(), values)  # the site's partner sees their people's details


def test_erasure_leaves_none_of_the_persons_personal_data_anywhere(
    multilingual: tuple[World, uc.RunSummary],
) -> None:
    world, summary = multilingual
    names = dict(zip(*(multilingual_pool("F")[c] for c in ("id", "nom complet")), strict=True))
    with world.db.unit_of_work() as session:
        people = {v.pseudonym: v for v in session.execute(select(Volunteer)).scalars()}
        # Someone of the French pool living alone (the first ten rows share addresses).
        pseudonym = next(
            p for p in summary.selected if people[p].external_id[0] == "F"
            and int(people[p].external_id[1:]) >= 10
        )  # fmt: skip
        person = people[pseudonym]
        external_id, key = person.external_id, person.household_key
        # A run snapshot in an older, fuller form: a personal column and keyed addresses.
        run = session.get(SelectionRun, summary.run_id)
        assert run is not None
        old = {
            "columns": ["__id__", "age", "gender", "region", "nom complet", "__household__"],
            "rows": [
                [p, *row[:3], names.get(people[p].external_id, ""), people[p].household_key or ""]
                for p, *row in run.inputs["pool"]["rows"]
            ],
        }
        run.inputs = {**run.inputs, "pool": old}
    mine = personal_values("F", int(external_id[1:])) | {external_id}
    assert leaked(dump(world.db, decrypt=True), mine)  # all there before
    uc.erase_volunteer(world.db, world.partner, pseudonym)
    everything = dump(world.db, decrypt=True)
    assert leaked(everything, mine) == []
    assert key is not None and key not in everything
    with world.db.unit_of_work() as session:
        run = session.get(SelectionRun, summary.run_id)
        assert run is not None
        assert run.inputs["pool"]["columns"] == [
            "__id__",
            "age",
            "gender",
            "region",
            "__household__",
        ]
    assert uc.rerun_selection(world.db, world.evaluator, summary.run_id).ok


def test_an_undeclared_column_is_encrypted_and_a_declared_attribute_kept_in_clear(
    world: World, tmp_path: Path
) -> None:
    uc.set_quotas(world.db, world.partner, SITE, quotas_for())
    frame = pool_frame(60).assign(notes=lambda f: "likes " + f["id"], wave=lambda f: "w1")
    path = write_pool(tmp_path / "pool.csv", frame)
    report = uc.import_pool(world.db, world.partner, SITE, path, attribute_columns=["wave"])
    roles = {c.column: (str(c.role), str(c.reason)) for c in report.columns}
    assert roles["notes"] == ("personal", "default")
    assert roles["wave"] == ("attribute", "declared")
    secrets = Secrets.load()
    with world.db.unit_of_work() as session:
        volunteer = session.execute(
            select(Volunteer).where(Volunteer.external_id == "P0003")
        ).scalar_one()
        contact = session.get(VolunteerContact, volunteer.id)
        assert contact is not None
        assert volunteer.attributes == {"wave": "w1"}
        assert "notes" not in volunteer.features
        assert secrets.decrypt(contact.ciphertext)["notes"] == "likes P0003"
    assert "likes P00" not in dump(world.db)
    view = support.site_pool(world.db, world.coordinator, SITE)
    assert view.attributes == ["wave"] and "notes" not in view.people


def _count(world: World) -> tuple[int, int]:
    with world.db.unit_of_work() as session:
        volunteers = session.execute(select(func.count()).select_from(Volunteer)).scalar_one()
        events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    return int(volunteers), int(events)


def test_declarations_twice_or_missing_are_all_listed_and_nothing_is_stored(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    uc.set_quotas(world.db, world.partner, SITE, quotas_for())
    path = write_pool(tmp_path / "pool.csv", pool_frame(30))
    before = _count(world)
    _cli(world, monkeypatch, "alice")
    capsys.readouterr()
    args = ["pool", "import", "--site", SITE, "--file", str(path)]
    declared = ["--attribute-columns", "name,wave", "--contact-columns", "name,email,fax"]
    assert main([*args, *declared]) == 2
    out, err = capsys.readouterr()
    assert "'name' is declared with several roles (attribute, contact)" in err
    assert "no column 'wave'" in err and "no column 'fax'" in err
    assert "Traceback" not in err and "Person 1" not in err + out
    assert "Columns of pool.csv:" in out and re.search(r"recognised +phone", out)  # the table first
    assert _count(world) == before


def test_no_criteria_known_is_refused_with_what_to_do_and_nothing_is_stored(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_pool(tmp_path / "pool.csv", pool_frame(30))
    before = _count(world)
    _cli(world, monkeypatch, "alice")
    capsys.readouterr()
    assert main(["pool", "import", "--site", SITE, "--file", str(path)]) == 2
    err = capsys.readouterr().err
    assert "No column of the pool" in err and "'gender', 'age', 'region'" in err
    assert "--feature-columns" in err and "klero deliberation criteria --set" in err
    assert _count(world) == before
    # With the deliberation's criteria, the same file goes in: those columns are features.
    uc.set_criteria(world.db, world.coordinator, "Global Day", ["Gender", "age", "region"])
    report = uc.import_pool(world.db, world.partner, SITE, path)
    reasons = {c.column: str(c.reason) for c in report.columns if str(c.role) == "feature"}
    assert reasons == {"gender": "criteria", "age": "criteria", "region": "criteria"}


def test_a_dry_run_shows_the_classification_and_stores_nothing(
    ready: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    frame = multilingual_pool("F").assign(id=lambda f: "N" + f["id"])
    path = write_pool(tmp_path / "new.csv", frame)
    before = _count(ready)
    _cli(ready, monkeypatch, "alice")
    capsys.readouterr()
    args = ["pool", "import", "--site", SITE, "--file", str(path), "--dry-run"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "dry run, nothing stored. 60 rows would be imported" in out
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert "courriel contact (personal) recognised e-mail" in lines
    assert "nom complet contact (personal) recognised name" in lines
    assert "gender criterion used by the site's quotas" in lines
    assert main([*args, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["dry_run"] and shown["ok"] and shown["rows"] == 60
    assert {"column": "portable", "role": "contact", "reason": "recognised", "kind": "phone"} in (
        shown["columns"]
    )
    assert leaked(out + json.dumps(shown), personal_values("F")) == []
    assert _count(ready) == before
    assert main([*args[:-1], "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["added"] == 60 and {c["column"] for c in done["columns"]} == set(frame)


def test_ids_that_look_like_emails_are_warned_about_not_refused(
    ready: World, tmp_path: Path
) -> None:
    frame = pool_frame(5, prefix="Q").assign(id=lambda f: f["email"])
    frame = frame.drop(columns=["email"])
    report = uc.import_pool(ready.db, ready.partner, SITE, write_pool(tmp_path / "q.csv", frame))
    assert len(report.added) == 5
    warned = [p for p in report.problems if p.code.startswith("pool_id_looks_")]
    assert [(p.code, p.params["column"]) for p in warned] == [("pool_id_looks_email", "id")]
    assert "@" not in warned[0].message


def test_assisted_registration_keeps_contacts_personal_and_attributes_in_clear(
    ready: World,
) -> None:
    report = uc.register_volunteer(
        ready.db,
        ready.partner,
        SITE,
        "PHONE-9",
        {"gender": "female", "age": "60+", "region": "north"},
        {"nom complet": "Zoé Marchal", "courriel": "zoe@exemple.fr", "adresse": "2 rue Haute"},
        attributes={"wave": "2"},
    )
    roles = {c.column: str(c.role) for c in report.columns}
    assert roles["nom complet"] == "contact" and roles["adresse"] == "address"
    assert roles["wave"] == "attribute"
    assert leaked(dump(ready.db), {"Zoé Marchal", "zoe@exemple.fr", "2 rue Haute"}) == []
    data = uc.export_volunteer_data(ready.db, ready.partner, report.added[0])
    assert data["attributes"] == {"wave": "2"} and data["contact"]["courriel"] == "zoe@exemple.fr"
    # The e-mail is recognised in French too: the same address again is the same person.
    again = uc.register_volunteer(
        ready.db,
        ready.partner,
        SITE,
        "PHONE-10",
        {"gender": "female", "age": "60+", "region": "north"},
        {"courriel": " ZOE@exemple.fr"},
    )
    assert [p.code for p in again.problems] == ["pool_import_duplicate_email"]


def test_the_panel_export_of_a_coordinator_has_criteria_and_attributes_only(
    world: World, tmp_path: Path
) -> None:
    uc.set_quotas(world.db, world.partner, SITE, quotas_for())
    frame = pool_frame(140).assign(wave="w1", notes=lambda f: "likes " + f["id"])
    path = write_pool(tmp_path / "pool.csv", frame)
    uc.import_pool(world.db, world.partner, SITE, path, attribute_columns=["wave"])
    summary = uc.run_selection(world.db, world.partner, SITE, SelectionSettings(seed=2))
    shown = uc.prepare_panel_export(world.db, world.coordinator, run_id=summary.run_id).frame
    assert set(shown.columns) == {
        "pseudonym", "kind", "rank", "status", "replaces", "replaced_by",
        "age", "gender", "region", "wave",
    }  # fmt: skip
    partner = uc.prepare_panel_export(world.db, world.partner, run_id=summary.run_id).frame
    assert {"contact:notes", "contact:name", "external_id", "wave"} <= set(partner.columns)
