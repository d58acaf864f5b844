"""Public registration in AppTest: no sign-in, a reference, plain words for every dead end.

And the partner's side: dates, consent text, printable form, paper forms, channels.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard.paper_forms import paper_people
from recruitment import usecases as uc
from recruitment.db import open_database
from recruitment.models import Volunteer
from recruitment.permissions import Actor
from tests.dashboard.conftest import APP, PAGES, DemoDb, open_page, shown, signed_in

SITE = "FR-lyon"


def _public(site: str | None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if site is not None:
        at.query_params["site"] = site
    if lang is not None:
        at.query_params["lang"] = lang
    at.run()
    at.switch_page(PAGES["register"])
    return at.run()


def _texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "error", "info", "success", "warning", "title", "subheader")
    return "\n".join(shown(e.value) for kind in kinds for e in getattr(at, kind))


def _open(db: DemoDb) -> None:
    database = open_database(os.environ["KLERO_DATABASE_URL"])
    try:
        today = uc.today_utc()
        uc.set_registration_dates(
            database, Actor.system(), SITE, today - timedelta(days=1), today + timedelta(days=7)
        )
    finally:
        database.dispose()


def _signed_up(db: DemoDb) -> list[Volunteer]:
    database = open_database(os.environ["KLERO_DATABASE_URL"])
    try:
        with database.unit_of_work() as session:
            query = select(Volunteer).where(Volunteer.external_id.like("R-%"))
            found = list(session.execute(query).scalars())
            session.expunge_all()
            return found
    finally:
        database.dispose()


def test_a_volunteer_registers_in_french_without_signing_in(own_db: DemoDb) -> None:
    _open(own_db)
    at = _public(SITE, "fr")
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("Rejoindre le panel citoyen")
    radios = [str(r.key) for r in at.radio if str(r.key).startswith("pub_q_")]
    assert radios, _texts(at)
    at.button(key="pub_submit").click().run()  # nothing answered: every problem named
    assert any("Merci de répondre" in e.value for e in at.error), _texts(at)
    for key in radios:
        at.radio(key=key).set_value(at.radio(key=key).options[0])
    at.text_input(key="pub_email").input("nouvelle@example.org")
    at.checkbox(key="pub_consent").check()
    at.button(key="pub_submit").click().run()
    assert not at.exception, at.exception
    [done] = [s.value for s in at.success]
    assert "Votre numéro de référence est R-" in done
    [volunteer] = _signed_up(own_db)
    assert volunteer.external_id in done
    # The same person again: recognised, told so, nothing added.
    at.button(key="register_again").click().run()
    for key in radios:
        at.radio(key=key).set_value(at.radio(key=key).options[0])
    at.text_input(key="pub_email").input("NOUVELLE@example.org")
    at.checkbox(key="pub_consent").check()
    at.button(key="pub_submit").click().run()
    assert any("déjà inscrit" in i.value for i in at.info), _texts(at)
    assert len(_signed_up(own_db)) == 1


def test_a_bot_filling_the_hidden_field_is_refused(own_db: DemoDb) -> None:
    _open(own_db)
    at = _public(SITE, "en")
    for radio in [r for r in at.radio if str(r.key).startswith("pub_q_")]:
        radio.set_value(radio.options[0])
    at.text_input(key="pub_email").input("bot@example.org")
    at.text_input(key="pub_website").input("http://spam.example")
    at.checkbox(key="pub_consent").check()
    at.button(key="pub_submit").click().run()
    assert [shown(e.value) for e in at.error] == [
        "This registration could not be taken. Please try again."
    ]
    assert _signed_up(own_db) == []


@pytest.mark.parametrize(
    ("site", "lang", "expected"),
    [
        (None, None, "This link does not name a place"),
        ("XX-nowhere", "en", "There is no registration page for XX-nowhere"),
        (SITE, "xx", "This page is not available in the language xx"),
        (SITE, "en", "Registration for FR-lyon is not open."),
    ],
)
def test_dead_ends_are_said_plainly(
    shared_db: DemoDb, site: str | None, lang: str | None, expected: str
) -> None:
    at = _public(site, lang)
    assert not at.exception, at.exception
    assert expected in _texts(at)
    assert not any(r.key and r.key.startswith("pub_q_") for r in at.radio)


def test_the_partner_opens_registration_and_writes_consent_read_aloud(
    own_db: DemoDb,
) -> None:
    at = signed_in(own_db, "partner-fr")
    open_page(at, "registration", SITE)
    assert not at.exception, at.exception
    assert "/register?site=FR-lyon&lang=fr" in _texts(at)
    today = uc.today_utc()
    at.date_input(key="reg_opens").set_value(today)
    at.date_input(key="reg_closes").set_value(today + timedelta(days=3))
    at.button(key="reg_dates_go").click().run()
    assert any("Registration is open until" in s.value for s in at.success), _texts(at)
    at.selectbox(key="reg_consent_lang").select("es").run()
    at.text_area(key="reg_consent_es").input("Acepto que me contacten.")
    at.button(key="reg_consent_go").click().run()
    assert any(s.value == "Saved." for s in at.success)
    script = _texts(at)
    assert "Pregunta 1:" in script and "«Acepto que me contacten.»" in script
    assert not at.exception, at.exception


def test_the_pool_page_shows_channels_and_the_read_aloud_script(shared_db: DemoDb) -> None:
    at = open_page(signed_in(shared_db, "partner-fr"), "pool", SITE)
    assert not at.exception, at.exception
    texts = _texts(at)
    assert "Volunteers by registration channel" in texts
    assert "Question 1:" in texts and "Do you agree?" in texts


def test_paper_rows_become_people_and_incomplete_rows_are_counted() -> None:
    question = uc.Question("gender", "gender", (("female", "female"), ("male", "male")))
    form = uc.RegistrationForm(SITE, "Lyon", "en", (question,), None, None, None)
    grid = pd.DataFrame(
        {
            "form": ["F-1", None, "F-3", None],
            "gender": ["female", "male", None, None],
            "name": ["Ama", None, None, None],
            "phone": ["+233 20 000 0001", "+233 20 000 0002", None, None],
            "email": [None, None, None, None],
        },
        dtype=object,
    )
    people, incomplete = paper_people(grid, form)
    assert incomplete == 2  # no form number; no answer (the empty last row is ignored)
    assert people == [
        uc.Person("F-1", {"gender": "female"}, {"name": "Ama", "phone": "+233 20 000 0001"})
    ]


def test_a_hostile_site_in_the_link_stays_text(shared_db: DemoDb) -> None:
    at = _public("x)[evil](http://evil.example", "xx")
    links = [m.value for m in at.markdown if "lang=en" in m.value]
    assert links == ["- [English](?site=x%29%5Bevil%5D%28http%3A%2F%2Fevil.example&lang=en)"]
