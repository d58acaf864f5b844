"""Labels of criteria and categories on the dashboard: the editor and the reader's language."""

from __future__ import annotations

from quotas.labels import LabelRow
from recruitment import usecases as uc
from tests.dashboard.conftest import DemoDb, open_page, signed_in
from tests.dashboard.test_flows import SITE, service


def test_pages_read_labels_in_the_reader_s_language(own_db: DemoDb) -> None:
    with service(own_db, "coordinator") as (database, coordinator):
        (deliberation,) = {s.deliberation for s in uc.list_sites(database, coordinator)}
        rows = [LabelRow("gender", "", "fr", "Genre"), LabelRow("gender", "female", "fr", "Femme")]
        uc.set_labels(database, coordinator, deliberation, rows)
    at = open_page(signed_in(own_db, "partner-fr", lang="fr"), "balance", SITE)
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    assert {"Genre", "Femme"} <= set(table["Critère"]) | set(table["Catégorie"])
    assert "female" not in set(table["Catégorie"]) and "male" in set(table["Catégorie"])
    # The Criteria & quotas page lists the labels, editable by the site's partner.
    open_page(at, "quotas")
    labels = [e for e in at.dataframe if "Libellé" in e.value.columns]
    assert labels and set(labels[0].value["Libellé"]) == {"Genre", "Femme"}
    assert at.button(key="labels_save").label == "Enregistrer les libellés"
