"""The compute step of a batch of selections, run where the executor puts it.

``compute`` is step (2) of a run (``recruitment.usecases.selection``) made safe to ship to
another process or machine: it takes a ``SelectionRequest`` and returns either the
``SelectionResult`` or a ``ComputeFailure`` (plain values: exceptions with keyword-only
constructors do not survive pickling), with the explanation when the quotas are infeasible.
It touches no database and reads no file.

Executors (``executor_for``): ``Inline`` (this process, one site after the other), a local
process pool, or a Dask distributed cluster. All three take the same requests and give
the same results: each site's computation depends on its request alone.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any, Protocol

from quotas.explain import FeasibilityResult
from quotas.feasibility import check_feasibility
from quotas.messages import Message
from quotas.problems import EnvironmentFailure, KleroError
from sampling import InfeasibleQuotas, SelectionRequest, SelectionResult, select_panel

#: The environment variable naming a Dask scheduler (``--scheduler`` wins over it).
SCHEDULER_ENV = "KLERO_DASK_SCHEDULER"


@dataclass(frozen=True)
class ComputeFailure:
    """Why a site's computation gave no panel: the error's code, values and exit code."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    exit_code: int = 3
    explanation: str | None = None
    #: ``explanation`` as messages, to be written in the reader's language.
    reasons: tuple[Message, ...] = ()

    @property
    def infeasible(self) -> bool:
        """Whether no panel can meet the quotas (as opposed to a failure)."""
        return self.exit_code == 1

    def error(self) -> KleroError:
        """An error with the same code and message, to record the run as failed with it."""
        return _Failed(self)


class _Failed(KleroError):
    """A remote computation's error, brought back to record the run as a single run would."""

    def __init__(self, failure: ComputeFailure) -> None:
        Exception.__init__(self, failure.message or failure.code)
        self.code = failure.code
        self.params = dict(failure.params)
        self.exit_code = failure.exit_code


Outcome = SelectionResult | ComputeFailure


def _explain(request: SelectionRequest) -> FeasibilityResult:
    """Why no panel of the request's size meets its quotas."""
    pool = request.pool
    households = [int(h) if h >= 0 else None for h in pool.household]
    return check_feasibility(
        pool.frame(), request.quotas, request.size, households=households, relax=False
    )


def compute(request: SelectionRequest) -> Outcome:
    """Run the selection pipeline on ``request``; never raises for a site's own problem."""
    try:
        return select_panel(request)
    except InfeasibleQuotas as exc:
        try:
            found = _explain(request)
        except Exception:  # the explanation is a courtesy; the outcome stands without it
            return ComputeFailure(exc.code, _plain(exc.params), exc.message, 1)
        return ComputeFailure(
            exc.code, _plain(exc.params), exc.message, 1, found.explanation, tuple(found.reasons())
        )
    except KleroError as exc:
        return ComputeFailure(exc.code, _plain(exc.params), exc.message, exc.exit_code)
    except Exception as exc:  # a bug or a solver crash at one site must not stop the others
        return ComputeFailure(type(exc).__name__, {}, str(exc)[:2000], 3)


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    plain = (int, float, str, bool, type(None))
    return {k: v if isinstance(v, plain) else str(v) for k, v in params.items()}


# -- executors --------------------------------------------------------------------------


class Executor(Protocol):
    """Runs ``compute`` on requests and hands back results as they come."""

    #: How many requests to keep in flight (each holds a started run).
    window: int

    def submit(self, request: SelectionRequest) -> Any: ...

    def done(self, handles: Iterable[Any]) -> list[Any]:
        """Wait until at least one of ``handles`` is done; return the done ones."""
        ...

    def outcome(self, handle: Any) -> Outcome: ...

    def close(self) -> None: ...


class Inline:
    """Computes each request in this process when asked for it (one worker, no pickling)."""

    window = 1

    def __init__(self) -> None:
        self._results: dict[int, Outcome] = {}
        self._next = 0

    def submit(self, request: SelectionRequest) -> Any:
        self._next += 1
        self._results[self._next] = compute(request)
        return self._next

    def done(self, handles: Iterable[Any]) -> list[Any]:
        return list(handles)

    def outcome(self, handle: Any) -> Outcome:
        return self._results.pop(handle)

    def close(self) -> None:
        self._results.clear()


class LocalPool:
    """A pool of ``workers`` fresh processes (spawned: nothing of the parent's state)."""

    def __init__(self, workers: int) -> None:
        self.window = 2 * workers
        self._pool = futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )

    def submit(self, request: SelectionRequest) -> Any:
        return self._pool.submit(compute, request)

    def done(self, handles: Iterable[Any]) -> list[Any]:
        finished, _ = futures.wait(list(handles), return_when=futures.FIRST_COMPLETED)
        return list(finished)

    def outcome(self, handle: Any) -> Outcome:
        try:
            result: Outcome = handle.result()
        except Exception as exc:  # a worker process died (killed, out of memory, ...)
            return ComputeFailure("batch_worker_lost", {}, str(exc)[:2000], 3)
        return result

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskCluster:
    """A Dask distributed cluster: a scheduler's address, or a ``Client`` given by the caller."""

    def __init__(self, address: str | None = None, *, client: Any = None) -> None:
        from dask import distributed  # loaded only for a Dask batch

        self._distributed = distributed
        self._own = client is None
        try:
            self._client = client if client is not None else distributed.Client(address)
        except OSError as exc:
            raise EnvironmentFailure("batch_scheduler_unreachable", address=address) from exc
        threads = sum(self._client.nthreads().values()) or 1
        self.window = 2 * threads

    def submit(self, request: SelectionRequest) -> Any:
        return self._client.submit(compute, request, pure=False)

    def done(self, handles: Iterable[Any]) -> list[Any]:
        finished = self._distributed.wait(list(handles), return_when="FIRST_COMPLETED")
        return list(finished.done)

    def outcome(self, handle: Any) -> Outcome:
        try:
            result: Outcome = handle.result()
        except Exception as exc:  # a worker lost, a task that could not be shipped, ...
            return ComputeFailure("batch_worker_lost", {}, str(exc)[:2000], 3)
        finally:
            handle.release()
        return result

    def close(self) -> None:
        if self._own:
            self._client.close()


def executor_for(workers: int | None, scheduler: str | None) -> Executor:
    """The executor for ``--workers`` / ``--scheduler`` (or ``KLERO_DASK_SCHEDULER``)."""
    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address:
        return DaskCluster(address)
    count = workers if workers is not None else (os.cpu_count() or 1)
    return Inline() if count <= 1 else LocalPool(count)
