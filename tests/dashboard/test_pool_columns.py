"""The pool upload shows how each column will be stored, lets the partner change it, and obeys."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from recruitment import dashboard_support as support
from recruitment.models import Volunteer, VolunteerContact
from recruitment.security import Secrets
from synthetic_data import generate_pool
from tests.dashboard.conftest import DemoDb, open_page, signed_in
from tests.dashboard.test_flows import service

SITE = "FR-lille"


def _upload(own_db: DemoDb) -> tuple[AppTest, pd.DataFrame]:
    frame = generate_pool("FR", 12, 43).drop(columns=["household"])
    frame = frame.rename(columns={"name": "nom complet", "email": "courriel", "phone": "portable"})
    frame = frame.assign(id="W-" + frame["id"], vague="v2", remarque="rappeler le soir")
    at = open_page(signed_in(own_db, "partner-fr"), "pool", SITE)
    data = frame.to_csv(index=False).encode("utf-8")
    at.file_uploader(key="pool_file").set_value(("vague-2.csv", data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at, frame


def test_the_partner_sees_each_columns_role_changes_one_and_the_import_obeys(
    own_db: DemoDb,
) -> None:
    at, frame = _upload(own_db)
    [editor] = at.data_editor
    shown = editor.value.set_index("Column")
    assert shown.loc["gender", "Role"] == "criterion"
    assert shown.loc["gender", "Why"] == "used by the site's quotas"
    assert shown.loc["literacy", "Why"] == "a criterion of the deliberation"
    assert (shown.loc["courriel", "Role"], shown.loc["courriel", "Why"]) == (
        "contact (personal)",
        "recognised (e-mail)",
    )
    assert shown.loc["street_address", "Role"] == "address (personal, household)"
    assert shown.loc["vague", "Role"] == "personal"
    assert "id" not in shown.index  # fixed: shown above the table
    assert "id: id" in " ".join(c.value for c in at.caption)
    row = list(editor.value["Column"]).index("vague")
    at.session_state["pool_roles"] = {
        "edited_rows": {row: {"Role": "attribute (not personal)"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="pool_import_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value.startswith("Imported: 12 added") for s in at.success)
    secrets = Secrets.load()
    with service(own_db, "partner-fr") as (database, _), database.unit_of_work() as session:
        volunteer = session.execute(
            select(Volunteer).where(Volunteer.external_id == frame.loc[0, "id"])
        ).scalar_one()
        contact = session.get(VolunteerContact, volunteer.id)
        assert contact is not None
        details = secrets.decrypt(contact.ciphertext)
        assert volunteer.attributes == {"vague": "v2"}
        assert "literacy" in volunteer.features and "courriel" not in volunteer.features
        assert details["remarque"] == "rappeler le soir"
        assert details["courriel"] == frame.loc[0, "courriel"]
    with service(own_db, "coordinator") as (database, coordinator):
        view = support.site_pool(database, coordinator, SITE)
        assert "vague" in view.people and "remarque" not in view.people
        assert not {"nom complet", "courriel", "portable", "street_address"} & set(view.people)


def test_the_coordinators_pool_page_shows_no_personal_column(own_db: DemoDb) -> None:
    at, frame = _upload(own_db)
    at.button(key="pool_import_go").click().run()
    at = open_page(signed_in(own_db, "coordinator"), "pool", SITE)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.file_uploader  # no upload for coordinators
    page = " ".join(str(e.value) for kind in ("markdown", "caption") for e in getattr(at, kind))
    for value in (frame["courriel"][0], frame["nom complet"][0], "rappeler le soir"):
        assert value not in page
