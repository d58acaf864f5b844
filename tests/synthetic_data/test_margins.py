"""The shipped margins: format, sums, categories, sources."""

from __future__ import annotations

from pathlib import Path

import pycountry
import pytest

from quotas.targets import Margins
from synthetic_data import COUNTRIES, FEATURES, available_countries, margins_dict, margins_frame
from synthetic_data.countries import AGE_BANDS, EDUCATION, GENDERS, LITERACY, URBAN_RURAL

DATA = Path(__file__).resolve().parents[2] / "synthetic_data" / "data"
REAL = [c for c in available_countries() if not COUNTRIES[c].fictional]


def test_at_least_twelve_real_countries_on_several_continents() -> None:
    assert len(REAL) >= 12
    # Europe, Americas, Africa, Asia, Oceania
    for group in (
        ("FR", "DE", "GB"),
        ("US", "BR", "MX"),
        ("KE", "NG", "ZA", "EG", "SN"),
        ("IN", "JP", "ID"),
        ("AU",),
    ):
        assert any(code in REAL for code in group)
    assert "XX" in available_countries()


@pytest.mark.parametrize("code", available_countries())
def test_file_has_the_census_margins_header_and_shares_sum_to_one(code: str) -> None:
    assert (DATA / f"{code}.csv").read_text("utf-8").splitlines()[0] == "feature,value,share"
    frame = margins_frame(code)
    assert list(frame.columns) == ["feature", "value", "share"]
    assert (frame["share"] > 0).all()
    sums = frame.groupby("feature")["share"].sum()
    assert sums.to_dict() == pytest.approx(dict.fromkeys(FEATURES, 1.0), abs=1e-9)


@pytest.mark.parametrize("code", available_countries())
def test_standard_categories_in_order(code: str) -> None:
    margins = margins_dict(code)
    assert tuple(margins) == FEATURES
    assert tuple(margins["gender"]) == GENDERS
    assert tuple(margins["age"]) == AGE_BANDS
    assert tuple(margins["education"]) == EDUCATION
    assert tuple(margins["urban_rural"]) == URBAN_RURAL
    assert tuple(margins["literacy"]) == LITERACY
    # people who cannot read come from the least educated (the generator relies on it)
    assert margins["literacy"]["cannot read"] <= margins["education"]["none/primary"]
    assert not [p for p in Margins(margins).problems() if p.severity == "error"]


@pytest.mark.parametrize("code", REAL)
def test_regions_are_first_level_subdivisions(code: str) -> None:
    names = {
        s.name.split(" [")[0]
        for s in pycountry.subdivisions.get(country_code=code)
        if s.parent_code is None
    }
    regions = set(margins_dict(code)["region"])
    assert regions <= names
    # only documented exclusions (small overseas territories) may be left out
    assert len(regions) >= len(names) - 8


def test_every_country_names_its_source_and_year() -> None:
    sources = (DATA / "SOURCES.md").read_text("utf-8")
    assert "approximate" in sources.lower()
    for code, c in COUNTRIES.items():
        assert c.source and 2000 <= c.year <= 2030
        assert f"| {code} " in sources


def test_margins_frame_returns_a_copy() -> None:
    frame = margins_frame("FR")
    frame.loc[0, "share"] = 9.0
    assert margins_frame("FR").loc[0, "share"] != 9.0
