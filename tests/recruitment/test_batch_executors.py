"""A batch's results do not depend on where the sites are computed.

The same requests computed inline, in a local pool of two processes and on an in-process
Dask cluster give the same panels, alternates, hashes and lottery numbers; an infeasible
request comes back as a ``ComputeFailure`` from each of them; and a whole batch run on a
Dask cluster stores the very panels an inline batch stores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from dask.distributed import Client
from sqlalchemy import select

from quotas.model import quota_table
from quotas.pool_files import pool_from_frame
from quotas.problems import EnvironmentFailure
from recruitment import usecases as uc
from recruitment.batch_compute import (
    ComputeFailure,
    DaskCluster,
    Executor,
    Inline,
    LocalPool,
    Outcome,
    executor_for,
)
from recruitment.db import open_database
from recruitment.models import PanelSeat, SelectionRun, Volunteer
from sampling import PropensityModel, SelectionRequest, SelectionResult, SelectionSettings
from tests.recruitment.conftest import Backend, World, pool_frame, quotas_for
from tests.recruitment.test_batch import DELIBERATION, _four_sites


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Client]:
    """An in-process Dask cluster (threads, no network address of a real cluster)."""
    client = Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None)
    yield client
    client.close()


END_TO_END = {
    "gender": {"female": 0.52, "male": 0.48},
    "age": {"16-34": 0.35, "35-59": 0.4, "60+": 0.25},
    "region": {"north": 0.6, "south": 0.4},
}


def _requests() -> list[SelectionRequest]:
    made = []
    for n, seed in [(120, 1), (150, 2), (90, 3)]:
        quotas = quotas_for(50)
        loaded = pool_from_frame(
            pool_frame(n, seed=seed)[["id", "gender", "age", "region", "address"]],
            quotas,
            address_columns=["address"],
        )
        assert loaded.pool is not None
        # the third end to end: its propensity model travels to the workers with it
        model = PropensityModel(END_TO_END) if seed == 3 else None
        settings = SelectionSettings(
            seed=seed * 11, alternates=3, lottery_size=200, end_to_end=model
        ).for_pool(loaded.pool)
        made.append(SelectionRequest(loaded.pool, quotas, 50, settings))
    impossible = quota_table(
        [("age", "16-34", 0, 50), ("age", "35-59", 0, 50), ("age", "60+", 45, 50)]
    )
    loaded = pool_from_frame(pool_frame(60)[["id", "age"]], impossible)
    assert loaded.pool is not None
    made.append(SelectionRequest(loaded.pool, impossible, 50, SelectionSettings(seed=1)))
    return made


def _run(executor: Executor, requests: list[SelectionRequest]) -> list[tuple[object, ...]]:
    handles = {executor.submit(r): i for i, r in enumerate(requests)}
    results: dict[int, Outcome] = {}
    try:
        while len(results) < len(requests):
            pending = [h for h, i in handles.items() if i not in results]
            for h in executor.done(pending):
                results[handles[h]] = executor.outcome(h)
    finally:
        executor.close()
    return [_digest(results[i]) for i in range(len(requests))]


def _digest(outcome: Outcome) -> tuple[object, ...]:
    if isinstance(outcome, ComputeFailure):
        return ("failure", outcome.code, outcome.exit_code, outcome.explanation is not None)
    assert isinstance(outcome, SelectionResult)
    corrected = outcome.end_to_end
    return (
        outcome.input_sha256,
        outcome.drawn.index,
        tuple(outcome.selected),
        tuple(outcome.alternate_ids),
        None if corrected is None else tuple(corrected.targets.round(9)),
    )


def test_inline_local_processes_and_dask_give_the_same_results(dask_client: Client) -> None:
    requests = _requests()
    inline = _run(Inline(), requests)
    assert inline[-1] == ("failure", "quotas_infeasible", 1, True)
    assert all(len(d) == 5 for d in inline[:-1])
    assert inline[2][4] is not None and inline[0][4] is None  # the third is end to end
    assert _run(LocalPool(2), requests) == inline
    assert _run(DaskCluster(client=dask_client), requests) == inline


def test_the_executor_follows_the_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLERO_DASK_SCHEDULER", raising=False)
    assert isinstance(executor_for(1, None), Inline)
    pool = executor_for(2, None)
    assert isinstance(pool, LocalPool) and pool.window == 4
    pool.close()


def _panels(world: World) -> dict[str, tuple[int | None, list[str], list[str]]]:
    """Each site's succeeded run: its seed and its panel and alternates (pseudonyms)."""
    with world.db.unit_of_work() as session:
        rows = session.execute(
            select(SelectionRun.site_id, SelectionRun.seed, PanelSeat.kind, Volunteer.pseudonym)
            .join(PanelSeat, PanelSeat.run_id == SelectionRun.id)
            .join(Volunteer, Volunteer.id == PanelSeat.volunteer_id)
            .where(SelectionRun.status == "succeeded")
            .order_by(PanelSeat.kind, PanelSeat.rank)
        ).all()
    out: dict[str, tuple[int | None, list[str], list[str]]] = {}
    for site_id, seed, kind, pseudonym in rows:
        _, panel, alternates = out.setdefault(str(site_id), (seed, [], []))
        (panel if kind == "selected" else alternates).append(pseudonym)
    return {k: (s, sorted(p), a) for k, (s, p, a) in out.items()}


def _batch(world: World, folder: Path, executor: Callable[[], Executor]) -> uc.BatchReport:
    _four_sites(world, folder)
    return uc.run_batch(
        world.db,
        world.coordinator,
        DELIBERATION,
        SelectionSettings(seed=9, alternates=2, lottery_size=100),
        executor=executor(),
    )


def test_a_batch_on_dask_stores_what_an_inline_batch_stores(
    backend: Backend, ready: World, tmp_path: Path, dask_client: Client
) -> None:
    report = _batch(ready, tmp_path, lambda: DaskCluster(client=dask_client))
    assert [o.status for o in report.outcomes].count("selected") == 3
    on_dask = _panels(ready)
    assert len(on_dask) == 3
    url = backend.fresh("ready")
    other = World(open_database(url), *backend.actors["world"])
    try:
        (tmp_path / "again").mkdir()
        _batch(other, tmp_path / "again", Inline)
        assert _panels(other) == on_dask
    finally:
        other.db.dispose()
        backend.drop(url)


def test_an_unreachable_scheduler_is_an_environment_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dask

    monkeypatch.setenv("KLERO_DASK_SCHEDULER", "tcp://127.0.0.1:9")
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
        pytest.raises(EnvironmentFailure) as raised,
    ):
        executor_for(None, None)
    assert raised.value.code == "batch_scheduler_unreachable" and raised.value.exit_code == 3
