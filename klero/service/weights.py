"""``klero weights --site``: raking weights for a stored site's panel or its attendees."""

from __future__ import annotations

from pathlib import Path

from klero.files.weights import WeightsResult, print_weights
from klero.output import table_writer, write_file
from klero.service.common import run_as
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
    """Compute the site's weights through the service, write ``--out`` and print them."""
    found = run_as(
        database_url, user, uc.site_weights, site, attendees=attendees, trim=trim, criteria=criteria
    )
    result = WeightsResult(found.ids, found.weights, found.categories)
    if out is not None:
        write_file(out, table_writer(found.frame()))
    about = {
        "site": found.site,
        "run": found.run_id,
        "group": found.group,
        "criteria": ", ".join(found.criteria),
        "input_sha256": found.input_sha256,
    }
    print_weights(result, out, as_json, about)
    return 0
