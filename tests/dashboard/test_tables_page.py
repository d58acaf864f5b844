"""The Tables page: a partner seats the panel and moves one person; a coordinator only looks."""

from __future__ import annotations

from tests.dashboard.conftest import DemoDb, open_page, signed_in

SITE = "FR-lyon"


def test_partner_seats_views_downloads_and_moves(own_db: DemoDb) -> None:
    at = open_page(signed_in(own_db, "partner-fr"), "tables", SITE)
    assert not at.exception, [e.value for e in at.exception]
    assert any("no table plan yet" in i.value for i in at.info)
    at.multiselect(key="tables_balance").set_value(["gender", "age"])
    at.number_input(key="tables_size").set_value(10)
    at.button(key="tables_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.metric[0].value == "5"
    plan = at.dataframe[0].value
    assert len(plan) == 5 and plan["Size"].sum() == 50
    person = at.selectbox(key="tables_person").options[0]
    at.selectbox(key="tables_to").set_value(5)
    at.button(key="tables_move").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("moved by hand once" in c.value for c in at.caption)
    assert person
    # the coordinator sees the plan (pseudonyms), without the controls
    at = open_page(signed_in(own_db, "coordinator"), "tables", SITE)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.dataframe) == 1 and at.metric[0].value == "5"
    assert not [b for b in at.button if b.key in ("tables_go", "tables_move")]
