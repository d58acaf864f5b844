"""An end-to-end run's extra step: propensities, targets, and plain LEXIMIN to compare with.

``sampling.pipeline`` calls ``end_to_end`` before the lottery when the settings ask for
it (``SelectionSettings.end_to_end``); the method is in ``sampling.propensity``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from quotas.model import QuotaTable
from quotas.pool import Pool
from quotas.problems import KleroError
from sampling.engine.select import select_distribution
from sampling.names import Algorithm
from sampling.propensity import Propensities, PropensityModel, estimate, propensity_spread

if TYPE_CHECKING:
    from sampling.pipeline import SelectionSettings


@dataclass(frozen=True)
class EndToEnd:
    """An end-to-end run's propensities, targets and plain LEXIMIN's chances to compare."""

    model: PropensityModel
    propensities: Propensities
    targets: np.ndarray
    leximin: np.ndarray  # plain LEXIMIN's optimal probabilities, pool order
    ids: tuple[str, ...]

    def to_dict(self, lottery: pd.Series) -> dict[str, Any]:
        """The report's figures: the model, and the spread of ``q_i p_i`` beside LEXIMIN's.

        ``spread`` is over the published lottery's probabilities, ``leximin_spread`` over
        plain LEXIMIN's optimum for the same pool and quotas.
        """
        q = self.propensities.values
        chances = lottery.reindex(list(self.ids)).to_numpy(dtype=float)
        return {
            "model": self.model.kind,
            **self.propensities.summary(),
            "spread": propensity_spread(q, chances),
            "leximin_spread": propensity_spread(q, self.leximin),
        }


def end_to_end(pool: Pool, quotas: QuotaTable, size: int, settings: SelectionSettings) -> EndToEnd:
    """Propensities and targets for an end-to-end run, and plain LEXIMIN to compare with.

    Raises KleroError ``end_to_end_algorithm`` unless the algorithm is LEXIMIN, and
    InvalidInput when the model cannot be fitted (``sampling.propensity.estimate``).
    """
    model = settings.end_to_end
    assert model is not None
    if settings.algorithm is not Algorithm.LEXIMIN:
        raise KleroError("end_to_end_algorithm", algorithm=settings.algorithm.value)
    propensities = estimate(pool, model)
    plain = select_distribution(
        pool, quotas, size, seed=settings.algorithm_seed, **settings.algorithm_settings
    )
    return EndToEnd(
        model,
        propensities,
        propensities.targets(size),
        plain.probabilities.reindex(list(pool.ids)).to_numpy(dtype=float),
        pool.ids,
    )
