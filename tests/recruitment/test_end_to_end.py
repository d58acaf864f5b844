"""An end-to-end run at a site: the stored census margins, the record, the re-run."""

from __future__ import annotations

import pytest

from quotas.problems import KleroError
from quotas.targets import Margins
from recruitment import usecases as uc
from recruitment.models import SelectionRun
from sampling import PropensityModel, SelectionSettings
from tests.recruitment.conftest import SITE, World

MARGINS = Margins(
    {
        "gender": {"female": 0.52, "male": 0.48},
        "age": {"16-34": 0.35, "35-59": 0.4, "60+": 0.25},
        "region": {"north": 0.6, "south": 0.4},
    }
)


def test_a_site_runs_end_to_end_on_its_stored_margins_and_reruns_alike(ready: World) -> None:
    settings = SelectionSettings(seed=5, end_to_end=PropensityModel({}))
    with pytest.raises(KleroError) as caught:  # quotas from a table: no census margins
        uc.run_selection(ready.db, ready.partner, SITE, settings)
    assert caught.value.code == "end_to_end_margins_missing"
    uc.set_quotas_from_margins(ready.db, ready.coordinator, SITE, MARGINS, tolerance_seats=3)
    summary = uc.run_selection(ready.db, ready.partner, SITE, settings)
    assert summary.end_to_end is not None and summary.end_to_end["model"] == "margins"
    assert summary.end_to_end["criteria"] == ["gender", "age", "region"]
    with ready.db.unit_of_work() as session:
        run = session.get(SelectionRun, summary.run_id)
        assert run is not None and run.fairness is not None
        recorded = run.settings["end_to_end"]
        assert recorded["margins"]["age"] == {"16-34": 0.35, "35-59": 0.4, "60+": 0.25}
        assert run.fairness["end_to_end_p95_p5"] <= run.fairness["leximin_p95_p5"]
    plain = uc.run_selection(ready.db, ready.partner, SITE, SelectionSettings(seed=5))
    assert plain.input_sha256 != summary.input_sha256
    report = uc.rerun_selection(ready.db, ready.evaluator, summary.run_id)
    assert report.ok, report.message
    assert report.rerun == sorted(summary.selected)
