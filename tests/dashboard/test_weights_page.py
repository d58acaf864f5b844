"""The Weights & balance page: a site's weights, their figures and download, balance tests."""

from __future__ import annotations

from tests.dashboard.conftest import DemoDb, open_page, signed_in


def test_the_evaluator_sees_weights_and_balance_tests(shared_db: DemoDb) -> None:
    at = open_page(signed_in(shared_db, "evaluator"), "weights", "FR-lyon")
    assert not at.exception and not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) == {
        "People",
        "Largest weight",
        "Design effect (Kish)",
        "Effective sample size",
    }
    weights = at.dataframe[0].value
    assert {"Census target", "Panel", "Weighted panel"} <= set(weights.columns)
    tests = at.dataframe[1].value
    assert {"p-value", "Test", "Distance (TVD)"} <= set(tests.columns)
    assert any("Wilson score" in c.value for c in at.caption)
    labels = [getattr(b, "label", None) for b in at.get("download_button")]
    assert "Download the weights (CSV: id, weight)" in labels
    everything = at.multiselect(key="weights_criteria").value
    assert len(everything) >= 3 and set(weights["Criterion"]) == set(everything)
    at.multiselect(key="weights_criteria").set_value(everything[:1]).run()
    assert not at.error and set(at.dataframe[0].value["Criterion"]) == {everything[0]}
    # Nobody is recorded as having attended yet: the page says what to do.
    at.radio(key="weights_group").set_value("attendees").run()
    assert [e.value for e in at.error] and "attended" in at.error[0].value
    assert not at.exception
    at.radio(key="weights_group").set_value("panel").run()
    at.selectbox(key="lang").select("fr").run()
    assert at.title[0].value.startswith("Pondérations et équilibre") and not at.error
    assert "Tests d'équilibre" in at.subheader[0].value
