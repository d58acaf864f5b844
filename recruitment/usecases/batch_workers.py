"""A batch on the executor that ``--workers`` and ``--scheduler`` name, closed when it ends.

The command line (``klero select --all-ready``), the dashboard's background batches and
the demo compute the same way: ``batch_compute.executor_for`` picks the executor (Dask
when a scheduler is named, else local processes, or inline for one worker).
"""

from __future__ import annotations

from recruitment.batch_compute import executor_for
from recruitment.db import Database
from recruitment.permissions import Actor
from recruitment.usecases.batch import BatchProgress, BatchReport, run_batch
from sampling import SelectionSettings

#: The country a batch keeps to, its local processes and its Dask scheduler (None each:
#: every country, the machine's cores, no scheduler unless ``KLERO_DASK_SCHEDULER``).
BatchCompute = tuple[str | None, int | None, str | None]


def run_batch_on(
    db: Database,
    actor: Actor,
    deliberation: str,
    settings: SelectionSettings,
    compute: BatchCompute = (None, None, None),
    progress: BatchProgress | None = None,
    batch_id: str | None = None,
) -> BatchReport:
    """``run_batch`` on the executor ``compute`` names; the executor is closed after it."""
    country, workers, scheduler = compute
    executor = executor_for(workers, scheduler)
    try:
        return run_batch(
            db,
            actor,
            deliberation,
            settings,
            country=country,
            executor=executor,
            progress=progress,
            batch_id=batch_id,
        )
    finally:
        executor.close()
