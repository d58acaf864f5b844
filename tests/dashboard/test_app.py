"""The dashboard in Streamlit's AppTest: sign-in, pages per role, languages, quotas, selection."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import create_engine, select, text
from streamlit.testing.v1 import AppTest

from dashboard.ui import PAGES as ROLE_PAGES
from quotas.model import quota_table
from recruitment import dashboard_support as support
from recruitment import usecases as uc
from recruitment.db import open_database
from recruitment.models import AuditEvent, SelectionRun
from tests.dashboard.conftest import APP, PAGES, DemoDb, open_page, shown, signed_in

LOGINS = {
    "partner": "partner-fr",
    "coordinator": "coordinator",
    "evaluator": "evaluator",
    "admin": "admin",
}
TITLES = {
    "sites": "Sites overview",
    "pool": "Volunteer pool",
    "quotas": "Criteria and quotas",
    "selection": "Selection",
    "batch": "Batch selection",
    "balance": "Representativeness",
    "weights": "Weights & balance",
    "panel": "Panel management",
    "audit": "Audit",
    "account": "My account",
}


def _texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "error", "info", "success", "warning")
        for e in getattr(at, kind)
    ]
    return "\n".join(shown(p) for p in parts)


def test_sign_in_fails_with_a_wrong_password(shared_db: DemoDb) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input(key="signin_login").input("partner-fr")
    at.text_input(key="signin_password").input("not the password")
    at.button(key="signin_submit").click().run()
    assert [e.value for e in at.error] == ["Sign-in failed: unknown login or wrong password."]
    assert "actor" not in at.session_state


def test_session_expires_after_idle_time(
    shared_db: DemoDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = signed_in(shared_db, "evaluator")
    at.session_state["last_seen"] = 0.0  # long ago
    at.run()
    assert "actor" not in at.session_state
    assert any("session expired" in i.value for i in at.info)


@pytest.mark.parametrize("role", sorted(LOGINS))
def test_each_allowed_page_renders_and_others_are_unreachable(shared_db: DemoDb, role: str) -> None:
    at = signed_in(shared_db, LOGINS[role])
    at.selectbox(key="site").select("FR-lyon")
    at.run()
    for page, (_, roles, _) in ROLE_PAGES.items():
        if role not in roles:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(PAGES[page])
            continue
        open_page(at, page)
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.title and at.title[0].value.startswith(TITLES[page]), page
        assert "not available for your role" not in _texts(at)
        assert not at.error, (page, [e.value for e in at.error])  # no use case refused


def test_partner_sees_only_own_sites(shared_db: DemoDb) -> None:
    at = signed_in(shared_db, "partner-ke")
    assert at.selectbox(key="site").options == ["KE-nairobi · Nairobi"]


def test_language_switch_changes_labels(shared_db: DemoDb) -> None:
    at = signed_in(shared_db, "partner-fr", lang="fr")
    open_page(at, "pool", "FR-lyon")
    assert at.title[0].value.startswith("Vivier de volontaires")
    at.selectbox(key="lang").select("es").run()
    assert at.title[0].value.startswith("Grupo de voluntarios")
    assert at.button(key="signout").label == "Cerrar sesión"


def test_coordinator_overview_lists_every_site_with_a_score(shared_db: DemoDb) -> None:
    at = open_page(signed_in(shared_db, "coordinator"), "sites")
    table = at.dataframe[0].value
    assert table["Site"].tolist() == ["BR-recife", "FR-lille", "FR-lyon", "KE-nairobi"]
    scores = dict(zip(table["Site"], table["Representativeness score"], strict=True))
    assert scores["FR-lille"] == "–" and float(scores["FR-lyon"]) > 50


def _short_category(db: DemoDb) -> tuple[str, str, int, list[str]]:
    """A category of FR-lyon's pool with fewer people than the panel has seats."""
    database = uc.start(f"sqlite:///{db.path}")
    try:
        admin = uc.authenticate(database, "admin", db.password("admin"))
        view = support.site_pool(database, admin, "FR-lyon")
    finally:
        database.dispose()
    assert view.quotas is not None
    for feature in view.quotas.features:
        counts = view.people[feature].value_counts()
        for value, count in counts.items():
            if count < view.panel_size - 5:
                return feature, str(value), int(count), list(view.quotas.values(feature))
    raise AssertionError("no small category")


def test_infeasible_quotas_are_explained_with_a_relaxation(own_db: DemoDb) -> None:
    feature, value, count, values = _short_category(own_db)
    at = signed_in(own_db, "partner-fr")
    open_page(at, "quotas", "FR-lyon")
    quotas = pd.DataFrame(
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
    at.session_state["quotas_rows"] = quotas
    at.radio(key="quotas_mode").set_value("edit").run()
    texts = _texts(at)
    assert "No panel from this pool meets all these quotas." in texts
    assert f"Only {count} people in the pool have {feature} = {value}" in texts
    assert f"lower the minimum of {feature} = {value} from {count + 1} to " in texts, texts


def test_partner_runs_a_selection_and_sees_fairness(own_db: DemoDb) -> None:
    at = signed_in(own_db, "partner-fr")
    open_page(at, "selection", "FR-lille")
    assert any("No panel has been selected" in i.value for i in at.info)
    at.number_input(key="sel_number").set_value(7)
    at.slider(key="sel_dropout").set_value(30)
    at.button(key="sel_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.subheader[0].value.startswith("Latest panel (run ")
    assert [m.label for m in at.metric][:2] == [
        "Lowest probability (lottery)",
        "Equal share (seats / pool)",
    ]
    assert any(c.value.startswith("Optimum before rounding") for c in at.caption)
    assert len(at.dataframe[0].value) == 60  # FR-lille's panel size
    db = open_database(f"sqlite:///{own_db.path}")
    try:
        with db.unit_of_work() as session:
            run = (
                session.execute(select(SelectionRun).order_by(SelectionRun.id.desc()))
                .scalars()
                .first()
            )
            assert run is not None and run.settings["alternates_dropout"] == 0.3
    finally:
        db.dispose()


def test_partner_selects_end_to_end_on_the_sites_census_margins(own_db: DemoDb) -> None:
    at = signed_in(own_db, "partner-fr")
    open_page(at, "selection", "FR-lille")
    at.checkbox(key="sel_end_to_end").check()
    at.button(key="sel_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    end_to_end = [c.value for c in at.caption if c.value.startswith("End to end")]
    assert len(end_to_end) == 1 and "With plain LEXIMIN" in end_to_end[0]
    db = open_database(f"sqlite:///{own_db.path}")
    try:
        with db.unit_of_work() as session:
            run = (
                session.execute(select(SelectionRun).order_by(SelectionRun.id.desc()))
                .scalars()
                .first()
            )
            assert run is not None and run.settings["end_to_end"]["model"] == "margins"
            assert "gender" in run.settings["end_to_end"]["margins"]
    finally:
        db.dispose()


def test_assisted_registration_adds_a_volunteer(own_db: DemoDb) -> None:
    at = signed_in(own_db, "partner-fr")
    open_page(at, "pool", "FR-lyon")
    before = at.metric[0].value
    at.text_input(key="reg_id").input("walk-in-1")
    at.text_input(key="reg_x_region").input("Auvergne-Rhône-Alpes")
    at.text_input(key="reg_x_literacy").input("literate")
    at.checkbox(key="reg_consent").check()
    at.button(key="reg_go").click().run()
    assert any("1 added" in s.value for s in at.success), _texts(at)
    at.run()
    assert int(at.metric[0].value.replace(",", "")) == int(before.replace(",", "")) + 1


def test_evaluator_verifies_the_audit_trail(shared_db: DemoDb) -> None:
    at = open_page(signed_in(shared_db, "evaluator"), "audit")
    at.button(key="audit_verify").click().run()
    assert at.success and at.success[0].value.startswith("The audit trail is intact")
    assert len(at.dataframe[0].value) > 10


def test_evaluator_checks_published_anchors_and_sees_a_deleted_tail(own_db: DemoDb) -> None:
    at = open_page(signed_in(own_db, "evaluator"), "audit")
    anchor = at.code[0].value
    assert anchor.startswith("klero-audit-v1:")
    assert any("Publish this anchor" in c.value for c in at.caption), _texts(at)
    at.text_area(key="audit_anchors").input(f"# on the public page\n{anchor}\n")
    at.button(key="audit_check_anchors").click().run()
    assert "matches every published anchor (1)" in shown(at.success[0].value), _texts(at)

    at.text_area(key="audit_anchors").input("klero-audit-v1:12:abc")
    at.button(key="audit_check_anchors").click().run()
    assert "Line 1: 'klero-audit-v1:12:abc' is not an audit anchor" in shown(at.error[0].value)

    # Someone with database rights deletes the newest event: only the anchor shows it.
    sequence = int(anchor.split(":")[1])
    engine = create_engine(f"sqlite:///{own_db.path}")
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_event_no_delete"))
        connection.execute(text("DELETE FROM audit_event WHERE id = :n"), {"n": sequence})
    engine.dispose()
    at.button(key="audit_verify").click().run()
    assert at.success[0].value.startswith("The audit trail is intact")
    at.text_area(key="audit_anchors").input(anchor)
    at.button(key="audit_check_anchors").click().run()
    assert f"the events after #{sequence - 1} were deleted" in shown(at.error[0].value)


def test_anchor_problems_read_in_french(shared_db: DemoDb) -> None:
    at = open_page(signed_in(shared_db, "evaluator", lang="fr"), "audit")
    assert at.subheader[0].value == "Ancre à publier"
    at.text_area(key="audit_anchors").input("pas une ancre")
    at.button(key="audit_check_anchors").click().run()
    error = shown(at.error[0].value)
    assert error.startswith("Ligne 1 : 'pas une ancre' n'est pas une ancre d'audit")


def test_partner_replaces_a_drop_out_in_one_step(own_db: DemoDb) -> None:
    db = open_database(f"sqlite:///{own_db.path}")
    try:
        partner = uc.authenticate(db, "partner-fr", own_db.password("partner-fr"))
        details = support.run_details(db, partner, "FR-lyon")
        assert details is not None
        dropped = str(details.panel["pseudonym"].iloc[0])
        uc.record_seat_status(db, partner, details.run_id, dropped, "declined")
        at = open_page(signed_in(own_db, "partner-fr"), "panel", "FR-lyon")
        at.multiselect(key="panel_dropped").select(dropped).run()
        at.button(key="panel_suggest").click().run()
        assert not at.exception, [e.value for e in at.exception]
        at.button(key="panel_invite").click().run()
        assert not at.exception, [e.value for e in at.exception]
        after = support.run_details(db, partner, "FR-lyon")
        assert after is not None
        invited = after.alternates[after.alternates["status"] == "invited"]
        assert len(invited) == 1
        with db.unit_of_work() as session:
            events = session.execute(
                select(AuditEvent).where(AuditEvent.action == "panel.replaced")
            ).scalars()
            (event,) = list(events)
            assert event.after is not None
            assert [a["replaces"] for a in event.after["added"]] == [dropped]
    finally:
        db.dispose()


def test_pool_page_targets_are_shares_of_the_panel(own_db: DemoDb) -> None:
    """Quotas without target shares: the chart's target is the quota midpoint over the seats."""
    import pyarrow as pa

    database = uc.start(f"sqlite:///{own_db.path}")
    try:
        partner = uc.authenticate(database, "partner-fr", own_db.password("partner-fr"))
        current = uc.site_quotas(database, partner, "FR-lyon").table
        rows = current.to_frame()[["feature", "value", "min", "max"]].itertuples(index=False)
        table = quota_table([tuple(row) for row in rows])
        uc.set_quotas(database, partner, "FR-lyon", table)
        seats = support.site_pool(database, partner, "FR-lyon").panel_size
    finally:
        database.dispose()
    feature = table.features[0]
    expected = {
        value: (table.quota(feature, value).min + table.quota(feature, value).max) / 2 / seats
        for value in table.values(feature)
    }
    at = open_page(signed_in(own_db, "partner-fr"), "pool", "FR-lyon")
    assert not at.exception, [e.value for e in at.exception]
    chart = at.get("vega_lite_chart")[0].proto
    data = pa.ipc.open_stream(chart.datasets[0].data.data).read_pandas()
    target = data[data["series"] == "Census target"].set_index("value")["share"].to_dict()
    assert target == pytest.approx(expected)
