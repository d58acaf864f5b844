"""WHO gets picked: the selection engine's public API, one place for every caller to import.

The service, the ``klero`` command, the dashboard and the benchmarks import from here
(``from sampling import select_panel, Algorithm``); the modules behind it are grouped
by what they do:

- ``sampling.pipeline``: the one selection pipeline (inputs hash, distribution, lottery,
  draw, alternates), used by ``klero select``, the service, ``klero rerun``/``verify``.
- ``sampling.engine``: the algorithms that compute a fair distribution over panels
  (LEXIMIN, MAXIMIN, NASH, LEGACY) on the panel polytope.
- ``sampling.alternates``: drop-out scenarios, the ranked alternates, replacements.
- ``sampling.lottery``: the distribution rounded to m equally likely panels, the draw.
- ``sampling.seating``: the day's tables, round by round (``seat_tables``).

Names are loaded on first use, so a command that only parses a name (``Algorithm``) does
not load the solvers.

>>> from sampling import Algorithm
>>> Algorithm.parse("leximin").value
'leximin'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quotas.lazy import lazy_names

if TYPE_CHECKING:  # the public names: read by type checkers, editors and lazy_names
    from sampling.alternates.dropouts import BASE_KEY, DEFAULT_DROPOUT, DropoutSpec, dropout_rates
    from sampling.alternates.records import dropout_from_record, dropout_record
    from sampling.alternates.replace import Replacement, reason_data, replace
    from sampling.alternates.select import Alternates, select_alternates
    from sampling.distribution import Distribution, RunFigures, fairness_metrics
    from sampling.engine.legacy import legacy_distribution, legacy_panel
    from sampling.engine.select import ENGINE, select_distribution
    from sampling.errors import InfeasibleQuotas, SolverFailed
    from sampling.inputs import input_sha256
    from sampling.lottery import Draw, Lottery, draw, read_lottery, round_to_lottery
    from sampling.names import Algorithm, AlternatesMethod, AlternatesSearch
    from sampling.pipeline import (
        Progress,
        SelectionRequest,
        SelectionResult,
        SelectionSettings,
        draw_panel,
        select_panel,
    )
    from sampling.places import PlaceDraw, draw_places, inclusion_probabilities
    from sampling.propensity import PropensityModel, propensity_spread
    from sampling.seating.figures import category_columns, seating_figures
    from sampling.seating.files import read_constraints
    from sampling.seating.model import (
        DEFAULT_SEATING_EFFORT,
        SEATING_ENGINE,
        Seating,
        SeatingFigures,
        SeatingImpossible,
        SeatingRequest,
        SeatingSettings,
        TableFigure,
    )
    from sampling.seating.plan import plan_html, plan_pdf
    from sampling.seating.seat import evaluate_seating, seat_tables
    from sampling.smoothing import SMALL_SUPPORT

# The names above, each loaded from its module on first use.
__getattr__, __dir__, __all__ = lazy_names(__name__)
