"""Invitations by mail merge: templates per kind and language, one merged message per person."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from klero.app import main
from quotas import languages
from quotas.exports import DANGEROUS_FIRST, is_plain_number
from quotas.messages import render
from quotas.problems import InvalidInput, KleroError
from quotas.tables import read_table
from recruitment import usecases as uc
from recruitment.models import AuditEvent, Site, Volunteer, VolunteerContact
from recruitment.permissions import PermissionDenied
from recruitment.security import Secrets
from recruitment.usecases.invitation_texts import (
    KINDS,
    PLACEHOLDERS,
    default_template,
    merge,
    sms_parts,
    template_problems,
)
from recruitment.usecases.invitations import COLUMNS, contact_fields, person_language
from tests.recruitment.conftest import PASSWORD, SITE, World, pool_frame

Selected = tuple[World, uc.RunSummary]
DAY = date(2027, 3, 14)


def _events(world: World, action: str) -> list[AuditEvent]:
    with world.db.unit_of_work() as session:
        found = session.execute(select(AuditEvent).where(AuditEvent.action == action))
        return list(found.scalars())


def _set_languages(world: World, tags: list[str]) -> None:
    with world.db.unit_of_work() as session:
        site = session.execute(select(Site).where(Site.code == SITE)).scalar_one()
        site.languages = tags


@pytest.fixture
def meeting(selected_world: Selected) -> Selected:
    """The selected world with its meeting set: 14 March 2027, 9:30, the town hall."""
    world, _ = selected_world
    uc.set_meeting(world.db, world.partner, SITE, DAY, "9:30", "Hôtel de Ville")
    return selected_world


def _export(
    world: World, *, kind: str = "invitation", lang: str | None = None, mark_invited: bool = False
) -> uc.InvitationExport:
    handed: list[pd.DataFrame] = []
    export = uc.export_invitations(
        world.db,
        world.partner,
        SITE,
        kind=kind,
        lang=lang,
        mark_invited=mark_invited,
        write=handed.append,
    )
    assert len(handed) == 1 and handed[0] is export.frame
    return export


# Templates


def test_every_default_template_uses_only_known_placeholders_in_every_language() -> None:
    for lang in languages.codes():
        for kind in KINDS:
            text = default_template(kind, lang)
            assert not template_problems(text), (lang, kind)
            assert {"name", "reference", "date", "place"} <= {
                p for p in PLACEHOLDERS if "{" + p + "}" in text
            }, (lang, kind)


@given(st.sampled_from(PLACEHOLDERS), st.from_regex(r"[a-z_]{1,12}", fullmatch=True))
@settings(max_examples=60, deadline=None)
def test_an_unknown_placeholder_is_named_and_a_known_one_is_not(known: str, word: str) -> None:
    problems = template_problems(f"Hello {{{known}}}, see {{{word}}}.")
    named = [p.params["placeholder"] for p in problems]
    if word in PLACEHOLDERS:
        assert named == []
    else:
        assert named == ["{" + word + "}"]
        assert all(p.code == "invite_placeholder_unknown" for p in problems)


def test_merge_fills_each_placeholder_and_isolates_values_in_right_to_left_text() -> None:
    values = {"name": "Ada", "reference": "R-7KQ4-M2XH"}
    assert merge("{name}: {reference} {unknown}", values, "fr") == "Ada: R-7KQ4-M2XH {unknown}"
    arabic = merge("مرحبًا {name}، رقمك {reference}.", values, "ar")
    assert "\u2068R-7KQ4-M2XH\u2069" in arabic and "\u2068Ada\u2069" in arabic


def test_a_partner_saves_a_template_audited_by_digest_and_empties_it_back(world: World) -> None:
    text = "Bonjour {name}, rendez-vous le {date} à {place}. Réf. {reference}."
    uc.set_message_template(world.db, world.partner, SITE, "invitation", "FR", text)
    texts = uc.invitation_texts(world.db, world.coordinator, SITE)
    assert texts.written == {("invitation", "fr"): text}
    assert texts.template("invitation", "fr") == text
    assert texts.template("invitation", "de") == default_template("invitation", "de")
    (saved,) = _events(world, "site.message")
    assert saved.after is not None and saved.after["lang"] == "fr"
    assert "Bonjour" not in json.dumps(saved.after)  # a digest, not the text
    uc.set_message_template(world.db, world.partner, SITE, "invitation", "fr", "  ")
    assert uc.invitation_texts(world.db, world.partner, SITE).written == {}
    assert len(_events(world, "site.message")) == 2


def test_a_template_with_an_unknown_placeholder_is_refused_naming_it(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        uc.set_message_template(
            world.db, world.partner, SITE, "standby", "sw", "Habari {jina}, {name} {tarehe}"
        )
    assert [p.params["placeholder"] for p in refused.value.problems] == ["{jina}", "{tarehe}"]
    assert "{jina}" in render(
        refused.value.problems[0].code, refused.value.problems[0].params, "sw"
    )
    for kind, lang, code in (
        ("reminder", "fr", "invite_kind_unknown"),
        ("invitation", "xx", "invite_language_unknown"),
    ):
        with pytest.raises(KleroError) as wrong:
            uc.set_message_template(world.db, world.partner, SITE, kind, lang, "{name}")
        assert wrong.value.code == code
    assert _events(world, "site.message") == []


def test_only_the_site_s_partner_and_admins_write_its_messages(world: World) -> None:
    for actor in (world.coordinator, world.other_partner, world.evaluator):
        with pytest.raises(PermissionDenied):
            uc.set_message_template(world.db, actor, SITE, "invitation", "fr", "{name}")
        with pytest.raises(PermissionDenied):
            uc.set_meeting(world.db, actor, SITE, DAY, "9:30", "Mairie")
    uc.set_message_template(world.db, world.admin, SITE, "invitation", "fr", "{name}")


def test_the_meeting_is_set_audited_and_defaults_to_the_site_s_place(world: World) -> None:
    uc.set_meeting(world.db, world.partner, SITE, DAY, " 9:30–17:00 ", "")
    texts = uc.invitation_texts(world.db, world.partner, SITE)
    assert (texts.meeting_date, texts.meeting_time, texts.meeting_place) == (
        DAY,
        "9:30–17:00",
        "Lyon",  # the site's place
    )
    (event,) = _events(world, "site.meeting")
    assert event.after == {"date": "2027-03-14", "time": "9:30–17:00", "place": None}
    with pytest.raises(InvalidInput) as refused:
        uc.set_meeting(world.db, world.partner, SITE, DAY, "x" * 41, "y" * 301)
    assert [p.code for p in refused.value.problems] == [
        "invite_time_too_long",
        "invite_place_too_long",
    ]


# The export


def test_no_export_before_the_meeting_is_set(selected_world: Selected) -> None:
    world, _ = selected_world
    with pytest.raises(KleroError) as refused:
        _export(world)
    assert refused.value.code == "invite_meeting_unset" and refused.value.exit_code == 2
    assert _events(world, "panel.invitations") == []


def test_one_row_per_member_and_alternate_with_the_merged_message(meeting: Selected) -> None:
    world, summary = meeting
    _set_languages(world, ["fr-FR", "en"])
    frame = _export(world).frame
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == len(summary.selected) + len(summary.alternates)
    roles = dict(zip(frame["pseudonym"], frame["role"], strict=True))
    assert {p for p, r in roles.items() if r == "selected"} == set(summary.selected)
    assert {p for p, r in roles.items() if r == "alternate"} == set(summary.alternates)
    people = pool_frame().set_index("name")
    first = frame.iloc[0]
    assert first["language"] == "fr"  # nobody's own is recorded: the site's first language
    assert first["date"] == "dimanche 14 mars 2027"
    assert first["place"] == "Hôtel de Ville" and first["time"] == "9:30"
    assert first["email"] == people.loc[first["name"], "email"]
    assert first["reference"] == people.loc[first["name"], "id"]
    assert first["message"] == merge(
        default_template("invitation", "fr"),
        {
            "name": first["name"],
            "reference": first["reference"],
            "date": first["date"],
            "time": "9:30",
            "place": "Hôtel de Ville",
            "site": "Lyon",
        },
        "fr",
    )
    alternate = frame[frame["role"] == "alternate"].iloc[0]
    assert alternate["message"].startswith(f"Bonjour {alternate['name']}, merci de vous être")
    assert (frame["status"] == "selected").all()


def test_the_lang_option_is_for_people_whose_language_is_not_recorded(
    meeting: Selected,
) -> None:
    world, summary = meeting
    with world.db.unit_of_work() as session:
        person = session.execute(
            select(Volunteer).where(Volunteer.pseudonym == summary.selected[0])
        ).scalar_one()
        person.lang = "sw"
    frame = _export(world, lang="pt").frame.set_index("pseudonym")
    assert frame.loc[summary.selected[0], "language"] == "sw"
    assert str(frame.loc[summary.selected[0], "message"]).startswith("Habari ")
    assert set(frame.drop(index=summary.selected[0])["language"]) == {"pt"}
    with pytest.raises(KleroError) as wrong:
        _export(world, lang="klingon")
    assert wrong.value.code == "invite_language_unknown"


def test_marking_invited_goes_through_the_seat_status_use_case(meeting: Selected) -> None:
    world, summary = meeting
    uc.record_seat_status(world.db, world.partner, summary.run_id, summary.selected[0], "invited")
    export = _export(world, mark_invited=True)
    assert len(export.to_mark) == len(summary.selected) - 1
    status = uc.panel_status(world.db, world.partner, SITE)
    assert status.counts["selected"] == {"invited": len(summary.selected)}
    assert status.counts["alternate"] == {"selected": len(summary.alternates)}
    assert len(_events(world, "seat.status")) == len(summary.selected)
    (recorded,) = _events(world, "panel.invitations")
    assert recorded.after == {
        "kind": "invitation",
        "rows": len(summary.selected) + len(summary.alternates),
        "languages": {"en": len(summary.selected) + len(summary.alternates)},
        "marked_invited": len(summary.selected) - 1,
    }
    # Answers come back through the panel's own commands; confirmations go to who said yes.
    uc.record_seat_status(world.db, world.partner, summary.run_id, summary.selected[1], "confirmed")
    confirmed = _export(world, kind="confirmation").frame
    assert confirmed["pseudonym"].tolist() == [summary.selected[1]]
    assert confirmed["message"].iloc[0].startswith("Hello ")
    assert "thank you for confirming" in confirmed["message"].iloc[0]


def test_someone_erased_gets_no_row(meeting: Selected) -> None:
    world, summary = meeting
    uc.erase_volunteer(world.db, world.partner, summary.alternates[0])
    frame = _export(world).frame
    assert summary.alternates[0] not in set(frame["pseudonym"])
    assert len(frame) == len(summary.selected) + len(summary.alternates) - 1


def test_nothing_personal_reaches_the_audit_trail(meeting: Selected) -> None:
    world, _ = meeting
    frame = _export(world, mark_invited=True).frame
    with world.db.unit_of_work() as session:
        trail = json.dumps(
            [
                [e.entity_id, e.before, e.after]
                for e in session.execute(select(AuditEvent)).scalars()
            ],
            ensure_ascii=False,
        )
    for column in ("name", "email", "phone", "reference"):
        assert not [v for v in frame[column] if v and v in trail], column


def test_only_who_may_see_contact_details_exports_or_marks(meeting: Selected) -> None:
    world, _ = meeting
    for actor in (world.coordinator, world.other_partner, world.evaluator):
        with pytest.raises(PermissionDenied) as denied:
            uc.export_invitations(world.db, actor, SITE, kind="invitation", write=print)
        assert denied.value.exit_code == 4
    assert _events(world, "panel.invitations") == []
    frame = uc.export_invitations(world.db, world.admin, SITE, kind="invitation", write=len).frame
    assert frame["email"].str.contains("@").all()


def test_a_prepared_export_is_recorded_when_handed_over(meeting: Selected) -> None:
    world, summary = meeting
    prepared = uc.prepare_invitations(world.db, world.partner, SITE, kind="invitation")
    assert _events(world, "panel.invitations") == []
    # An answer comes in meanwhile: that seat keeps it when the others are marked invited.
    uc.record_seat_status(world.db, world.partner, summary.run_id, summary.selected[0], "declined")
    uc.record_invitations(world.db, world.partner, prepared, mark_invited=True)
    status = uc.panel_status(world.db, world.partner, SITE)
    assert status.counts["selected"] == {"declined": 1, "invited": len(summary.selected) - 1}
    assert len(_events(world, "panel.invitations")) == 1


def test_an_arabic_template_merges_right_to_left_with_isolated_values(meeting: Selected) -> None:
    world, _ = meeting
    text = "مرحبًا {name}، موعدنا {date} في {place}. رقمك المرجعي {reference}."
    uc.set_message_template(world.db, world.partner, SITE, "invitation", "ar", text)
    frame = _export(world, lang="ar").frame
    row = frame[frame["role"] == "selected"].iloc[0]
    assert row["language"] == "ar"
    assert row["message"].startswith("مرحبًا \u2068" + row["name"] + "\u2069")
    assert "\u2068" + row["reference"] + "\u2069" in row["message"]
    assert "مارس" in row["date"]  # the date in Arabic


def test_contact_fields_join_name_columns_and_take_the_first_email_and_phone() -> None:
    details = {"prénom": "Awa", "nom": "Diallo", "courriel": "awa@example.org", "portable": "+221"}
    assert contact_fields(details) == {
        "name": "Awa Diallo",
        "email": "awa@example.org",
        "phone": "+221",
    }
    assert contact_fields({}) == {"name": "", "email": "", "phone": ""}


def test_a_person_s_language_as_registered_then_as_declared_then_the_fallback() -> None:
    assert person_language(Volunteer(lang="SW", attributes={"language": "fr"}), "en") == "sw"
    assert person_language(Volunteer(lang=None, attributes={"language": "fa"}), "en") == "fa"
    assert person_language(Volunteer(lang=None, attributes={"lang": "zz"}), "de") == "de"


# Files


@pytest.fixture
def as_partner(meeting: Selected, monkeypatch: pytest.MonkeyPatch) -> Selected:
    monkeypatch.setenv("KLERO_DATABASE_URL", meeting[0].db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_USER", "alice")
    return meeting


def _hostile_name(world: World, pseudonym: str) -> str:
    """Give a selected person a name a spreadsheet would run as a formula."""
    name = '=HYPERLINK("http://evil.example","x")'
    secrets = Secrets.load()
    with world.db.unit_of_work() as session:
        person = session.execute(
            select(Volunteer).where(Volunteer.pseudonym == pseudonym)
        ).scalar_one()
        contact = session.get(VolunteerContact, person.id)
        assert contact is not None
        details = secrets.decrypt(contact.ciphertext)
        contact.ciphertext = secrets.encrypt({**details, "name": name})
    return name


def test_the_csv_and_xlsx_files_are_safe_in_a_spreadsheet(
    as_partner: Selected, tmp_path: Path
) -> None:
    world, summary = as_partner
    name = _hostile_name(world, summary.selected[0])
    assert main(["site", "message", "--site", SITE, "--kind", "invitation", "--lang", "en",
                 "--text", "@SUM(1+1) {name}"]) == 0  # fmt: skip
    out = tmp_path / "invitations.csv"
    assert main(["panel", "invitations", "--site", SITE, "--out", str(out)]) == 0
    cells = [c for row in csv.reader(io.StringIO(out.read_text("utf-8"))) for c in row]
    assert not [c for c in cells if c[:1] in tuple(DANGEROUS_FIRST) and not is_plain_number(c)]
    back, _ = read_table(out)
    assert name in set(back["name"])  # read back as it was
    assert f"@SUM(1+1) {name}" in set(back["message"])
    book = tmp_path / "invitations.xlsx"
    assert main(["panel", "invitations", "--site", SITE, "--out", str(book)]) == 0
    sheet = openpyxl.load_workbook(book).active
    assert sheet is not None
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert "'" + name in values
    assert len(_events(world, "panel.invitations")) == 2


def test_the_cli_sets_the_meeting_and_messages_and_marks_invited(
    as_partner: Selected, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world, summary = as_partner
    assert main(["site", "meeting", "--site", SITE, "--date", "2027-04-03", "--time", "10:00",
                 "--place", "Salle des fêtes"]) == 0  # fmt: skip
    assert "2027-04-03" in capsys.readouterr().out
    assert main(["site", "message", "--site", SITE, "--kind", "invitation", "--lang", "en",
                 "--text", "Hi {name}, {nom}?"]) == 2  # fmt: skip
    assert "{nom}" in capsys.readouterr().err
    out = tmp_path / "inv.csv"
    assert main(["panel", "invitations", "--site", SITE, "--out", str(out), "--mark-invited"]) == 0
    said = capsys.readouterr().out
    assert f"{len(summary.selected) + len(summary.alternates)} messages written" in said
    assert f"{len(summary.selected)} panel members of run {summary.run_id}" in said
    back, _ = read_table(out)
    assert set(back["place"]) == {"Salle des fêtes"}
    assert uc.panel_status(world.db, world.partner, SITE).counts["selected"] == {
        "invited": len(summary.selected)
    }
    assert main(["panel", "invitations", "--site", SITE, "--out", str(tmp_path / "x.txt")]) == 2
    assert main(["panel", "invitations", "--site", SITE, "--kind", "standby",
                 "--out", str(tmp_path / "s.csv")]) == 2  # fmt: skip
    assert not (tmp_path / "s.csv").exists()


def test_the_cli_shows_and_clears_the_meeting(
    as_partner: Selected, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world, _ = as_partner
    assert main(["site", "meeting", "--site", SITE]) == 0
    assert "Hôtel de Ville" in capsys.readouterr().out
    assert main(["site", "meeting", "--site", SITE, "--time", "10:00"]) == 2  # no --date
    assert main(["site", "meeting", "--site", SITE, "--clear"]) == 0
    assert f"No meeting set for {SITE} yet." in capsys.readouterr().out
    assert main(["panel", "invitations", "--site", SITE, "--out", str(tmp_path / "i.csv")]) == 2
    assert not (tmp_path / "i.csv").exists()
    assert len(_events(world, "site.meeting")) == 2


def test_the_cli_refuses_a_coordinator_with_exit_4(
    as_partner: Selected, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, _ = as_partner
    monkeypatch.setenv("KLERO_USER", "coord")
    out = tmp_path / "inv.csv"
    assert main(["panel", "invitations", "--site", SITE, "--out", str(out)]) == 4
    assert not out.exists()
    assert _events(world, "panel.invitations") == []


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # an extension character takes two places
        ("€" * 81, 2),
        ("é" * 160, 1),  # in the GSM alphabet
        ("ê" * 70, 1),  # not: the whole message goes as UCS-2
        ("ê" * 71, 2),
        ("م" * 134, 2),
        ("م" * 135, 3),
        ("🙂" * 35, 1),  # two UTF-16 units each
        ("🙂" * 36, 2),
    ],
)
def test_sms_parts_count_gsm_and_ucs2_segments(text: str, parts: int) -> None:
    assert sms_parts(text) == parts


@given(st.text(max_size=400), st.text(min_size=1, max_size=40))
@settings(max_examples=200, deadline=None)
def test_a_longer_message_never_takes_fewer_sms(text: str, more: str) -> None:
    assert sms_parts(text + more) >= sms_parts(text) >= 1
