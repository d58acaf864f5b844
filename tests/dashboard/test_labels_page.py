"""Labels of criteria and categories on the dashboard: the editor and the reader's language."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

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


def _labelled(at: AppTest) -> list[tuple[set[str], set[str]]]:
    """The headings and cells of each table showing the label ``Femme`` (but the label
    table itself, which lists codes and their labels)."""
    found = []
    for frame in (e.value for e in at.dataframe):
        cells = {str(v) for column in frame.columns for v in frame[column]}
        if "Femme" in cells and "Libellé" not in frame.columns:
            found.append(({str(c) for c in frame.columns}, cells))
    return found


def test_tables_of_sites_selection_panel_and_quotas_read_labels(own_db: DemoDb) -> None:
    """Criteria and categories by their labels on the remaining tables (files and the
    quota editor keep the codes)."""
    with service(own_db, "coordinator") as (database, coordinator):
        (deliberation,) = {s.deliberation for s in uc.list_sites(database, coordinator)}
        rows = [LabelRow("gender", "", "fr", "Genre"), LabelRow("gender", "female", "fr", "Femme")]
        uc.set_labels(database, coordinator, deliberation, rows)
    at = signed_in(own_db, "partner-fr", lang="fr")
    for page in ("selection", "panel", "quotas"):
        open_page(at, page, SITE)
        assert not at.exception, (page, [e.value for e in at.exception])
        tables = _labelled(at)
        assert tables, page
        for columns, cells in tables:
            assert "female" not in cells and "gender" not in columns, page
            assert "Genre" in (columns if page != "quotas" else cells), page
    at = open_page(signed_in(own_db, "coordinator", lang="fr"), "sites")
    assert not at.exception, [e.value for e in at.exception]
    assert _labelled(at)  # the detail of the chosen sites: criterion and category
    grid = [e.value for e in at.dataframe if any("Femme" in str(c) for c in e.value.columns)]
    assert grid and "Genre = Femme" in grid[0].columns, [e.value.columns for e in at.dataframe]
