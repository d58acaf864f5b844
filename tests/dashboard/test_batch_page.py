"""The Batch selection page: a coordinator starts a batch, sees its progress and outcomes."""

from __future__ import annotations

from sqlalchemy import select

from dashboard import batch_jobs
from recruitment.db import open_database
from recruitment.models import SelectionRun, Site
from tests.dashboard.conftest import DemoDb, open_page, signed_in


def test_a_coordinator_selects_every_ready_site_from_the_page(own_db: DemoDb) -> None:
    at = open_page(signed_in(own_db, "coordinator"), "batch")
    assert not at.exception, at.exception
    assert any("No batch started" in i.value for i in at.info)
    at.number_input(key="batch_number").set_value(7)
    at.number_input(key="batch_alternates").set_value(2)
    at.number_input(key="batch_workers").set_value(1)
    at.button(key="batch_go").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    job = batch_jobs.find(at.session_state["batch_job"])
    assert job is not None and job.login == "coordinator"
    assert job.thread is not None
    job.thread.join(timeout=300)
    assert job.report is not None, job.error
    at.run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    outcomes = dict(zip(table["Site"], table["Outcome"], strict=True))
    assert outcomes["FR-lyon"] == "skipped"  # the demo's run
    assert "selected" in outcomes.values()
    assert at.success or at.warning  # the summary line
    database = open_database(f"sqlite:///{own_db.path}")
    try:
        with database.unit_of_work() as session:
            runs = session.execute(
                select(Site.code, SelectionRun.started_by, SelectionRun.settings).join(
                    Site, Site.id == SelectionRun.site_id
                )
            ).all()
    finally:
        database.dispose()
    batch = [(code, by) for code, by, settings in runs if "batch" in settings]
    assert len(batch) == sum(o in ("selected", "infeasible") for o in outcomes.values())
    assert {by for _, by in batch} == {"coordinator"}


def test_the_batch_page_runs_end_to_end_on_each_site_s_margins(own_db: DemoDb) -> None:
    at = open_page(signed_in(own_db, "coordinator"), "batch")
    at.number_input(key="batch_number").set_value(11)
    at.number_input(key="batch_workers").set_value(1)
    at.checkbox(key="batch_end_to_end").check()
    at.button(key="batch_go").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    job = batch_jobs.find(at.session_state["batch_job"])
    assert job is not None and job.thread is not None
    job.thread.join(timeout=300)
    assert job.report is not None, job.error
    started = [o for o in job.report.outcomes if o.status == "selected"]
    # the demo's quotas come from census margins: no site lacks them
    codes = {o.error_code for o in job.report.outcomes}
    assert started and "end_to_end_margins_missing" not in codes
    database = open_database(f"sqlite:///{own_db.path}")
    try:
        with database.unit_of_work() as session:
            for outcome in started:
                run = session.get(SelectionRun, outcome.run_id)
                assert run is not None and run.settings["batch"]["end_to_end"] == "site margins"
                assert run.settings["end_to_end"]["margins"]  # the site's, recorded
    finally:
        database.dispose()
