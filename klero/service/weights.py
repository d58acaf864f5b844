"""``klero weights --site``: raking weights for a stored site's panel or its attendees."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from klero.files.weights import WeightsResult, print_weights
from klero.service.common import run_as, write_recorded
from quotas.exports import table_format
from recruitment import usecases as uc


def weights_for_site(
    site: str,
    *,
    attendees: bool,
    trim: float | None,
    criteria: list[str] | None,
    out: Path | None,
    database_url: str | None,
    user: str | None,
    as_json: bool,
) -> int:
    """Compute the site's weights through the service, write ``--out`` and print them.

    Writing ``--out`` is recorded in the audit trail (``weights.export``); the file is in
    place before that record commits, and taken out again if the commit fails.
    """
    weights = partial(uc.site_weights, attendees=attendees, trim=trim, criteria=criteria)
    if out is None:
        found = run_as(database_url, user, weights, site)
    else:
        table_format(out)  # a wrong file name is refused before any work
        found = write_recorded(database_url, user, out, weights, site)
    result = WeightsResult(found.ids, found.weights, found.categories)
    about = {
        "site": found.site,
        "run": found.run_id,
        "group": found.group,
        "criteria": ", ".join(found.criteria),
        "input_sha256": found.input_sha256,
    }
    print_weights(result, out, as_json, about)
    return 0
