"""A site's draw number in a batch: derived from the batch's seed (or public number) and
the site code, so that anyone can recompute it (``DERIVATION``, recorded with each run).
"""

from __future__ import annotations

import dataclasses
import hashlib

from sampling import SelectionSettings

#: How a site's number is derived from the batch's number (recorded with each run).
DERIVATION = "sha256(site_code:number)[0:8] big-endian mod 2**31"


def site_number(number: int, site_code: str) -> int:
    """The seed (or public number) of ``site_code`` in a batch drawn with ``number``.

    The first 8 bytes of SHA-256 of the UTF-8 text ``"<site code>:<number>"``, read as a
    big-endian integer, modulo 2**31. Recompute it with e.g. ``printf '%s' 'FR-lyon:42' |
    sha256sum``, the first 16 hex digits modulo 2147483648.
    """
    digest = hashlib.sha256(f"{site_code}:{number}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 2**31


def site_settings(settings: SelectionSettings, site_code: str) -> SelectionSettings:
    """The batch's settings with the site's own seed or public number."""
    if settings.seed is not None:
        return dataclasses.replace(settings, seed=site_number(settings.seed, site_code))
    assert settings.public_number is not None
    return dataclasses.replace(
        settings, public_number=site_number(settings.public_number, site_code)
    )
