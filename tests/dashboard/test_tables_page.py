"""The Tables page: a partner seats the panel and moves one person; a coordinator only looks."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

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


def _round_one(at: AppTest) -> dict[str, int]:
    """Each person's table in the round shown (round 1), from the page's plan (its last table)."""
    plan = at.dataframe[-1].value
    return {
        p: t
        for t, people in zip(plan["Table"], plan["People"], strict=True)
        for p in people.split(", ")
    }


def test_an_apart_file_separates_tablemates_and_a_bad_file_is_refused(own_db: DemoDb) -> None:
    at = open_page(signed_in(own_db, "partner-fr"), "tables", SITE)
    # the language and time-zone columns are chosen among the site's stored columns
    assert at.selectbox(key="tables_lang").options[:2] == ["None", "age"]
    assert "gender" in at.selectbox(key="tables_zone").options
    at.multiselect(key="tables_balance").set_value(["gender"])
    at.number_input(key="tables_size").set_value(10)
    at.number_input(key="tables_rounds").set_value(1)
    at.button(key="tables_go").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    before = _round_one(at)
    pair = sorted(p for p, t in before.items() if t == 1)[:2]
    # a file with the wrong columns: its problem, by code, and no new plan
    bad = b"team,person\nA," + pair[0].encode() + b"\n"
    at.file_uploader(key="tables_apart").set_value(("apart.csv", bad, "text/csv"))
    at.number_input(key="tables_seed").set_value(2)
    at.button(key="tables_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Nobody was seated: 1 problem(s)" in e.value for e in at.error)
    assert at.dataframe[0].value["Code"].tolist() == ["tables_file_columns"]
    assert _round_one(at) == before and any("moved by hand never" in c.value for c in at.caption)
    # the two who shared table 1 must not share one: the plan changes for them
    apart = f"group,id\nA,{pair[0]}\nA,{pair[1]}\n".encode()
    at.file_uploader(key="tables_apart").set_value(("apart.csv", apart, "text/csv"))
    at.number_input(key="tables_seed").set_value(1)
    at.button(key="tables_go").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    after = _round_one(at)
    assert set(after) == set(before) and after[pair[0]] != after[pair[1]]
