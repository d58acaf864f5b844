"""Loading what pages show, through the use cases and the read-only dashboard views.

Heavy results (a site's pool, a run's details) are cached in the session for a few
seconds at most per render; every change made from a page clears the cache.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.balance_views import Provenance, SiteGroup
from dashboard.ui import attempt, db, site_page
from recruitment import dashboard_support as support
from recruitment.permissions import Actor


def _cache() -> dict[tuple[object, ...], object]:
    cache: dict[tuple[object, ...], object] = st.session_state.setdefault("_data_cache", {})
    return cache


def forget() -> None:
    """Drop cached views after a change (an import, new quotas, a run, a status)."""
    st.session_state.pop("_data_cache", None)


def pool_view(who: Actor, site: str) -> support.PoolView | None:
    """The site's pool (cached for the session until something changes)."""
    key = ("pool", who.login, site)
    cache = _cache()
    if key not in cache:
        cache[key] = attempt(support.site_pool, db(), who, site)
    return cache[key]  # type: ignore[return-value]


def pool_page(page: str) -> tuple[Actor, str, support.PoolView]:
    """``site_page`` for a page about the site's pool, and the pool (stops if unreadable)."""
    who, site = site_page(page)
    view = pool_view(who, site)
    if view is None:  # attempt has said why
        st.stop()
        raise RuntimeError("unreachable")  # st.stop() raises; this keeps type checkers calm
    return who, site, view


def run_view(who: Actor, site: str, run_id: int | None = None) -> support.RunDetails | None:
    """A succeeded run of the site (default: the latest), cached like ``pool_view``."""
    key = ("run", who.login, site, run_id)
    cache = _cache()
    if key not in cache:
        cache[key] = attempt(support.run_details, db(), who, site, run_id)
    return cache[key]  # type: ignore[return-value]


def panel_people(details: support.RunDetails) -> pd.DataFrame:
    """The selected people's feature columns, indexed by pseudonym."""
    panel = details.panel
    columns = [c for c in details.pool.columns if c in panel.columns]
    return panel.set_index("pseudonym")[columns]


def site_group(who: Actor, site: str) -> SiteGroup | None:
    """A site's pool, panel and quotas for a comparison (the run's own record when selected)."""
    details = run_view(who, site)
    if details is not None:
        made = Provenance(
            details.run_id,
            details.started_at,
            details.algorithm,
            details.seed,
            details.public_number,
            details.engine,
            details.input_sha256,
        )
        panel = panel_people(details)
        return SiteGroup(site, details.pool, panel, details.quotas, details.size, made)
    view = pool_view(who, site)
    if view is None or view.quotas is None:
        return None
    empty = view.people.iloc[0:0]
    return SiteGroup(site, view.people, empty, view.quotas, view.panel_size)
