"""The panel page after replacements: only open drop-outs offered, who replaces whom shown."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from recruitment import dashboard_support as support
from recruitment import usecases as uc
from tests.dashboard.conftest import DemoDb, open_page, signed_in
from tests.dashboard.test_flows import SITE, _record, service, texts


def _seats(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value.set_index("Pseudonym")


def _replace_through_the_page(at: AppTest, dropped: str) -> str:
    """Suggest a replacement for ``dropped``, check the label, invite; return the newcomer."""
    at.multiselect(key="panel_dropped").select(dropped).run()
    at.button(key="panel_suggest").click().run()
    assert not at.exception, [e.value for e in at.exception]
    suggestion = at.dataframe[-1].value
    (newcomer,) = suggestion["Alternate"].tolist()
    assert suggestion["Replaces"].tolist() == [dropped]
    at.button(key="panel_invite").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return str(newcomer)


def test_two_declined_one_replaced_then_a_chain_on_the_panel_page(own_db: DemoDb) -> None:
    with service(own_db, "partner-fr") as (database, partner):
        details = support.run_details(database, partner, SITE)
        assert details is not None
        first, second = (str(p) for p in details.panel["pseudonym"].iloc[:2])
        for person in (first, second):
            uc.record_seat_status(database, partner, details.run_id, person, "declined")
        done = uc.replace_dropouts(database, partner, details.run_id, [first])
        (replacement,) = [str(a["pseudonym"]) for a in done.added]

    at = open_page(signed_in(own_db, "partner-fr"), "panel", SITE)
    assert not at.exception, [e.value for e in at.exception]
    # Only the seat nobody fills yet is offered, and the table says who replaces whom.
    assert at.multiselect(key="panel_dropped").options == [second]
    assert (at.metric[2].label, at.metric[2].value) == ("Empty seats", "1")
    seats = _seats(at)
    assert seats.loc[first, "Replaced by"] == replacement and seats.loc[first, "Replaces"] == ""
    assert seats.loc[replacement, "Replaces"] == first
    assert seats.loc[second, "Replaced by"] == ""

    newcomer = _replace_through_the_page(at, second)
    seats = _seats(at)
    assert seats.loc[newcomer, "Replaces"] == second
    assert seats.loc[second, "Replaced by"] == newcomer
    assert seats.loc[first, "Replaced by"] == replacement
    assert "Every seat is filled" in texts(at)

    # The newcomer drops out in turn: their seat is offered, and refilled.
    _record(at, newcomer, "declined")
    assert at.multiselect(key="panel_dropped").options == [newcomer]
    third = _replace_through_the_page(at, newcomer)
    seats = _seats(at)
    assert seats.loc[third, "Replaces"] == newcomer
    assert list(seats.loc[newcomer, ["Replaces", "Replaced by"]]) == [second, third]
    with service(own_db, "partner-fr") as (database, partner):
        status = uc.panel_status(database, partner, SITE)
        assert status.open_dropouts == [] and status.vacancies == 0
        assert {(r["pseudonym"], r["replaces"]) for r in status.replacements} == {
            (replacement, first),
            (newcomer, second),
            (third, newcomer),
        }
