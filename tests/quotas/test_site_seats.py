"""A deliberation's seats over its countries and sites: exact, bounded, house-monotone."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from quotas.populations import Populations, bundled_populations, read_area_populations
from quotas.problems import InvalidInput, KleroError
from quotas.seats import SeatMethod, allocate_bounded
from quotas.site_seats import SeatBasis, SiteUnit, allocate_sites

REGIONS = ("north", "south", "east")


@st.composite
def deliberations(draw: st.DrawFn) -> tuple[list[SiteUnit], Populations, int, SeatMethod, int]:
    """Sites in up to five countries with regions and bounds, and a total the bounds allow."""
    countries = draw(st.lists(st.integers(1, 10**8), min_size=1, max_size=5))
    people = Populations(
        {f"C{i}": p for i, p in enumerate(countries)},
        {f"C{i}": {r: draw(st.integers(1, 10**7)) for r in REGIONS} for i in range(len(countries))},
    )
    sites = []
    for i in range(len(countries)):
        for j in range(draw(st.integers(1, 4))):
            low = draw(st.integers(0, 60))
            high = draw(st.integers(low, low + 150))
            regions = tuple(draw(st.lists(st.sampled_from(REGIONS), min_size=1, max_size=2)))
            sites.append(SiteUnit(f"S{i}-{j}", f"C{i}", low, high, regions))
    method = draw(st.sampled_from(list(SeatMethod)))
    base = draw(st.integers(0, 30)) if method is SeatMethod.DEGRESSIVE else 0
    low = sum(s.low for s in sites)
    if method is SeatMethod.DEGRESSIVE:
        starts = {
            c: max(base, sum(s.low for s in sites if s.country == c)) for c in people.countries
        }
        assume(
            all(
                starts[s.country] <= sum(t.high for t in sites if t.country == s.country)
                for s in sites
            )
        )
        low = sum(starts.values())
    high = sum(s.high for s in sites)
    assume(max(low, 1) < high)  # a total of at least one seat, below the largest
    total = draw(st.integers(max(low, 1), high - 1))
    return sites, people, total, method, base


bases = st.sampled_from(list(SeatBasis))


@given(deliberations(), bases)
def test_seats_add_up_and_each_site_stays_within_its_bounds(case: tuple, by: SeatBasis) -> None:
    sites, people, total, method, base = case
    plan = allocate_sites(sites, people, total, method, base=base, by=by)
    assert sum(plan.sites.values()) == total
    assert all(s.low <= plan.sites[s.code] <= s.high for s in sites)
    for country, seats in plan.countries.items():
        assert seats == sum(plan.sites[s.code] for s in sites if s.country == country)


@given(deliberations(), bases)
def test_one_more_seat_in_total_takes_no_seat_from_any_site(case: tuple, by: SeatBasis) -> None:
    sites, people, total, method, base = case
    before = allocate_sites(sites, people, total, method, base=base, by=by).sites
    after = allocate_sites(sites, people, total + 1, method, base=base, by=by).sites
    assert all(after[code] >= seats for code, seats in before.items())
    assert sum(after.values()) == total + 1


@given(deliberations(), st.data())
def test_a_country_that_grows_never_loses_a_seat(case: tuple, data: st.DataObject) -> None:
    sites, people, total, method, base = case
    assume(method is not SeatMethod.EQUAL)
    country = data.draw(st.sampled_from(sorted(people.countries)))
    more = data.draw(st.integers(1, 10**8))
    grown = Populations({**people.countries, country: people.countries[country] + more})
    before = allocate_sites(sites, people, total, method, base=base).countries
    after = allocate_sites(sites, grown, total, method, base=base).countries
    assert after[country] >= before[country]


def test_sites_of_a_country_share_equally_or_by_their_regions() -> None:
    people = Populations({"FR": 60}, {"FR": {"north": 30, "south": 10}})
    sites = [SiteUnit("A", "FR", 0, 100, ("north",)), SiteUnit("B", "FR", 0, 100, ("south",))]
    assert allocate_sites(sites, people, 40, SeatMethod.PROPORTIONAL).sites == {"A": 20, "B": 20}
    by_region = allocate_sites(sites, people, 40, SeatMethod.PROPORTIONAL, by=SeatBasis.REGION)
    assert by_region.sites == {"A": 30, "B": 10}
    # a region two sites share counts half for each
    shared = [*sites, SiteUnit("C", "FR", 0, 100, ("north",))]
    plan = allocate_sites(shared, people, 40, SeatMethod.PROPORTIONAL, by=SeatBasis.REGION)
    assert plan.sites == {"A": 15, "B": 10, "C": 15}


def test_every_missing_population_is_listed_at_once() -> None:
    sites = [SiteUnit("A", "XX", 0, 9), SiteUnit("B", "YY", 0, 9, ("north",))]
    with pytest.raises(InvalidInput) as caught:
        allocate_sites(sites, Populations({}), 5, SeatMethod.PROPORTIONAL)
    assert [p.params["country"] for p in caught.value.problems] == ["XX", "YY"]
    two = [SiteUnit("A", "FR", 0, 9), SiteUnit("B", "FR", 0, 9, ("west",))]
    people = Populations({"FR": 5}, {"FR": {"north": 5}})
    with pytest.raises(InvalidInput) as caught:
        allocate_sites(two, people, 5, SeatMethod.PROPORTIONAL, by=SeatBasis.REGION)
    assert [p.code for p in caught.value.problems] == [
        "seats_site_region_missing",
        "seats_region_population_missing",
    ]


def test_bounds_that_cannot_add_up_are_refused() -> None:
    with pytest.raises(KleroError) as caught:
        allocate_bounded({"A": 1, "B": 1}, 30, SeatMethod.EQUAL, {"A": (0, 10), "B": (5, 10)})
    assert caught.value.code == "seats_total_outside_bounds"
    with pytest.raises(KleroError):
        allocate_sites([], Populations({}), 5, SeatMethod.EQUAL)


def test_the_bundled_table_has_every_country_it_names() -> None:
    world = bundled_populations()
    assert len(world.countries) == 244
    assert world.country("in") == 1_366_417_754  # World Bank, 2019
    assert world.country("TW") == 23_424_615 and world.country("XK") == 1_794_248
    assert all(len(code) == 2 and people >= 0 for code, people in world.countries.items())


def test_a_population_file_may_name_regions_by_code_or_name(tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text("unit,population\nIN,1400\nIN-BR,124\nFR-ARA,8\n", encoding="utf-8")
    found = read_area_populations(units)
    assert found.countries == {"IN": 1400}
    assert found.region("IN", "Bihār") == found.region("in", "bihar") == 124
    assert found.region("FR", "Auvergne-Rhône-Alpes") == 8
    named = tmp_path / "named.csv"
    named.write_text(
        "country,region,population\nFR,,68\nFR,Grand-Est,5\nFR,grand est,5\nFR,,1\nFR,Corse,x\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        read_area_populations(named)
    assert [(p.code, p.params["row"]) for p in caught.value.problems] == [
        ("seats_unit_repeated", 4),
        ("seats_unit_repeated", 5),
        ("seats_population_invalid_cell", 6),
    ]
