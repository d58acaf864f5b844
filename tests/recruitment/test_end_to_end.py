"""An end-to-end run at a site (and in a batch): the stored census margins, the record, the
re-run; a batch's sites without margins fail, the others go on."""

from __future__ import annotations

from pathlib import Path

import pytest

from klero.app import main
from quotas.problems import KleroError
from quotas.targets import Margins
from recruitment import usecases as uc
from recruitment.models import SelectionRun
from sampling import PropensityModel, SelectionSettings
from tests.recruitment.conftest import PASSWORD, SITE, World, quotas_for
from tests.recruitment.test_batch import DELIBERATION, SMALL, _add_site

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


def test_a_batch_runs_end_to_end_on_each_site_s_own_margins(
    ready: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    uc.set_quotas_from_margins(ready.db, ready.coordinator, SITE, MARGINS, tolerance_seats=3)
    _add_site(ready, tmp_path, "FR-paris", "FR", "Q", 120)
    uc.set_quotas(ready.db, ready.partner, "FR-paris", quotas_for(SMALL))  # typed: no margins
    settings = SelectionSettings(seed=9, end_to_end=PropensityModel({}))
    report = uc.run_batch(ready.db, ready.coordinator, DELIBERATION, settings)
    out = {o.site: o for o in report.outcomes}
    assert out[SITE].status == "selected" and report.exit_code == 3
    paris = out["FR-paris"]
    assert (paris.status, paris.run_id) == ("failed", None)  # not started, the others go on
    assert paris.message.code == "batch_site_no_margins"
    assert paris.error_code == "end_to_end_margins_missing" and "FR-paris" in str(paris.explanation)
    with ready.db.unit_of_work() as session:
        run = session.get(SelectionRun, out[SITE].run_id)
        assert run is not None and run.fairness is not None
        assert run.settings["batch"]["end_to_end"] == "site margins"
        assert run.settings["end_to_end"]["margins"]["region"] == {"north": 0.6, "south": 0.4}
        assert run.seed == uc.site_number(9, SITE) and "end_to_end_p95_p5" in run.fairness
    rerun = uc.rerun_selection(ready.db, ready.evaluator, out[SITE].run_id or 0)
    assert rerun.ok, rerun.message
    # The same from the command line; a margins file of its own is refused (each site's).
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    args = ["select", "--deliberation", DELIBERATION, "--all-ready", "--seed", "5"]
    common = ["--database-url", ready.db.url, "--user", "coord", "--workers", "1"]
    assert main([*args, "--end-to-end", *common]) == 3
    printed = capsys.readouterr().out
    assert "FR-paris" in printed and "census margins" in printed and "already selected" in printed
    margins = tmp_path / "margins.csv"
    margins.write_text("feature,value,share\ngender,female,0.5\ngender,male,0.5\n")
    with_file = [*args, "--end-to-end", "--population-margins", str(margins), *common]
    assert main(with_file) == 2
    assert "--population-margins" in capsys.readouterr().err
