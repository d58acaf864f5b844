"""The Panel page's invitations: the meeting, a template per language, the merged files."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from streamlit.testing.v1 import AppTest

from recruitment import usecases as uc
from tests.dashboard.conftest import DemoDb, open_page, shown, signed_in
from tests.dashboard.test_flows import SITE, _Downloads, downloads, events, service, texts

__all__ = ["downloads"]  # the fixture, used by name


def _no_trouble(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _set_meeting(at: AppTest) -> None:
    at.date_input(key="invite_date").set_value(date(2027, 3, 14))
    at.text_input(key="invite_time").input("9:30")
    at.text_input(key="invite_place").input("Hôtel de Ville")
    at.button(key="invite_meeting_go").click().run()
    _no_trouble(at)


def test_a_partner_sets_the_meeting_writes_arabic_and_downloads_the_messages(
    own_db: DemoDb, downloads: _Downloads
) -> None:
    at = open_page(signed_in(own_db, "partner-fr"), "panel", SITE)
    _no_trouble(at)
    assert "Set the date and place of the meeting first." in texts(at)
    assert not at.get("download_button") or all(
        b.key not in ("invite_download_csv", "invite_download_xlsx")
        for b in at.get("download_button")
    )
    _set_meeting(at)

    at.selectbox(key="invite_lang").select("ar").run()
    at.text_area(key="invite_text_invitation_ar").input("مرحبًا {name}، {موعد}")
    at.button(key="invite_text_go").click().run()
    assert "{موعد}" in " ".join(shown(e.value) for e in at.error)  # named, nothing saved
    with service(own_db, "partner-fr") as (database, partner):
        assert uc.invitation_texts(database, partner, SITE).written == {}
    at.text_area(key="invite_text_invitation_ar").input("مرحبًا {name}، موعدنا {date} في {place}.")
    at.button(key="invite_text_go").click().run()
    _no_trouble(at)
    assert "Saved." in texts(at)

    at.checkbox(key="invite_mark").check().run()
    at.button(key="invite_prepare").click().run()
    _no_trouble(at)
    data = downloads.data(at, "invite_download_csv")
    frame = pd.read_csv(io.StringIO(data.content.decode("utf-8")), keep_default_na=False)
    with service(own_db, "partner-fr") as (database, partner):
        assert events(database, "panel.invitations") == []  # prepared, not handed over
        status = uc.panel_status(database, partner, SITE)
    assert str(data.filename).startswith(f"invitations-{SITE}-run{status.run_id}-invitation")
    assert set(frame["language"]) == {"fr"}  # the site's language
    assert frame["message"].str.startswith("Bonjour ").all()
    assert set(frame["place"]) == {"Hôtel de Ville"}
    assert (frame["role"] == "selected").sum() == status.size

    at.download_button(key="invite_download_csv").click().run()
    _no_trouble(at)
    with service(own_db, "partner-fr") as (database, partner):
        assert len(events(database, "panel.invitations")) == 1
        after = uc.panel_status(database, partner, SITE)
    assert after.counts["selected"] == {"invited": status.size}


def test_the_section_is_in_the_reader_s_language_and_only_for_the_partner(
    shared_db: DemoDb,
) -> None:
    at = open_page(signed_in(shared_db, "partner-fr", lang="fr"), "panel", SITE)
    _no_trouble(at)
    assert "Invitations" in [h.value for h in at.subheader]
    assert at.button(key="invite_meeting_go").label == "Enregistrer la réunion"
    placeholder = at.text_area(key="invite_text_invitation_fr").placeholder
    assert placeholder.startswith("Bonjour {name}")  # the default wording, in the chosen language
    at = open_page(signed_in(shared_db, "coordinator"), "panel", SITE)
    _no_trouble(at)
    assert "Invitations" not in [h.value for h in at.subheader]
