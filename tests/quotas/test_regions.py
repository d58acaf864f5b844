"""Regions found by name or ISO 3166-2 code, and census margins narrowed to a site's catchment."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotas.catchment import margins_for_catchment, narrowed_to_catchment
from quotas.regions import country_name, find_region, first_level, match_key, parse_catchment
from quotas.targets import Margins


@pytest.mark.parametrize(
    ("country", "text", "code"),
    [
        ("IN", "Bihar", "IN-BR"),
        ("IN", "bihār", "IN-BR"),
        ("FR", "Grand Est", "FR-GES"),
        ("FR", "grand-est", "FR-GES"),
        ("FR", "FR-GES", "FR-GES"),
        ("FR", "ges", "FR-GES"),
        ("FR", "Auvergne Rhone Alpes", "FR-ARA"),
        ("KE", "Nairobi City", "KE-30"),
    ],
)
def test_a_region_is_found_by_name_or_code_whatever_its_spelling(
    country: str, text: str, code: str
) -> None:
    found = find_region(country, text)
    assert found is not None and found.code == code


@pytest.mark.parametrize(("country", "text"), [("DE", "Bihar"), ("IN", "Grand Est"), ("FR", "")])
def test_a_region_of_another_country_is_not_found(country: str, text: str) -> None:
    assert find_region(country, text) is None


def test_a_catchment_lists_each_unknown_region_with_the_caller_s_parameters() -> None:
    regions, problems = parse_catchment("IN", "Bihar; Narnia ;bihar;IN-JH", {"row": 4})
    assert [r.code for r in regions] == ["IN-BR", "IN-JH"]
    assert [(p.code, dict(p.params)) for p in problems] == [
        ("region_unknown", {"row": 4, "region": "Narnia", "country": "IN"})
    ]


def test_country_names_come_from_iso_3166() -> None:
    assert (country_name("fr"), country_name("XX"), country_name("FRA")) == ("France", None, None)


@given(st.sampled_from(["FR", "IN", "KE", "BR", "DE"]), st.data())
def test_every_first_level_region_is_found_from_a_mangled_name(
    country: str, data: st.DataObject
) -> None:
    region = data.draw(st.sampled_from(first_level(country)))
    mangled = "".join(
        data.draw(st.sampled_from([c.upper(), c.lower(), c])) for c in region.name
    ).replace("-", " ")
    found = find_region(country, mangled)
    assert found is not None and match_key(found.name) == match_key(region.name)


MARGINS = pd.DataFrame(
    {
        "feature": ["gender", "gender", "region", "region", "region", "literacy", "literacy"],
        "value": ["female", "male", "Bihār", "Jhārkhand", "Goa", "literate", "cannot read"],
        "share": ["0.5", "0.5", "0.5", "0.3", "0.2", "0.8", "0.2"],
    },
    dtype=object,
)


def test_a_whole_country_site_gets_every_region() -> None:
    margins, problems = margins_for_catchment(MARGINS, "m.csv", "IN", [])
    assert margins is not None and not problems
    assert margins.features["region"] == {"Bihār": 0.5, "Jhārkhand": 0.3, "Goa": 0.2}


def test_a_regional_site_gets_only_its_regions_renormalised() -> None:
    catchment, _ = parse_catchment("IN", "Bihar;Jharkhand", {})
    margins, problems = margins_for_catchment(MARGINS, "m.csv", "IN", catchment)
    assert margins is not None and not problems
    assert margins.features["region"] == pytest.approx({"Bihār": 0.625, "Jhārkhand": 0.375})
    assert margins.features["gender"] == {"female": 0.5, "male": 0.5}


def test_rows_for_the_catchment_replace_the_country_s_rows_of_that_feature() -> None:
    frame = MARGINS.assign(catchment="")
    extra = pd.DataFrame(
        {
            "feature": ["literacy", "literacy", "literacy", "literacy"],
            "value": ["literate", "cannot read", "literate", "cannot read"],
            "share": ["0.6", "0.4", "0.9", "0.1"],
            "catchment": ["Bihar", "Bihar", "Goa", "Goa"],
        },
        dtype=object,
    )
    frame = pd.concat([frame, extra], ignore_index=True)
    bihar, _ = parse_catchment("IN", "IN-BR", {})
    margins, problems = margins_for_catchment(frame, "m.csv", "IN", bihar)
    assert margins is not None and not problems
    assert margins.features["literacy"] == {"literate": 0.6, "cannot read": 0.4}
    assert margins.features["region"] == {"Bihār": 1.0}
    country, _ = margins_for_catchment(frame, "m.csv", "IN", [])
    assert country is not None
    assert country.features["literacy"] == {"literate": 0.8, "cannot read": 0.2}


def test_a_bad_catchment_cell_and_a_bad_share_are_reported_with_their_file_rows() -> None:
    frame = MARGINS.assign(catchment=["", "", "", "", "", "Narnia", ""])
    frame.loc[6, "share"] = "lots"
    margins, problems = margins_for_catchment(frame, "m.csv", "IN", [])
    assert margins is None
    found = {(p.code, p.params.get("row")) for p in problems}
    assert ("margin_catchment_region_unknown", 7) in found
    assert ("margin_file_share_not_number", 8) in found


def test_a_catchment_with_no_share_in_the_region_criterion_is_refused() -> None:
    kerala, _ = parse_catchment("IN", "Kerala", {})
    margins, problems = margins_for_catchment(MARGINS, "m.csv", "IN", kerala)
    assert margins is None
    assert [p.code for p in problems] == ["margin_catchment_missing"]


@given(st.data())
def test_narrowed_region_shares_cover_only_the_catchment_and_add_up_to_one(
    data: st.DataObject,
) -> None:
    regions = first_level("IN")
    listed = data.draw(st.lists(st.sampled_from(regions), min_size=1, max_size=8, unique=True))
    weights = data.draw(st.lists(st.integers(1, 50), min_size=len(listed), max_size=len(listed)))
    # At least one listed region in the catchment, drawn rather than filtered for.
    shared = data.draw(st.sampled_from(listed))
    others = data.draw(st.lists(st.sampled_from(regions), max_size=3, unique=True))
    catchment = [shared, *(r for r in others if r != shared)]
    total = sum(weights)
    frame = pd.DataFrame(
        {
            "feature": ["region"] * len(listed),
            "value": [r.name for r in listed],
            "share": [str(w / total) for w in weights],
        },
        dtype=object,
    )
    margins, problems = margins_for_catchment(frame, "m.csv", "IN", catchment)
    assert margins is not None, problems
    shares = margins.features["region"]
    assert {find_region("IN", v) for v in shares} == set(catchment) & set(listed)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_crossed_margins_with_the_region_keep_the_catchment_s_cells() -> None:
    """Region x urban joint shares: a Bihar site keeps Bihar's cells, renormalised."""
    crossed = {
        ("region", "urban_rural"): {
            ("Bihār", "urban"): 0.1,
            ("Bihār", "rural"): 0.4,
            ("Goa", "urban"): 0.3,
            ("Goa", "rural"): 0.2,
        },
        ("gender", "urban_rural"): {("female", "urban"): 0.5, ("male", "rural"): 0.5},
    }
    region = {"Bihār": 0.5, "Goa": 0.5}
    margins = Margins({"region": region}, crossed)
    bihar, _ = parse_catchment("IN", "Bihar", {})
    narrowed, problems = narrowed_to_catchment(margins, "IN", bihar, "m")
    assert not problems
    assert narrowed.features["region"] == {"Bihār": 1.0}
    assert narrowed.crossed[("region", "urban_rural")] == pytest.approx(
        {("Bihār", "urban"): 0.2, ("Bihār", "rural"): 0.8}
    )
    assert narrowed.crossed[("gender", "urban_rural")] == crossed[("gender", "urban_rural")]
    assert narrowed_to_catchment(margins, "IN", [], "m") == (margins, [])
