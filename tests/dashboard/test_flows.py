"""Whole jobs through the dashboard in AppTest: uploads, downloads, panel statuses, re-runs.

Each test drives the real app (``dashboard/app.py``) on a copy of the demo database and
checks the result through the use cases or the database, not only on the page. A download
button's data is read from the media store AppTest gives each run (``_Downloads``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module
from sqlalchemy import func, select
from streamlit.runtime.memory_media_file_storage import MemoryFile, MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from quotas.balance import balance_table
from recruitment import dashboard_support as support
from recruitment import usecases as uc
from recruitment.db import Database, open_database
from recruitment.models import AuditEvent, PanelSeat, SelectionRun, Site, Volunteer
from recruitment.permissions import Actor
from synthetic_data import generate_pool
from tests.dashboard.conftest import DemoDb, open_page, shown, signed_in
from tests.dashboard.test_app import _short_category

SITE = "FR-lyon"  # the demo site with a selection run (5 alternates)


class _Downloads:
    """The media stores AppTest creates, one per run, so a download's bytes can be read."""

    def __init__(self) -> None:
        self.stores: list[MemoryMediaFileStorage] = []

    def data(self, at: AppTest, key: str) -> MemoryFile:
        """What the download button ``key`` of the last run would give the browser."""
        url = at.get_by_key(key).proto.url
        assert url, f"download button {key!r} carries no file"
        return self.stores[-1].get_file(url.rsplit("/", 1)[-1])


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> _Downloads:
    kept = _Downloads()

    class KeptStorage(MemoryMediaFileStorage):
        def __init__(self, media_endpoint: str) -> None:
            super().__init__(media_endpoint)
            kept.stores.append(self)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", KeptStorage)
    return kept


@contextmanager
def service(db: DemoDb, login: str) -> Iterator[tuple[Database, Actor]]:
    """The database the app uses and ``login`` signed in to it, for checks outside the app."""
    database = open_database(f"sqlite:///{db.path}")
    try:
        yield database, uc.authenticate(database, login, db.password(login))
    finally:
        database.dispose()


def events(database: Database, action: str) -> list[AuditEvent]:
    with database.unit_of_work() as session:
        found = session.execute(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).scalars()
        return list(found)


def texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "error", "info", "success", "warning")
        for e in getattr(at, kind)
    ]
    return "\n".join(shown(p) for p in parts)


def pool_count(database: Database, site: str) -> int:
    with database.unit_of_work() as session:
        return int(
            session.execute(
                select(func.count(Volunteer.id))
                .join(Site, Site.id == Volunteer.site_id)
                .where(Site.code == site)
            ).scalar_one()
        )


# -- (a) uploading a pool ---------------------------------------------------------------


def _pool_csv(size: int, seed: int) -> pd.DataFrame:
    frame = generate_pool("FR", size, seed).drop(columns=["household"])
    return frame.assign(id="U-" + frame["id"])


def test_partner_uploads_a_pool_file_and_it_is_stored(own_db: DemoDb) -> None:
    frame = _pool_csv(12, 41)
    at = open_page(signed_in(own_db, "partner-fr"), "pool", "FR-lille")
    before = int(at.metric[0].value.replace(",", ""))
    upload = frame.to_csv(index=False).encode("utf-8")
    at.file_uploader(key="pool_file").set_value(("new-volunteers.csv", upload, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="pool_import_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value.startswith("Imported: 12 added, 0 already known") for s in at.success)
    at.run()
    assert int(at.metric[0].value.replace(",", "")) == before + 12
    with service(own_db, "partner-fr") as (database, partner):
        assert pool_count(database, "FR-lille") == before + 12
        event = events(database, "pool.import")[-1]
        assert (event.actor, event.entity_id) == ("partner-fr", "FR-lille")
        assert event.after is not None
        assert (event.after["source"], len(event.after["added"])) == ("new-volunteers.csv", 12)
        # Contact columns were stored apart (encrypted), not as features of the pool.
        view = support.site_pool(database, partner, "FR-lille")
        assert not {"email", "name", "phone"} & set(view.people.columns)


def test_a_bad_pool_file_is_refused_with_row_numbers_and_nothing_saved(own_db: DemoDb) -> None:
    frame = _pool_csv(8, 42)
    frame.loc[2, "gender"] = "femal"  # file row 4 (after the header)
    frame.loc[5, "id"] = frame["id"][1]  # file rows 3 and 7 share an id
    frame.loc[6, "age"] = ""  # file row 8
    with service(own_db, "partner-fr") as (database, _):
        stored = pool_count(database, "FR-lille")
        imports = len(events(database, "pool.import"))
    at = open_page(signed_in(own_db, "partner-fr"), "pool", "FR-lille")
    bad = frame.to_csv(index=False).encode("utf-8")
    at.file_uploader(key="pool_file").set_value(("bad.csv", bad, "text/csv")).run()
    at.button(key="pool_import_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [
        "The file was not imported: 3 problem(s) to fix, listed below."
    ]
    # The refusal, below the classification (the channels' table comes after it).
    report = next(d.value for d in reversed(at.dataframe) if "What to do" in d.value.columns)
    messages = report["What to do"].tolist()
    assert report["Severity"].tolist() == ["error"] * 3
    assert sorted(report["Code"]) == ["pool_blank_value", "pool_duplicate_id", "pool_unknown_value"]
    row_of = dict(zip(report["Code"], messages, strict=True))
    assert row_of["pool_unknown_value"].startswith("Row 4: gender = 'femal'")
    assert "did you mean 'female'?" in row_of["pool_unknown_value"]
    assert row_of["pool_duplicate_id"].startswith("Row 3:")
    assert "rows 3, 7" in row_of["pool_duplicate_id"]
    assert row_of["pool_blank_value"].startswith("Row 8: age is blank")
    with service(own_db, "partner-fr") as (database, _):
        assert pool_count(database, "FR-lille") == stored
        assert len(events(database, "pool.import")) == imports


# -- (b) downloads -----------------------------------------------------------------------


def test_representativeness_report_downloads_hold_the_sites_balance(
    shared_db: DemoDb, downloads: _Downloads
) -> None:
    at = open_page(signed_in(shared_db, "coordinator"), "balance", SITE)
    assert not at.exception, [e.value for e in at.exception]
    csv = downloads.data(at, "balance_csv")
    assert (csv.filename, csv.mimetype) == ("representativeness.csv", "text/csv")
    table = pd.read_csv(io.BytesIO(csv.content), keep_default_na=False)
    with service(shared_db, "coordinator") as (database, coordinator):
        details = support.run_details(database, coordinator, SITE)
    assert details is not None
    panel = details.panel.set_index("pseudonym")[list(details.quotas.features)]
    expected = balance_table(panel, details.quotas, pool=details.pool)
    assert list(zip(table["feature"], table["value"], strict=True)) == list(
        zip(expected["feature"], expected["value"], strict=True)
    )
    assert table["count"].tolist() == expected["count"].tolist()
    assert int(table["count"].sum()) == details.size * len(details.quotas.features)
    assert table["share"].round(6).tolist() == expected["share"].round(6).tolist()
    assert table["pool_count"].tolist() == expected["pool_count"].tolist()
    page = downloads.data(at, "balance_html")
    assert (page.filename, page.mimetype) == ("representativeness.html", "text/html")
    html = page.content.decode("utf-8")
    assert "<title>Representativeness: FR-lyon</title>" in html, html[:300]
    balance, provenance = html.split("<h2>")
    assert balance.count("<tr>") == len(expected) + 1  # a header row and one row per category
    # Where the numbers come from: the run, its seed or number, engine and input hash.
    seed = "" if details.seed is None else str(details.seed)
    facts = [SITE, str(details.run_id), details.algorithm, seed, details.engine]
    assert all(f"<td>{fact}</td>" in provenance for fact in facts), provenance
    assert f"<td>{details.input_sha256}</td>" in provenance and details.engine in provenance
    first = expected.iloc[0]
    share = f"{100 * first['share']:.1f}%"
    assert f"<td>{first['feature']}</td><td>{first['value']}</td>" in html
    assert share in html


def test_report_download_is_in_the_users_language(shared_db: DemoDb, downloads: _Downloads) -> None:
    at = open_page(signed_in(shared_db, "coordinator", lang="fr"), "balance", SITE)
    html = downloads.data(at, "balance_html").content.decode("utf-8")
    assert "<title>Représentativité : FR-lyon</title>" in html
    assert "<th>Critère</th>" in html
    assert "\u00a0%" in html  # French percent style (CLDR)


def _export(at: AppTest, downloads: _Downloads) -> tuple[str, pd.DataFrame, str]:
    at.button(key="panel_export").click().run()
    assert not at.exception, [e.value for e in at.exception]
    data = downloads.data(at, "panel_download")
    text = data.content.decode("utf-8")
    return str(data.filename), pd.read_csv(io.StringIO(text), keep_default_na=False), text


def _download(at: AppTest) -> None:
    at.download_button(key="panel_download").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_panel_export_has_contacts_only_for_the_sites_partner(
    own_db: DemoDb, downloads: _Downloads
) -> None:
    with service(own_db, "partner-fr") as (database, partner):
        details = support.run_details(database, partner, SITE)
    assert details is not None
    seats = sorted(details.seats["pseudonym"])

    at = open_page(signed_in(own_db, "partner-fr"), "panel", SITE)
    assert "contact details" in texts(at)
    name, frame, _ = _export(at, downloads)
    with service(own_db, "admin") as (database, _):
        assert events(database, "panel.export") == []  # prepared, not yet handed over
    _download(at)
    assert name == f"panel-{SITE}-run{details.run_id}.csv"
    assert sorted(frame["pseudonym"]) == seats
    assert (frame["kind"] == "selected").sum() == details.size
    contacts = [c for c in frame.columns if c.startswith("contact:")]
    assert {"contact:email", "contact:name", "contact:phone"} <= set(contacts)
    assert frame["contact:email"].str.contains("@").all()
    assert frame["external_id"].str.startswith("FR-V").all()

    at = open_page(signed_in(own_db, "coordinator"), "panel", SITE)
    name, frame, text = _export(at, downloads)
    _download(at)
    assert sorted(frame["pseudonym"]) == seats
    assert not [c for c in frame.columns if c.startswith("contact:") or c == "external_id"]
    assert "@" not in text

    # Another country's partner cannot even choose the site.
    other = signed_in(own_db, "partner-ke")
    assert [o for o in other.selectbox(key="site").options if o.startswith(SITE)] == []

    with service(own_db, "admin") as (database, _):
        exports = events(database, "panel.export")
    assert [(e.actor, e.after and e.after["with_contacts"]) for e in exports] == [
        ("partner-fr", True),
        ("coordinator", False),
    ]


# -- (c) panel statuses and a replacement ------------------------------------------------


def _record(at: AppTest, person: str, status: str) -> None:
    at.selectbox(key="panel_person").select(person).run()
    at.selectbox(key="panel_new").select(status).run()
    at.button(key="panel_record").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_status_changes_persist_are_audited_and_a_drop_out_is_replaced(own_db: DemoDb) -> None:
    with service(own_db, "partner-fr") as (database, partner):
        details = support.run_details(database, partner, SITE)
        assert details is not None
        person = str(details.panel["pseudonym"].iloc[3])
        open_alternates = details.alternates["pseudonym"].tolist()

    at = open_page(signed_in(own_db, "partner-fr"), "panel", SITE)
    for status in ("invited", "confirmed", "declined"):
        _record(at, person, status)
    # A declined seat is final: the page offers no further status for it.
    at.selectbox(key="panel_person").select(person).run()
    assert "Status declined is final." in texts(at)
    assert not [s for s in at.selectbox if s.key == "panel_new"]

    with service(own_db, "partner-fr") as (database, partner):
        after = support.run_details(database, partner, SITE)
        assert after is not None
        statuses = dict(zip(after.seats["pseudonym"], after.seats["status"], strict=True))
        assert statuses[person] == "declined"
        trail = [e for e in events(database, "seat.status") if person in str(e.entity_id)]
        assert [(e.before, e.after) for e in trail] == [
            ({"status": "selected"}, {"status": "invited"}),
            ({"status": "invited"}, {"status": "confirmed"}),
            ({"status": "confirmed"}, {"status": "declined"}),
        ], [(e.entity_id, e.before, e.after) for e in trail]
        assert {e.actor for e in trail} == {"partner-fr"}

    # Replace the drop-out from the alternates, through the page.
    at.multiselect(key="panel_dropped").select(person).run()
    at.button(key="panel_suggest").click().run()
    assert not at.exception, [e.value for e in at.exception]
    suggestion = at.dataframe[-1].value
    (newcomer,) = suggestion["Alternate"].tolist()
    assert newcomer in open_alternates
    assert suggestion["Replaces"].tolist() == [person]
    assert suggestion["Why"].iloc[0].startswith(f"replaces {person} (")
    at.button(key="panel_invite").click().run()
    assert not at.exception, [e.value for e in at.exception]

    with service(own_db, "partner-fr") as (database, partner):
        after = support.run_details(database, partner, SITE)
        assert after is not None
        statuses = dict(zip(after.seats["pseudonym"], after.seats["status"], strict=True))
        assert statuses[newcomer] == "invited" and statuses[person] == "declined"
        (replaced,) = events(database, "panel.replaced")
        assert replaced.after is not None
        (added,) = replaced.after["added"]
        assert (added["pseudonym"], added["replaces"]) == (newcomer, person)
        assert added["reason_code"].startswith("replace_reason_")
    # The page shows the new state: the newcomer invited, no seat left to refill.
    assert "Every seat is filled" in texts(at)
    assert not [m for m in at.multiselect if m.key == "panel_dropped"]
    shown = at.dataframe[0].value
    assert shown.set_index("Pseudonym").loc[newcomer, "Status"] == "invited"


def test_a_french_partner_sees_replacement_reasons_in_french(own_db: DemoDb) -> None:
    with service(own_db, "partner-fr") as (database, partner):
        details = support.run_details(database, partner, SITE)
        assert details is not None
        person = str(details.panel["pseudonym"].iloc[0])
        uc.record_seat_status(database, partner, details.run_id, person, "declined")
        english = support.suggest_replacement(database, partner, details.run_id, [person])
    at = open_page(signed_in(own_db, "partner-fr", lang="fr"), "panel", SITE)
    at.multiselect(key="panel_dropped").select(person).run()
    at.button(key="panel_suggest").click().run()
    assert not at.exception, [e.value for e in at.exception]
    suggestion = at.dataframe[-1].value
    (reason,) = suggestion[suggestion.columns[-1]].tolist()
    (added,) = english.added
    assert reason == added.why.text("fr")
    assert reason.startswith(f"remplace {person} (")
    assert reason != added.reason and "replaces" not in reason
    assert any(word in reason for word in ("rétablit", "occupe le siège"))


# -- (d) an evaluator re-runs a selection ------------------------------------------------


def _rerun(at: AppTest) -> AppTest:
    open_page(at, "audit", SITE)
    at.button(key="audit_rerun").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_evaluator_reruns_a_selection_and_sees_it_match(own_db: DemoDb) -> None:
    at = _rerun(signed_in(own_db, "evaluator"))
    with service(own_db, "evaluator") as (database, evaluator):
        details = support.run_details(database, evaluator, SITE)
        assert details is not None
        (event,) = events(database, "selection.rerun")
    assert [s.value for s in at.success] == [
        f"Run {details.run_id} re-run: the same inputs (SHA-256 {details.input_sha256}) gave "
        f"the same lottery number ({details.lottery_index}) and the same panel of "
        f"{details.size}."
    ]
    assert event.actor == "evaluator" and event.after is not None
    assert event.after["same_panel"] and event.after["same_inputs"]


def test_a_tampered_panel_does_not_match_on_re_run(own_db: DemoDb) -> None:
    with service(own_db, "evaluator") as (database, evaluator):
        details = support.run_details(database, evaluator, SITE)
        assert details is not None
        outsider = next(p for p in details.pool.index if p not in set(details.seats["pseudonym"]))
        with database.unit_of_work() as session:  # someone edits the recorded panel
            seat = session.execute(
                select(PanelSeat)
                .join(SelectionRun, SelectionRun.id == PanelSeat.run_id)
                .where(PanelSeat.run_id == details.run_id, PanelSeat.kind == "selected")
                .order_by(PanelSeat.rank)
                .limit(1)
            ).scalar_one()
            seat.volunteer_id = session.execute(
                select(Volunteer.id).where(Volunteer.pseudonym == outsider)
            ).scalar_one()
    at = _rerun(signed_in(own_db, "evaluator"))
    assert not at.success
    (error,) = [e.value for e in at.error]
    assert error.startswith(f"Run {details.run_id} re-run gave a DIFFERENT result")
    assert "1 recorded member(s) not drawn again, 1 new" in error


def test_a_french_partner_sees_the_conflict_and_its_fix_in_french(own_db: DemoDb) -> None:
    feature, value, count, values = _short_category(own_db)
    at = signed_in(own_db, "partner-fr", lang="fr")
    open_page(at, "quotas", SITE)
    at.session_state["quotas_rows"] = pd.DataFrame(
        [
            {
                "feature": feature,
                "value": v,
                "min": count + 1 if v == value else 0,
                "max": 50,
                "target_share": None,
            }
            for v in values
        ]
    )
    at.radio(key="quotas_mode").set_value("edit").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at)
    assert f"Seules {count} personnes du vivier ont {feature} = {value}" in shown, shown
    assert f"baisser le minimum de {feature} = {value} de {count + 1} à " in shown
    assert "lower the minimum" not in shown and "must be selected" not in shown


def test_a_quota_on_a_personal_column_says_how_to_make_it_a_criterion(own_db: DemoDb) -> None:
    # The live check is the service's: the pool as a selection reads it, so a column held
    # only encrypted is named as such, not reported missing.
    at = signed_in(own_db, "partner-fr")
    open_page(at, "quotas", SITE)
    at.session_state["quotas_rows"] = pd.DataFrame(
        [
            {"feature": "city", "value": v, "min": 0, "max": 50, "target_share": None}
            for v in ("Lyon", "elsewhere")
        ]
    )
    at.radio(key="quotas_mode").set_value("edit").run()
    assert not at.exception, [e.value for e in at.exception]
    shown_text = texts(at)
    assert "only as encrypted personal data" in shown_text, shown_text
    assert f"klero pool classify --site {SITE} --feature-columns city" in shown_text
