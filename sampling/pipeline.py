"""The one selection pipeline: a request in; the lottery, the drawn panel and its alternates out.

``klero select`` on files, the service (and the dashboard through it), ``klero rerun`` and
``klero verify`` all go through here, so they hash, seed and draw alike. Nothing here
reads files or touches a database. The steps, each a function of the ones before:

1. the canonical settings (``SelectionSettings.canonical``): everything besides the pool,
   the quotas, the panel size and the algorithm that can change the panel or the
   alternates: the algorithm's seed and settings, the lottery size, the alternates' count,
   method and drop-out rates, and the engine version;
2. ``input_sha256`` of the pool, quotas, size, algorithm and those settings
   (``sampling.inputs``);
3. the fair lottery over panels (``select_distribution``), seeded with the algorithm seed;
   end to end (``sampling.end_to_end``), with a target per person from the estimated
   propensities, plain LEXIMIN computed beside it for the report;
4. its rounding to a uniform lottery of ``lottery_size`` panels, which names the hash;
5. the draw (``draw_panel``): by the public number when there is one, else by the seed;
6. the alternates (``select_alternates``), seeded with the number that drew the panel.

A public number is not in the hash: it is drawn in public after the lottery, which names
the hash, is published. A seed is (as the algorithm seed). Either is in the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from quotas.model import QuotaTable
from quotas.polytope import PanelShape
from quotas.pool import Pool
from quotas.problems import KleroError
from sampling.alternates.dropouts import DEFAULT_DROPOUT, DropoutSpec, dropout_rates
from sampling.alternates.records import dropout_from_record, dropout_record
from sampling.alternates.select import Alternates, select_alternates
from sampling.distribution import Distribution, gini
from sampling.end_to_end import EndToEnd, end_to_end
from sampling.engine.select import ENGINE, select_distribution
from sampling.inputs import canonical_inputs, text_sha256
from sampling.lottery import Draw, Lottery, draw, round_to_lottery
from sampling.names import Algorithm, AlternatesMethod
from sampling.propensity import PropensityModel

__all__ = [
    "SelectionRequest",
    "SelectionResult",
    "SelectionSettings",
    "draw_panel",
    "select_panel",
]

Progress = Callable[[str, float], None]

# The keys of the canonical settings. Engines before 2026-12-06.1 stored the algorithm's
# own settings beside these (no "algorithm_settings"): every other key is one of those.
_KEYS = frozenset(
    {
        "algorithm_seed",
        "algorithm_settings",
        "alternates",
        "alternates_dropout",
        "alternates_method",
        "end_to_end",
        "engine",
        "lottery_size",
    }
)


# -- the request ---------------------------------------------------------------------


@dataclass(frozen=True)
class SelectionSettings:
    """How to select, apart from the pool, quotas and size: what a run records to re-run.

    Exactly one of ``seed`` and ``public_number`` draws the panel (KleroError
    ``draw_source_invalid`` otherwise). ``algorithm_settings`` go to the algorithm (see
    ``sampling.engine.select.DEFAULTS``). ``end_to_end`` (LEXIMIN only) corrects the
    pool's self-selection: propensities estimated from that model, then the leximin of
    ``p_i / t_i`` (``sampling.propensity``).
    """

    algorithm: Algorithm = Algorithm.LEXIMIN
    seed: int | None = None
    public_number: int | None = None
    lottery_size: int = 1000
    alternates: int = 0
    alternates_method: AlternatesMethod = AlternatesMethod.OPTIMISED
    dropout: DropoutSpec = DEFAULT_DROPOUT
    algorithm_settings: Mapping[str, Any] = field(default_factory=dict)
    end_to_end: PropensityModel | None = None

    def __post_init__(self) -> None:
        if (self.seed is None) == (self.public_number is None):
            raise KleroError("draw_source_invalid")

    @property
    def algorithm_seed(self) -> int:
        """The seed of the algorithm's own randomness: the seed, or 0 with a public number.

        A public number is drawn after the lottery is published, so it cannot seed it.
        """
        return self.seed if self.seed is not None else 0

    def canonical(self) -> dict[str, Any]:
        """The settings as hashed into ``input_sha256`` and stored with a run (JSON values).

        Without alternates their method and drop-out rates cannot change anything, so they
        are recorded as ``None``: the same panel then has the same hash whatever they were.
        ``end_to_end`` (the propensity model: margins, background sample) is there only
        when asked for, so other runs hash as they always did.
        """
        chosen = self.alternates > 0
        extra = {} if self.end_to_end is None else {"end_to_end": self.end_to_end.record()}
        return {
            **extra,
            "algorithm_seed": self.algorithm_seed,
            "algorithm_settings": {str(k): v for k, v in sorted(self.algorithm_settings.items())},
            "alternates": int(self.alternates),
            "alternates_dropout": dropout_record(self.dropout) if chosen else None,
            "alternates_method": str(self.alternates_method) if chosen else None,
            "engine": ENGINE,
            "lottery_size": int(self.lottery_size),
        }

    def for_pool(self, pool: Pool) -> SelectionSettings:
        """These settings with the end-to-end model cut to the pool's criteria (else as is)."""
        if self.end_to_end is None:
            return self
        return replace(self, end_to_end=self.end_to_end.for_pool(pool.features))

    @classmethod
    def from_record(
        cls,
        *,
        algorithm: str,
        seed: int | None,
        public_number: int | None,
        settings: Mapping[str, Any],
    ) -> SelectionSettings:
        """The settings of a recorded run, whichever engine's shape ``settings`` has.

        Keys an older engine did not record take today's defaults; the engine recorded is
        not a setting (a re-run compares it with this one's).
        """
        extra = settings.get("algorithm_settings")
        if extra is None:
            extra = {k: v for k, v in settings.items() if k not in _KEYS}
        method = settings.get("alternates_method")
        model = settings.get("end_to_end")
        return cls(
            algorithm=Algorithm.parse(algorithm),
            seed=seed,
            public_number=public_number,
            lottery_size=int(settings.get("lottery_size", 1000)),
            alternates=int(settings.get("alternates", 0)),
            alternates_method=(
                AlternatesMethod.OPTIMISED if method is None else AlternatesMethod.parse(method)
            ),
            dropout=dropout_from_record(settings.get("alternates_dropout")),
            algorithm_settings=dict(extra),
            end_to_end=None if model is None else PropensityModel.from_record(model),
        )


@dataclass(frozen=True)
class SelectionRequest:
    """Everything a selection depends on: pool, quotas, panel size and settings."""

    pool: Pool
    quotas: QuotaTable
    size: int
    settings: SelectionSettings

    @cached_property
    def canonical_inputs(self) -> str:
        """The canonical inputs' JSON text (``sampling.inputs``): what ``input_sha256`` hashes.

        Pseudonymous: ids, criteria, households named by a member's id; published as
        inputs.json so that anyone can check the hash.
        """
        return canonical_inputs(
            self.pool, self.quotas, self.size, self.settings.algorithm, self.settings.canonical()
        )

    @cached_property
    def input_sha256(self) -> str:
        """SHA-256 of the canonical inputs: pool, quotas, size, algorithm, settings."""
        return text_sha256(self.canonical_inputs)


# -- the result ----------------------------------------------------------------------


@dataclass(frozen=True)
class SelectionResult:
    """A drawn panel with everything it came from and the figures that describe it."""

    request: SelectionRequest
    distribution: Distribution
    lottery: Lottery
    drawn: Draw
    alternates: Alternates | None
    seconds: float
    end_to_end: EndToEnd | None = None

    @property
    def input_sha256(self) -> str:
        """The hash the lottery names and the draw used."""
        return self.lottery.input_sha256

    @property
    def selected(self) -> list[str]:
        """The panel's ids, in pool order."""
        return list(self.drawn.ids)

    @property
    def alternate_ids(self) -> list[str]:
        """The alternates' ids, rank 1 first (empty without alternates)."""
        return [] if self.alternates is None else list(self.alternates.ids)

    def fairness(self) -> dict[str, float]:
        """The optimum's fairness figures (see ``fairness_metrics``), then the lottery's.

        ``min``, ``max``, ``gini`` ... describe the optimal distribution; ``lottery_min``,
        ``lottery_max`` and ``lottery_gini`` the published lottery of m panels (the chances
        people actually have), ``lottery_max_drop`` / ``lottery_max_rise`` the largest fall
        / rise of anyone's probability from the optimum to the lottery.
        """
        return dict(self._fairness)

    @cached_property
    def _fairness(self) -> dict[str, float]:
        """``fairness()``, computed once (the report and the summary both show it)."""
        figures = {k: float(v) for k, v in self.distribution.fairness().items()}
        lottery = self.lottery.probabilities.to_numpy(dtype=float)
        optimum = self.distribution.probabilities.reindex(self.lottery.probabilities.index)
        diff = lottery - optimum.to_numpy(dtype=float)
        return {
            **figures,
            "lottery_min": float(lottery.min()) if lottery.size else 0.0,
            "lottery_max": float(lottery.max(initial=0.0)),
            "lottery_gini": gini(lottery),
            "lottery_max_drop": max(0.0, float(-diff.min(initial=0.0))),
            "lottery_max_rise": max(0.0, float(diff.max(initial=0.0))),
            "lottery_max_change": float(self.lottery.max_change),
        }

    def report(self) -> dict[str, Any]:
        """The run report (``report.json``; the service stores the same figures with a run)."""
        settings = self.request.settings
        solver = self.distribution.figures
        report: dict[str, Any] = {
            "input_sha256": self.input_sha256,
            "algorithm": str(settings.algorithm),
            "engine": ENGINE,
            "seed": settings.seed,
            "public_number": settings.public_number,
            "size": self.request.size,
            "pool_size": len(self.request.pool),
            "lottery_size": settings.lottery_size,
            "lottery_index": self.drawn.index,
            "selected": self.selected,
            "probabilities": self.fairness(),
            "settings": settings.canonical(),
            "runtime_seconds": round(self.seconds, 3),
            "solver": {
                "seconds": solver.seconds,
                "iterations": solver.iterations,
                "panels": solver.panels,
                "gap": solver.gap,
            },
            "quotas_sha256": self.request.quotas.sha256(),
            "pool_sha256": self.request.pool.sha256(),
        }
        if self.lottery.rounding is not None:
            report["rounding"] = self.lottery.rounding.to_dict(settings.lottery_size)
        if self.alternates is not None:
            report["alternates"] = self.alternates.to_dict()
        if self.end_to_end is not None:
            report["end_to_end"] = self.end_to_end.to_dict(self.lottery.probabilities)
        return report


# -- the steps -----------------------------------------------------------------------


def draw_panel(lottery: Lottery, *, seed: int | None, public_number: int | None) -> Draw:
    """Draw a lottery's panel: by the public number when there is one, else by the seed.

    The one definition of how a number picks a panel (rule: ``sampling.lottery``), used
    to draw and, from the published lottery, to verify.
    """
    if public_number is not None:
        return draw(lottery, public_number=public_number)
    return draw(lottery, seed=seed)


def select_panel(request: SelectionRequest, *, progress: Progress | None = None) -> SelectionResult:
    """Run the pipeline (see the module docstring) on ``request``.

    Raises ``InfeasibleQuotas`` when no panel meets the quotas and ``KleroError`` for bad
    settings; bad drop-out rates are refused before the lottery is computed.
    ``progress(stage, fraction)`` is passed to the algorithm.
    """
    started = time.perf_counter()
    settings = request.settings
    if settings.alternates > 0:
        dropout_rates(request.pool, request.quotas, settings.dropout)
    corrected = None
    if settings.end_to_end is not None:
        corrected = end_to_end(request.pool, request.quotas, request.size, settings)
    dist = select_distribution(
        request.pool,
        request.quotas,
        request.size,
        algorithm=settings.algorithm,
        seed=settings.algorithm_seed,
        progress=progress,
        targets=None if corrected is None else corrected.targets,
        **settings.algorithm_settings,
    )
    lottery = round_to_lottery(
        dist,
        settings.lottery_size,
        input_sha256=request.input_sha256,
        shape=_shape(request, dist),
    )
    drawn = draw_panel(lottery, seed=settings.seed, public_number=settings.public_number)
    chosen = None
    if settings.alternates > 0:
        chosen = select_alternates(
            request.pool,
            request.quotas,
            list(drawn.ids),
            settings.alternates,
            method=settings.alternates_method,
            dropout=settings.dropout,
            seed=drawn.value,  # the number that drew the panel: seed or public number
        )
    seconds = time.perf_counter() - started
    return SelectionResult(request, dist, lottery, drawn, chosen, seconds, corrected)


def _shape(request: SelectionRequest, dist: Distribution) -> PanelShape | None:
    """The panel polytope for the rounding's new panels, when the distribution is over
    the pool's own types."""
    if not np.array_equal(np.asarray(dist.type_of), request.pool.type_of):
        return None
    return PanelShape.of(request.pool, request.quotas, request.size)
