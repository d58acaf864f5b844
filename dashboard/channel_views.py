"""How each registration channel contributed to a site's pool: counts, shares, categories.

Partners see whether phone, paper and in-person registration reach the people the
online form misses: per channel, its volunteers and share of the pool; per criterion,
each category's share among each channel's volunteers.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.i18n import format_number, format_percent
from dashboard.ui import attempt, db, labeller, lang, plain, tr
from recruitment import usecases as uc
from recruitment.permissions import Actor


def channel_totals(mix: pd.DataFrame) -> pd.DataFrame:
    """Each channel's volunteers and share of the pool (channel, count, share)."""
    totals = mix[mix["criterion"] == ""][["channel", "count"]].reset_index(drop=True)
    totals["share"] = totals["count"] / max(int(totals["count"].sum()), 1)
    return totals


def category_shares(mix: pd.DataFrame, criterion: str) -> pd.DataFrame:
    """Category x channel: the share of each channel's volunteers in each category."""
    totals = channel_totals(mix).set_index("channel")["count"]
    rows = mix[mix["criterion"] == criterion]
    table = rows.pivot_table(index="category", columns="channel", values="count", fill_value=0)
    return table.div(totals[table.columns], axis=1)


def channel_section(who: Actor, site: str) -> None:
    """The pool page's section on channels (nothing when the pool is empty)."""
    mix = attempt(uc.channel_mix, db(), who, site)
    if mix is None or mix.empty:
        return
    st.subheader(tr("pool.channels"))
    st.caption(tr("pool.channels_help"))
    channel = labeller("channel.")
    totals = channel_totals(mix)
    st.dataframe(
        pd.DataFrame(
            {
                tr("col.channel"): [channel(c) for c in totals["channel"]],
                tr("col.count"): [format_number(int(n), lang()) for n in totals["count"]],
                tr("col.share"): [format_percent(float(s), lang()) for s in totals["share"]],
            }
        ),
        hide_index=True,
    )
    criteria = sorted({c for c in mix["criterion"] if c})
    cols = st.columns(2)
    for i, criterion in enumerate(criteria):
        shares = category_shares(mix, criterion)
        shown = shares.map(lambda s: format_percent(float(s), lang()))
        shown.columns = [channel(c) for c in shown.columns]
        shown.index.name = plain(criterion)
        cols[i % 2].dataframe(shown)
