"""Public registration and paper forms: into the pool, once, within dates and the rate limit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from quotas.languages import codes
from quotas.problems import InvalidInput, KleroError
from recruitment import usecases as uc
from recruitment.models import (
    AuditEvent,
    Site,
    Volunteer,
    VolunteerContact,
)
from recruitment.permissions import PermissionDenied
from recruitment.security import Secrets
from recruitment.site_texts import RegistrationAttempt
from tests.recruitment.conftest import PASSWORD, SITE, World, quotas_for

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ANSWERS = {"gender": "female", "age": "35-59", "region": "north"}


@pytest.fixture
def open_site(world: World) -> World:
    """The site with quotas, open for registration from yesterday to tomorrow (at NOW)."""
    uc.set_quotas(world.db, world.partner, SITE, quotas_for())
    day = NOW.date()
    uc.set_registration_dates(
        world.db, world.partner, SITE, day - timedelta(days=1), day + timedelta(days=1)
    )
    return world


def _sign_up(
    world: World,
    email: str,
    *,
    client: str = "203.0.113.7",
    honeypot: str = "",
    now: datetime = NOW,
) -> uc.Registered:
    return uc.register_online(
        world.db,
        SITE,
        ANSWERS,
        {"name": "Awa", "email": email},
        lang="fr",
        consent=True,
        client=client,
        honeypot=honeypot,
        now=now,
    )


def _volunteers(world: World) -> list[Volunteer]:
    with world.db.unit_of_work() as session:
        rows = session.execute(select(Volunteer).order_by(Volunteer.id)).scalars().all()
        session.expunge_all()
        return list(rows)


def test_a_sign_up_lands_in_the_pool_online_encrypted_and_audited(open_site: World) -> None:
    done = _sign_up(open_site, "awa@example.org")
    assert isinstance(done, uc.Registered) and not done.known
    assert done.reference is not None and done.reference.startswith("R-")
    [volunteer] = _volunteers(open_site)
    assert volunteer.external_id == done.reference
    assert volunteer.channel == "online" and volunteer.features == ANSWERS
    with open_site.db.unit_of_work() as session:
        contact = session.get(VolunteerContact, volunteer.id)
        assert contact is not None and b"awa@example.org" not in contact.ciphertext
        assert Secrets.load().decrypt(contact.ciphertext)["email"] == "awa@example.org"
        event = session.execute(
            select(AuditEvent).where(AuditEvent.action == "pool.import")
        ).scalar_one()
        assert (event.actor, event.role) == ("public", "public")
        assert "awa@example.org" not in str(event.after)
        attempt = session.execute(select(RegistrationAttempt)).scalar_one()
        assert "203.0.113.7" not in attempt.client_hash  # a keyed hash, not the address


def test_the_same_person_twice_is_told_and_nothing_is_duplicated(open_site: World) -> None:
    first = _sign_up(open_site, "awa@example.org")
    again = _sign_up(open_site, "  AWA@example.org ", client="198.51.100.2")
    assert isinstance(first, uc.Registered) and isinstance(again, uc.Registered)
    assert again.known and again.reference is None
    assert len(_volunteers(open_site)) == 1


def test_the_rate_limit_refuses_the_sixth_sign_up_of_a_client(open_site: World) -> None:
    for i in range(uc.RATE_LIMIT):
        _sign_up(open_site, f"p{i}@example.org")
    with pytest.raises(KleroError) as refused:
        _sign_up(open_site, "late@example.org")
    assert refused.value.code == "registration_too_many"
    assert refused.value.params == {"limit": uc.RATE_LIMIT, "minutes": 10}
    # Another address is not held back, nor the same one once the window has passed.
    assert not _sign_up(open_site, "other@example.org", client="198.51.100.9").known
    later = NOW + uc.RATE_WINDOW + timedelta(seconds=1)
    assert not _sign_up(open_site, "late@example.org", now=later).known
    assert len(_volunteers(open_site)) == uc.RATE_LIMIT + 2
    with open_site.db.unit_of_work() as session:  # attempts past the window are forgotten
        assert session.execute(select(func.count(RegistrationAttempt.id))).scalar_one() == 1


def test_a_filled_hidden_field_stores_nothing(open_site: World) -> None:
    with pytest.raises(KleroError) as refused:
        _sign_up(open_site, "bot@example.org", honeypot="http://spam.example")
    assert refused.value.code == "registration_refused"
    assert _volunteers(open_site) == []
    with open_site.db.unit_of_work() as session:
        assert session.execute(select(func.count(RegistrationAttempt.id))).scalar_one() == 0


@pytest.mark.parametrize(
    ("shift", "code"),
    [(timedelta(days=-2), "registration_not_yet"), (timedelta(days=2), "registration_closed")],
)
def test_outside_its_dates_the_page_takes_nobody(
    open_site: World, shift: timedelta, code: str
) -> None:
    with pytest.raises(KleroError) as refused:
        _sign_up(open_site, "early@example.org", now=NOW + shift)
    assert refused.value.code == code
    assert refused.value.params["opens"] == (NOW.date() - timedelta(days=1)).isoformat()
    assert _volunteers(open_site) == []


def test_a_site_without_dates_or_quotas_is_not_open(world: World) -> None:
    form = uc.registration_form(world.db, SITE, "en")
    assert form.state(NOW.date()) == "not_ready" and form.questions == ()
    uc.set_quotas(world.db, world.partner, SITE, quotas_for())
    form = uc.registration_form(world.db, SITE, "en")
    assert form.state(NOW.date()) == "unset"
    assert [q.criterion for q in form.questions] == ["gender", "age", "region"]
    assert form.questions[1].options == (("16-34", "16-34"), ("35-59", "35-59"), ("60+", "60+"))
    with pytest.raises(KleroError) as refused:
        _sign_up(world, "x@example.org")
    assert refused.value.code == "registration_unset"


def test_missing_answer_contact_and_consent_are_all_named(open_site: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        uc.register_online(
            open_site.db,
            SITE,
            {"gender": "female", "age": "not an option"},
            {"name": "Awa"},
            lang="en",
            consent=False,
            client="203.0.113.7",
            now=NOW,
        )
    codes = [(p.code, p.params) for p in refused.value.problems]
    assert codes == [
        ("registration_answer_missing", {"criterion": "age"}),
        ("registration_answer_missing", {"criterion": "region"}),
        ("registration_contact_missing", {}),
        ("registration_consent_missing", {}),
    ]
    assert _volunteers(open_site) == []


def test_unknown_site_is_named(world: World) -> None:
    with pytest.raises(KleroError) as refused:
        uc.registration_form(world.db, "XX-nowhere", "en")
    assert refused.value.code == "site_not_found"


def test_consent_texts_per_language_and_dates_are_the_partner_s(open_site: World) -> None:
    db, partner = open_site.db, open_site.partner
    uc.set_consent_text(db, partner, SITE, "fr", "  J'accepte d'être contacté.  ")
    uc.set_consent_text(db, partner, SITE, "es", "Acepto.")
    assert uc.registration_form(db, SITE, "fr").consent == "J'accepte d'être contacté."
    assert uc.registration_form(db, SITE, "en").consent is None  # the default wording
    uc.set_consent_text(db, partner, SITE, "es", " ")  # blank: back to the default
    settings = uc.registration_settings(db, partner, SITE)
    assert settings.consents == {"fr": "J'accepte d'être contacté."}
    assert settings.languages == tuple(codes())  # the test site names no language
    with db.unit_of_work() as session:
        session.execute(update(Site).where(Site.code == SITE).values(languages=["fr-CA", "wo"]))
    assert uc.registration_settings(db, partner, SITE).languages == ("fr",)
    assert settings.opens == NOW.date() - timedelta(days=1)
    with pytest.raises(PermissionDenied):
        uc.set_consent_text(db, open_site.other_partner, SITE, "fr", "Autre")
    with pytest.raises(PermissionDenied):
        uc.set_registration_dates(db, open_site.coordinator, SITE, None, None)
    with pytest.raises(KleroError) as wrong:
        uc.set_registration_dates(db, partner, SITE, date(2027, 1, 2), date(2027, 1, 1))
    assert wrong.value.code == "registration_dates_order"
    with pytest.raises(InvalidInput):
        uc.set_consent_text(db, partner, SITE, "fr", "x" * 5001)
    uc.set_registration_dates(db, partner, SITE, None, None)
    assert uc.registration_form(db, SITE, "fr").state(NOW.date()) == "unset"
    with db.unit_of_work() as session:
        actions = session.execute(
            select(AuditEvent.action).where(
                AuditEvent.action.in_(["site.consent", "site.registration"])
            )
        ).scalars()
        assert sorted(actions) == ["site.consent"] * 3 + ["site.registration"] * 2


def test_paper_forms_in_a_batch_recognise_duplicates_and_mix_channels(open_site: World) -> None:
    _sign_up(open_site, "awa@example.org")
    forms = [
        uc.Person("F-001", ANSWERS, {"name": "Ama", "phone": "+233 20 000 0001"}),
        uc.Person("F-002", {**ANSWERS, "gender": "male"}, {"phone": "+233 20 000 0002"}),
        uc.Person("F-003", ANSWERS, {"email": "awa@example.org"}),  # signed up online already
        uc.Person("F-004", ANSWERS, {"phone": "00233 20 000 0001"}),  # F-001 again
    ]
    report = uc.register_people(open_site.db, open_site.partner, SITE, forms, channel="paper")
    assert len(report.added) == 2 and report.skipped == 2
    assert sorted(p.code for p in report.problems) == [
        "pool_import_duplicate_email",
        "pool_import_duplicate_phone",
    ]
    mix = uc.channel_mix(open_site.db, open_site.partner, SITE)
    totals = mix[mix.criterion == ""].set_index("channel")["count"].to_dict()
    assert totals == {"online": 1, "paper": 2}
    paper_gender = mix[(mix.channel == "paper") & (mix.criterion == "gender")]
    assert dict(zip(paper_gender.category, paper_gender["count"], strict=True)) == {
        "female": 1,
        "male": 1,
    }


def test_the_cli_opens_registration_and_sets_consent(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from klero.app import main

    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_USER", "alice")
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    consent = tmp_path / "consent-fr.txt"
    consent.write_text("J'accepte d'être contacté.\n", "utf-8")
    site = ["--site", SITE]
    assert (
        main(["site", "registration", *site, "--opens", "2027-01-04", "--closes", "2027-02-28"])
        == 0
    )
    assert main(["site", "consent", *site, "--lang", "fr", "--file", str(consent)]) == 0
    assert (
        main(["site", "registration", *site, "--opens", "2027-03-01", "--closes", "2027-02-01"])
        == 2
    )
    out = capsys.readouterr()
    assert "from 2027-01-04 to 2027-02-28" in out.out and "saved (26 characters)" in out.out
    assert "before the opening date" in out.err + out.out
    form = uc.registration_form(world.db, SITE, "fr")
    assert (form.opens, form.closes) == (date(2027, 1, 4), date(2027, 2, 28))
    assert form.consent == "J'accepte d'être contacté."
    monkeypatch.setenv("KLERO_USER", "bob")  # another organisation's partner
    assert main(["site", "registration", *site, "--close"]) == 4
