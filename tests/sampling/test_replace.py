"""Replacements: the best quota outcome (checked by brute force), households, ranks, reports."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotas.messages import Message
from quotas.model import QuotaTable, quota_table
from quotas.pool import Pool
from quotas.problems import InvalidInput, KleroError
from sampling.alternates.dropouts import Layout
from sampling.alternates.replace import replace


def make_pool(
    genders: str, ages: str, households: list[str | None] | None = None
) -> tuple[Pool, QuotaTable]:
    """People p0, p1, ... with gender f/m and age y(oung)/o(ld); quotas 2..3 of 5 seats."""
    quotas = quota_table(
        [("gender", "f", 2, 3), ("gender", "m", 2, 3), ("age", "y", 2, 3), ("age", "o", 2, 3)]
    )
    ids = [f"p{i}" for i in range(len(genders))]
    frame = pd.DataFrame({"gender": list(genders), "age": list(ages)})
    return Pool.build(ids, frame, quotas, households), quotas


def brute_force(
    pool: Pool, quotas: QuotaTable, remaining: list[str], cands: list[str], m: int
) -> int:
    """The least deviation over every household-valid choice of m candidates."""
    layout = Layout.of(pool, quotas)
    rows = [pool.index_of(i) for i in remaining]
    best = None
    for combo in itertools.combinations([pool.index_of(c) for c in cands], m):
        everyone = rows + list(combo)
        h = pool.household[everyone]
        h = h[h >= 0]
        if len(np.unique(h)) < len(h):
            continue
        dev = int(layout.deviation(layout.counts(everyone)))
        best = dev if best is None else min(best, dev)
    assert best is not None
    return best


def no_household_conflict(pool: Pool, ids: tuple[str, ...]) -> bool:
    h = pool.household[[pool.index_of(i) for i in ids]]
    h = h[h >= 0]
    return len(np.unique(h)) == len(h)


@st.composite
def situations(draw: st.DrawFn) -> tuple[Pool, QuotaTable, list[str], list[str]]:
    n = draw(st.integers(7, 10))
    genders = "".join(draw(st.lists(st.sampled_from("fm"), min_size=n, max_size=n)))
    ages = "".join(draw(st.lists(st.sampled_from("yo"), min_size=n, max_size=n)))
    keys = draw(st.lists(st.sampled_from([None, None, "h1", "h2"]), min_size=n, max_size=n))
    pool, quotas = make_pool(genders, ages, keys)
    order = draw(st.permutations(list(pool.ids)))
    panel: list[str] = []
    used: set[object] = set()
    for pid in order:  # a panel of 5 without household conflicts
        key = keys[int(pid[1:])]
        if key is not None and key in used:
            continue
        used.add(key)
        panel.append(pid)
        if len(panel) == 5:
            break
    dropped = draw(st.lists(st.sampled_from(panel), min_size=1, max_size=3, unique=True))
    return pool, quotas, panel, dropped


@settings(max_examples=60, deadline=None)
@given(situations(), st.integers(0, 3))
def test_replacement_never_breaks_a_quota_that_could_be_kept(
    case: tuple[Pool, QuotaTable, list[str], list[str]], seed: int
) -> None:
    pool, quotas, panel, dropped = case
    result = replace(pool, quotas, panel, dropped, seed=seed)
    remaining = [p for p in panel if p not in dropped]
    usable = [
        p
        for p in pool.ids
        if p not in panel
        and not (
            pool.household[pool.index_of(p)] >= 0
            and pool.household[pool.index_of(p)]
            in {pool.household[pool.index_of(r)] for r in remaining}
        )
    ]
    m = len(result.added)
    assert m + result.unfilled == len(dropped)
    assert result.deviation == brute_force(pool, quotas, remaining, usable, m)
    assert no_household_conflict(pool, result.panel)
    assert set(result.removed) == set(dropped)
    assert not set(result.panel) & set(dropped)
    assert replace(pool, quotas, panel, dropped, seed=seed) == result


def test_restores_every_quota_when_the_candidates_allow_it() -> None:
    pool, quotas = make_pool("ffmmm" + "fmfm", "yoyoo" + "yyoo")
    panel = ["p0", "p1", "p2", "p3", "p4"]
    result = replace(pool, quotas, panel, ["p0", "p3"])
    assert result.unmet == ()
    assert result.deviation == 0
    assert len(result.added) == 2 and len(result.panel) == 5
    # Losing a young woman leaves women and the young one seat short; both come back.
    restored = {str(c) for a in result.added for c in a.restores}
    assert restored == {"gender = f", "age = y"}
    assert all(a.reason.startswith(f"replaces {a.replaces} (") for a in result.added)
    statuses = {str(q.category): q.status for q in result.quotas}
    assert statuses["gender = f"] == "restored" and statuses["gender = m"] == "met"


def test_says_which_quota_stays_unmet_and_by_how_much() -> None:
    pool, quotas = make_pool("ffmmm" + "mm", "yoyoo" + "oo")
    result = replace(pool, quotas, ["p0", "p1", "p2", "p3", "p4"], ["p0", "p1"])
    unmet = {(q.category.feature, q.category.value): q for q in result.unmet}
    assert unmet[("gender", "f")].missing == 2
    assert unmet[("gender", "m")].excess == 2
    report = result.to_dict()
    json.dumps(report)
    assert any(q["status"] == "2 below the minimum" for q in report["unmet"])


def test_higher_ranked_candidates_are_preferred_among_equals() -> None:
    pool, quotas = make_pool("ffmmm" + "fff", "yoyoo" + "yyy")
    panel = ["p0", "p1", "p2", "p3", "p4"]
    for order in (["p5", "p6", "p7"], ["p7", "p6", "p5"], ["p6", "p7", "p5"]):
        result = replace(pool, quotas, panel, ["p0"], candidates=order)
        assert [a.id for a in result.added] == [order[0]]


def test_seed_breaks_ties_reproducibly() -> None:
    pool, quotas = make_pool("ffmmm" + "f" * 8, "yoyoo" + "y" * 8)
    panel = ["p0", "p1", "p2", "p3", "p4"]
    picks = {replace(pool, quotas, panel, ["p0"], seed=s).added[0].id for s in range(8)}
    assert len(picks) > 1  # different seeds can pick different equals
    again = [replace(pool, quotas, panel, ["p0"], seed=3).added[0].id for _ in range(2)]
    assert again[0] == again[1]


def test_candidates_in_a_panel_household_are_skipped() -> None:
    keys: list[str | None] = ["h1", None, None, None, None, "h1", None]
    pool, quotas = make_pool("ffmmm" + "ff", "yoyoo" + "yy", keys)
    result = replace(pool, quotas, ["p0", "p1", "p2", "p3", "p4"], ["p1"], candidates=["p5", "p6"])
    assert [a.id for a in result.added] == ["p6"]
    assert result.skipped == (("p5", "shares a household with a panel member"),)


def test_a_dropped_persons_housemate_may_take_the_seat() -> None:
    keys: list[str | None] = ["h1", None, None, None, None, "h1"]
    pool, quotas = make_pool("ffmmm" + "f", "yoyoo" + "y", keys)
    result = replace(pool, quotas, ["p0", "p1", "p2", "p3", "p4"], ["p0"])
    assert [a.id for a in result.added] == ["p5"]


def test_seats_stay_empty_when_candidates_run_out() -> None:
    pool, quotas = make_pool("ffmmm" + "f", "yoyoo" + "y")
    result = replace(pool, quotas, ["p0", "p1", "p2", "p3", "p4"], ["p0", "p1"], candidates=["p5"])
    assert result.unfilled == 1
    assert len(result.panel) == 4


def test_bad_ids_are_all_reported() -> None:
    pool, quotas = make_pool("ffmmmf", "yoyooy")
    panel = ["p0", "p1", "p2", "p3", "p4"]
    with pytest.raises(InvalidInput) as info:
        replace(pool, quotas, panel, ["p5", "nobody"], candidates=["p1", "ghost"])
    codes = sorted(p.code for p in info.value.problems)
    assert codes == [
        "alternates_id_unknown",
        "alternates_id_unknown",
        "alternates_on_panel",
        "replace_dropped_not_on_panel",
    ]
    with pytest.raises(KleroError):
        replace(pool, quotas, panel, ["p0"], seed=-1)


def test_reasons_are_codes_that_render_in_each_language_and_stay_english_in_json() -> None:
    pool, quotas = make_pool("ffmmm" + "fm", "yoyoo" + "yo")
    result = replace(pool, quotas, ["p0", "p1", "p2", "p3", "p4"], ["p0"])
    (both,) = result.added  # a young woman leaves; only another can restore both quotas
    assert both.why.code == "replace_reason_restores"
    assert both.reason == f"replaces {both.replaces} (f, y): restores gender = f and age = y"
    assert both.why.text("fr") == (
        f"remplace {both.replaces} (f, y) : rétablit gender = f et age = y"
    )
    assert both.why.text("es").endswith("restablece gender = f y age = y")
    report = json.loads(json.dumps(result.to_dict()))
    added = next(a for a in report["added"] if a["id"] == both.id)
    assert added["reason"] == both.reason  # the JSON report keeps the English text
    saved = Message.from_dict({"code": added["reason_code"], "params": added["reason_params"]})
    assert saved.text("fr") == both.why.text("fr")


def test_unmet_quotas_and_skipped_candidates_render_in_french() -> None:
    pool, quotas = make_pool("ffmmm" + "mm", "yoyoo" + "oo")
    result = replace(pool, quotas, ["p0", "p1", "p2", "p3", "p4"], ["p0", "p1"])
    lines = {str(q.category): q.unmet_message() for q in result.unmet}
    women = lines["gender = f"]
    assert women is not None
    assert women.text() == ("gender = f stays 2 below its minimum: 0 seats, at least 2 needed.")
    assert women.text("fr") == (
        "gender = f reste 2 sous son minimum : 0 siège, au moins 2 nécessaires."
    )
    report = result.to_dict()
    below = next(q for q in report["unmet"] if q["value"] == "f")
    assert (below["status"], below["status_code"], below["status_params"]) == (
        "2 below the minimum",
        "replace_quota_below",
        {"missing": 2},
    )
    keys: list[str | None] = ["h1", None, None, None, None, "h1", None]
    pool, quotas = make_pool("ffmmm" + "ff", "yoyoo" + "yy", keys)
    skipped = replace(pool, quotas, ["p0", "p1", "p2", "p3", "p4"], ["p1"], candidates=["p5", "p6"])
    ((who, why),) = skipped.skipped_why
    assert (who, why.text("fr")) == ("p5", "partage un foyer avec un membre du panel")
