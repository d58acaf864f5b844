"""Batches started from the dashboard, run in a background thread of the server process.

A batch takes minutes; a Streamlit script run must not: the page starts a ``BatchJob``
(``start``), which calls ``usecases.run_batch_on`` in a daemon thread, and each render reads
its progress (sites done, each site's outcome so far) until it ends. Jobs are kept per
server process (``find``); what a batch did is in the database (runs, audit) either way.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.permissions import Action, Actor, require
from sampling import SelectionSettings


@dataclass
class BatchJob:
    """One batch's progress as the page shows it (written by its thread, read by pages)."""

    job_id: str
    deliberation: str
    login: str
    total: int = 0
    outcomes: list[uc.SiteOutcome] = field(default_factory=list)
    report: uc.BatchReport | None = None
    error: KleroError | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        """Whether the batch has not ended yet."""
        return self.report is None and self.error is None

    def snapshot(self) -> tuple[int, int, list[uc.SiteOutcome]]:
        """(sites done, sites in the batch, outcomes so far), read consistently."""
        with self.lock:
            return len(self.outcomes), self.total, list(self.outcomes)

    def _progress(self, outcome: uc.SiteOutcome, done: int, total: int) -> None:
        with self.lock:
            self.outcomes.append(outcome)
            self.total = total


_JOBS: dict[str, BatchJob] = {}
_JOBS_LOCK = threading.Lock()


def start(
    db: uc.Database,
    actor: Actor,
    deliberation: str,
    settings: SelectionSettings,
    *,
    country: str | None = None,
    workers: int | None = None,
) -> BatchJob:
    """Start a batch in the background; refuse at once a role that may not run one."""
    require(actor, Action.RUN_BATCH_SELECTION)
    job = BatchJob(secrets.token_hex(6), deliberation, actor.login)

    def work() -> None:
        compute = (country, workers, None)
        try:
            job.report = uc.run_batch_on(
                db, actor, deliberation, settings, compute, job._progress, job.job_id
            )
        except KleroError as exc:
            job.error = exc
        except Exception as exc:  # shown as a failure on the page, never a traceback
            job.error = KleroError("batch_job_crashed", error=type(exc).__name__)

    job.thread = threading.Thread(target=work, name=f"batch-{job.job_id}", daemon=True)
    with _JOBS_LOCK:
        _JOBS[job.job_id] = job
    job.thread.start()
    return job


def find(job_id: str | None) -> BatchJob | None:
    """The job started in this server process with this id, if any."""
    if job_id is None:
        return None
    with _JOBS_LOCK:
        return _JOBS.get(job_id)
