"""The selection pipeline: what its hash covers, how its settings are recorded, how it draws."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotas.problems import KleroError
from sampling import pipeline
from sampling.alternates.dropouts import DEFAULT_DROPOUT
from sampling.alternates.records import dropout_from_record, dropout_record
from sampling.names import Algorithm, AlternatesMethod
from sampling.pipeline import (
    SelectionRequest,
    SelectionSettings,
    draw_panel,
    select_panel,
)
from tests.sampling.test_reproducible import small_pool

BASE = SelectionSettings(seed=3, lottery_size=100, alternates=3)


def _digest(chosen: SelectionSettings) -> str:
    pool, quotas = small_pool()
    return SelectionRequest(pool, quotas, 10, chosen).input_sha256


CHANGES: dict[str, dict[str, Any]] = {
    "alternates count": {"alternates": 4},
    "no alternates": {"alternates": 0},
    "alternates method": {"alternates_method": AlternatesMethod.SCALED},
    "drop-out rate": {"dropout": 0.2},
    "drop-out rates by category": {"dropout": {("age", "60+"): 0.3}},
    "lottery size": {"lottery_size": 1000},
    "algorithm seed": {"seed": 4},
    "algorithm": {"algorithm": Algorithm.MAXIMIN},
    "algorithm settings": {"algorithm_settings": {"tol": 1e-9}},
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_the_hash_changes_with_everything_that_can_change_panel_or_alternates(
    change: dict[str, Any],
) -> None:
    assert _digest(dataclasses.replace(BASE, **change)) != _digest(BASE)


def test_the_hash_changes_with_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _digest(BASE)
    monkeypatch.setattr(pipeline, "ENGINE", "1999-01-01.1")
    assert _digest(BASE) != before
    assert BASE.canonical()["engine"] == "1999-01-01.1"


def test_the_hash_ignores_what_cannot_change_anything() -> None:
    # Without alternates, their method and rates change nothing; the same rates written
    # as a number or as the rate of everyone are the same rates.
    bare = dataclasses.replace(BASE, alternates=0)
    assert _digest(bare) == _digest(
        dataclasses.replace(bare, alternates_method=AlternatesMethod.SCALED, dropout=0.4)
    )
    assert _digest(dataclasses.replace(BASE, dropout=0.2)) == _digest(
        dataclasses.replace(BASE, dropout={("*", "*"): 0.2})
    )
    # A public number is drawn after the lottery is published: it cannot be in its hash.
    by_number = SelectionSettings(public_number=5, lottery_size=100, alternates=3)
    assert _digest(by_number) == _digest(dataclasses.replace(by_number, public_number=77))


rates = st.floats(0, 1, allow_nan=False)
categories = st.tuples(st.sampled_from(["*", "age", "gender"]), st.sampled_from(["*", "60+", "f"]))


@settings(max_examples=100, deadline=None)
@given(st.one_of(rates, st.dictionaries(categories, rates, max_size=5)))
def test_recorded_rates_read_back_as_the_same_rates(dropout: Any) -> None:
    recorded = dropout_record(dropout)
    assert dropout_record(dropout_from_record(recorded)) == recorded
    back = dropout_from_record(recorded)
    if isinstance(dropout, dict):
        listed = {**{("*", "*"): DEFAULT_DROPOUT}, **dropout}
        expected = listed if len(listed) > 1 else listed[("*", "*")]
        assert back == expected
    else:
        assert back == dropout


def test_settings_read_back_from_their_record_hash_alike() -> None:
    chosen = dataclasses.replace(
        BASE,
        algorithm=Algorithm.NASH,
        alternates_method=AlternatesMethod.SCALED,
        dropout={("age", "60+"): 0.3},
        algorithm_settings={"tol": 1e-7},
    )
    again = SelectionSettings.from_record(
        algorithm="nash", seed=3, public_number=None, settings=chosen.canonical()
    )
    assert again.canonical() == chosen.canonical() and _digest(again) == _digest(chosen)


def test_exactly_one_number_draws() -> None:
    for seed, number in ((None, None), (1, 2)):
        with pytest.raises(KleroError) as caught:
            SelectionSettings(seed=seed, public_number=number)
        assert caught.value.code == "draw_source_invalid"


@pytest.mark.parametrize("draw", [{"seed": 9}, {"public_number": 4711}], ids=["seed", "number"])
def test_the_number_that_draws_the_panel_seeds_the_alternates(draw: dict[str, int]) -> None:
    from sampling.alternates.select import select_alternates

    pool, quotas = small_pool()
    chosen = SelectionSettings(
        lottery_size=100,
        alternates=3,
        seed=draw.get("seed"),
        public_number=draw.get("public_number"),
    )
    result = select_panel(SelectionRequest(pool, quotas, 10, chosen))
    (number,) = draw.values()
    assert result.drawn.value == number
    assert result.drawn == draw_panel(
        result.lottery, seed=chosen.seed, public_number=chosen.public_number
    )
    again = select_alternates(pool, quotas, result.selected, 3, seed=number)
    assert result.alternate_ids == list(again.ids)
    report = result.report()
    assert report["settings"] == chosen.canonical() and report["selected"] == result.selected
    assert [a["id"] for a in report["alternates"]["alternates"]] == result.alternate_ids
