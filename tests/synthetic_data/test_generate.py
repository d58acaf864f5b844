"""The pool generator: reproducible, faithful to the margins, biased like real pools."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from quotas.pool import Pool
from quotas.problems import InvalidInput
from quotas.targets import quotas_from_margins
from synthetic_data import (
    CHANNELS,
    FEATURES,
    HOUSEHOLD_SHARE,
    PII_COLUMNS,
    available_countries,
    faker_locales,
    generate_pool,
    margins_dict,
    margins_object,
    write_synthetic,
)


def _shares(pool: pd.DataFrame, feature: str) -> pd.Series:
    return pool[feature].value_counts(normalize=True)


def test_same_seed_same_pool_and_different_seed_different_pool() -> None:
    first = generate_pool("FR", 400, seed=11)
    assert first.equals(generate_pool("FR", 400, seed=11))
    other = generate_pool("FR", 400, seed=12)
    assert not first[list(FEATURES)].equals(other[list(FEATURES)])
    assert not first["name"].equals(other["name"])


def test_personal_details_do_not_change_the_people() -> None:
    with_pii = generate_pool("KE", 300, seed=4)
    without = generate_pool("KE", 300, seed=4, pii=False)
    assert not set(PII_COLUMNS) & set(without.columns)
    assert with_pii[list(without.columns)].equals(without)


@pytest.mark.parametrize("code", available_countries())
def test_every_country_generates_within_its_categories(code: str) -> None:
    pool = generate_pool(code, 300, seed=2)
    assert len(pool) == 300 and pool["id"].is_unique
    assert pool["id"].str.fullmatch(rf"{code}-V\d{{6}}").all()
    margins = margins_dict(code)
    for feature in FEATURES:
        assert set(pool[feature]) <= set(margins[feature])
    assert pool[list(PII_COLUMNS)].notna().all().all()
    assert (pool[list(PII_COLUMNS)] != "").all().all()
    assert pool["email"].is_unique and pool["phone"].is_unique
    assert not pool["street_address"].str.contains("\n").any()


def test_without_bias_the_pool_follows_the_margins() -> None:
    pool = generate_pool("GB", 6000, seed=3, bias=0.0, pii=False)
    margins = margins_dict("GB")
    for feature in ("gender", "age", "education", "urban_rural", "region", "literacy"):
        shares = _shares(pool, feature)
        for value, share in margins[feature].items():
            assert abs(shares.get(value, 0.0) - share) < 0.025, (feature, value)


def test_self_selection_over_represents_the_educated_and_the_old() -> None:
    margins = margins_dict("BR")
    biased = generate_pool("BR", 4000, seed=5, bias=1.0, pii=False)
    assert _shares(biased, "education")["tertiary"] > margins["education"]["tertiary"] + 0.10
    assert _shares(biased, "age")["65+"] > margins["age"]["65+"] + 0.01
    assert _shares(biased, "age")["16-24"] < margins["age"]["16-24"]
    stronger = generate_pool("BR", 4000, seed=5, bias=2.0, pii=False)
    assert _shares(stronger, "education")["tertiary"] > _shares(biased, "education")["tertiary"]


def test_education_depends_on_age_and_literacy_on_education() -> None:
    pool = generate_pool("IN", 8000, seed=6, bias=0.0, pii=False)
    tertiary = pool["education"] == "tertiary"
    assert tertiary[pool["age"] == "25-34"].mean() > tertiary[pool["age"] == "65+"].mean()
    assert (
        tertiary[pool["urban_rural"] == "urban"].mean()
        > tertiary[pool["urban_rural"] == "rural"].mean()
    )
    cannot_read = pool["literacy"] == "cannot read"
    assert not cannot_read[tertiary].any()
    assert cannot_read[pool["education"] == "none/primary"].mean() > 0.3


def test_people_who_cannot_read_never_register_online() -> None:
    pool = generate_pool("NG", 3000, seed=7, pii=False)
    assert set(pool["registration_channel"]) == set(CHANNELS)
    non_readers = pool[pool["literacy"] == "cannot read"]
    assert len(non_readers) > 50
    assert set(non_readers["registration_channel"]) <= {"phone", "in person with assistance"}


@pytest.mark.parametrize("size", [2, 999, 5000])
def test_household_share_and_shared_addresses(size: int) -> None:
    pool = generate_pool("DE", size, seed=8)
    shared = pool["household"].duplicated(keep=False)
    assert shared.sum() == 2 * round(HOUSEHOLD_SHARE * size / 2)
    assert pool["household"].value_counts().max() <= 2
    address = pool[["street_address", "postcode", "city"]].agg("|".join, axis=1)
    # one address per household, and different households never share an address
    assert (pool.groupby("household")["street_address"].nunique() == 1).all()
    assert address.nunique() == pool["household"].nunique()
    pairs = pool[shared].groupby("household")
    assert (pairs["region"].nunique() == 1).all() and (pairs["urban_rural"].nunique() == 1).all()


def test_locales_and_their_fallbacks() -> None:
    assert faker_locales("FR").person == "fr_FR" and not faker_locales("FR").fallback
    assert faker_locales("JP").address == "ja_JP"
    senegal = faker_locales("SN")
    assert (senegal.person, senegal.address, senegal.fallback) == ("fr_FR", "fr_FR", True)
    kenya = faker_locales("KE")
    assert (kenya.person, kenya.address) == ("en_KE", "en_GB")
    assert faker_locales("EG").person == "ar_AA"
    assert generate_pool("SN", 50, seed=1)["email"].str.fullmatch(r"[a-z0-9.]+@[a-z0-9.-]+").all()
    japanese = generate_pool("JP", 50, seed=1)
    assert japanese["email"].str.fullmatch(r"[a-z0-9.]+@[a-z0-9.-]+").all()
    assert japanese["phone"].str.startswith("+81 ").all()


def test_unknown_country_lists_the_available_codes() -> None:
    with pytest.raises(InvalidInput) as caught:
        generate_pool("ZZ", 10, seed=1)
    assert caught.value.code == "synth_unknown_country"
    for code in available_countries():
        assert code in caught.value.message
    assert generate_pool("fr", 3, seed=1, pii=False)["id"].iloc[0] == "FR-V000001"


def test_every_bad_argument_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        generate_pool("ZZ", 0, seed=-1, bias=-2.0)
    codes = [p.code for p in caught.value.problems]
    assert codes == [
        "synth_unknown_country",
        "synth_size_invalid",
        "synth_seed_invalid",
        "synth_bias_invalid",
    ]


def test_pool_loads_with_quotas_from_its_margins() -> None:
    pool = generate_pool("MX", 500, seed=9, pii=False)
    quotas = quotas_from_margins(margins_object(margins_dict("MX")), 60, tolerance_points=5.0)
    people = Pool.build(
        list(pool["id"]), pool[list(quotas.features)], quotas, list(pool["household"])
    )
    assert people.size == 500 and people.features == FEATURES
    assert len(people.households()) == pool["household"].duplicated().sum()


def test_write_synthetic_writes_pool_margins_and_quotas(tmp_path: Path) -> None:
    paths = write_synthetic("ZA", 300, 1, tmp_path / "out", panel_size=40, pii=False)
    assert sorted(paths) == ["margins", "pool", "quotas"]
    pool = pd.read_csv(paths["pool"], dtype=str, keep_default_na=False)
    assert pool.equals(generate_pool("ZA", 300, seed=1, pii=False).astype(str))
    margins = pd.read_csv(paths["margins"])
    assert list(margins.columns) == ["feature", "value", "share"]
    assert np.allclose(margins.groupby("feature")["share"].sum(), 1.0)
    quotas = pd.read_csv(paths["quotas"])
    assert {"feature", "value", "min", "max"} <= set(quotas.columns)
    assert len(quotas) == len(margins)
    assert "quotas" not in write_synthetic("ZA", 30, 1, tmp_path / "two", pii=False)


def test_write_synthetic_checks_the_panel_size_and_country(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        write_synthetic("QQ", 100, 1, tmp_path, panel_size=500)
    assert [p.code for p in caught.value.problems] == [
        "synth_unknown_country",
        "synth_panel_size_invalid",
    ]
    assert not list(tmp_path.iterdir())


def test_addresses_stay_distinct_when_a_locale_has_few_streets() -> None:
    from synthetic_data.personal import _household_addresses

    household = np.array([0, 1, 2, 2, 3, 4, 5])
    anchor = np.array([0, 1, 2, 2, 4, 5, 6])
    rng = np.random.default_rng(1)
    street, postcode, city = _household_addresses(
        household, anchor, ["1 High St", "2 High St"], ["AB1"], ["Town"], rng
    )
    keys = [f"{s}|{p}|{c}" for s, p, c in zip(street, postcode, city, strict=True)]
    assert keys[2] == keys[3]
    assert len(set(keys)) == 6


@pytest.mark.parametrize("code", ["FR", "JP", "EG"])
def test_written_files_load_with_the_project_readers(tmp_path: Path, code: str) -> None:
    from quotas.formats import read_quotas
    from quotas.margin_files import read_margins
    from quotas.pool_files import load_pool

    paths = write_synthetic(code, 400, 3, tmp_path, panel_size=50)
    assert read_margins(paths["margins"]).features == margins_dict(code)
    quotas = read_quotas(paths["quotas"])
    by_address = load_pool(
        paths["pool"], quotas, address_columns=("street_address", "postcode", "city")
    )
    assert not [p for p in by_address.problems if p.severity == "error"]
    by_key = load_pool(paths["pool"], quotas, address_columns=("household",)).raise_for_errors()
    assert by_address.raise_for_errors().sha256() == by_key.sha256()
    assert len(by_key.households()) == round(HOUSEHOLD_SHARE * 400 / 2)
