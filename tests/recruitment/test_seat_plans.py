"""Seats of a stored deliberation shared among its countries and sites, then applied.

On SQLite and PostgreSQL: the allocation over the sites (totals, bounds, countries by
population, sites by their regions), ``--apply`` through a use case (coordinators and
admins, audited, idempotent, one transaction), partners refused, selected panels kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from klero.app import main
from quotas.populations import read_area_populations
from quotas.problems import InvalidInput, KleroError
from quotas.seats import SeatMethod
from quotas.site_seats import SeatBasis
from recruitment import usecases as uc
from recruitment.models import AuditEvent, Site
from recruitment.permissions import PermissionDenied
from tests.recruitment.conftest import PASSWORD, SITE, World

DAY = "World Day"
# (country, site, region): two sites in France, three in India, one in Luxembourg.
SITES = [
    ("FR", "FR-paris", "Île-de-France"),
    ("FR", "FR-marseille", "Provence-Alpes-Côte d'Azur"),
    ("IN", "IN-patna", "Bihar"),
    ("IN", "IN-delhi", "IN-DL"),
    ("IN", "IN-mumbai", "maharashtra"),
    ("LU", "LU-lux", None),
]
POPULATIONS = """country,region,population
FR,,68000000
FR,FR-IDF,12300000
FR,Provence-Alpes-Côte-d’Azur,5100000
IN,,270000000
IN,Bihār,124000000
IN,Delhi,20000000
IN,IN-MH,125000000
LU,,650000
"""


def _world_day(world: World) -> None:
    admin = world.admin
    uc.create_deliberation(world.db, admin, DAY)
    for code, name in (("FR", "France"), ("IN", "India"), ("LU", "Luxembourg")):
        uc.create_country(world.db, admin, DAY, code, name)
    for country, code, region in SITES:
        site = uc.NewSite(DAY, country, code, code, 100, "Org B", region=region)
        uc.create_site(world.db, admin, site)


def _sizes(world: World) -> dict[str, int]:
    with world.db.unit_of_work() as session:
        return {s.code: s.panel_size for s in session.execute(select(Site)).scalars()}


def _events(world: World) -> int:
    with world.db.unit_of_work() as session:
        return int(session.execute(select(func.count(AuditEvent.id))).scalar_one())


def test_the_plan_shares_the_total_by_population_within_the_site_bounds(world: World) -> None:
    _world_day(world)
    before, events = _sizes(world), _events(world)
    request = uc.SeatRequest(DAY, 700, SeatMethod.PROPORTIONAL, maximum=180)
    found = uc.plan_seats(world.db, world.coordinator, request)
    seats = {s.code: s.seats for s in found.sites}
    assert sum(seats.values()) == 700
    assert all(50 <= n <= 180 for n in seats.values())  # 50: the in-person sites' minimum
    countries = {c.code: c for c in found.countries}
    assert countries["IN"].seats == 3 * 180  # India's share is far above its sites' maximum
    assert countries["LU"].seats == 50  # Luxembourg's is below its site's minimum
    assert countries["FR"].seats == 110 and {seats["FR-paris"], seats["FR-marseille"]} == {55}
    assert countries["IN"].population_share > 0.95 and countries["IN"].sites == 3
    assert not found.applied and _sizes(world) == before and _events(world) == events


def test_sites_share_their_country_by_their_regions_populations(
    world: World, tmp_path: Path
) -> None:
    _world_day(world)
    path = tmp_path / "populations.csv"
    path.write_text(POPULATIONS, encoding="utf-8")
    people = read_area_populations(path)
    request = uc.SeatRequest(
        DAY, 600, SeatMethod.DEGRESSIVE, base=50, by=SeatBasis.REGION, populations=people
    )
    found = uc.plan_seats(world.db, world.evaluator, request)
    seats = {s.code: s.seats for s in found.sites}
    assert sum(seats.values()) == 600
    # Paris's region is 2.4 times Marseille's; Delhi's a sixth of Bihar's or Maharashtra's
    assert seats["FR-paris"] > seats["FR-marseille"] >= 50
    assert seats["IN-patna"] > seats["IN-delhi"] and seats["IN-mumbai"] > seats["IN-delhi"]
    population = {s.code: s.population for s in found.sites}
    assert population["IN-delhi"] == 20_000_000 and population["LU-lux"] == 650_000


def test_region_sharing_lists_every_site_it_cannot_place(world: World, tmp_path: Path) -> None:
    _world_day(world)
    path = tmp_path / "populations.csv"
    path.write_text(POPULATIONS.replace("IN,Delhi,20000000\n", ""), encoding="utf-8")
    request = uc.SeatRequest(DAY, 700, by=SeatBasis.REGION, populations=read_area_populations(path))
    with pytest.raises(InvalidInput) as caught:
        uc.plan_seats(world.db, world.admin, request)
    codes = [(p.code, p.params.get("site")) for p in caught.value.problems]
    assert codes == [("seats_region_population_missing", "IN-delhi")]


def test_apply_sets_the_panel_sizes_audited_once(world: World) -> None:
    _world_day(world)
    request = uc.SeatRequest(DAY, 700, SeatMethod.EQUAL)
    events = _events(world)
    found = uc.apply_seats(world.db, world.coordinator, request)
    sizes = _sizes(world)
    assert {code: sizes[code] for _, code, _ in SITES} == {s.code: s.seats for s in found.sites}
    # equal: 116 or 117 per site, the extra seats to the sites of the most populous countries
    assert sizes["IN-delhi"] == 117 and sizes["LU-lux"] == 116 and sizes[SITE] == 50
    assert sorted(found.changed) == sorted(code for _, code, _ in SITES)
    assert _events(world) == events + len(SITES)
    with world.db.unit_of_work() as session:
        last = session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
        assert last is not None and last.action == "site.panel_size"
    assert uc.verify_audit(world.db, world.admin).ok
    again = uc.apply_seats(world.db, world.admin, request)
    assert again.changed == [] and _events(world) == events + len(SITES)


def test_partners_may_neither_apply_nor_see_others_sites(world: World) -> None:
    _world_day(world)
    request = uc.SeatRequest(DAY, 700)
    before = _sizes(world)
    with pytest.raises(PermissionDenied):
        uc.apply_seats(world.db, world.other_partner, request)
    with pytest.raises(PermissionDenied):
        uc.plan_seats(world.db, world.partner, request)  # Org A runs none of these sites
    with pytest.raises(PermissionDenied):
        uc.apply_seats(world.db, world.evaluator, request)
    assert _sizes(world) == before


def test_a_selected_panel_keeps_its_size(selected_world: tuple[World, uc.RunSummary]) -> None:
    world, _ = selected_world
    uc.create_country(world.db, world.admin, "Global Day", "LU", "Luxembourg")
    site = uc.NewSite("Global Day", "LU", "LU-lux", "Luxembourg", 100, "Org A")
    uc.create_site(world.db, world.admin, site)
    events = _events(world)
    request = uc.SeatRequest("Global Day", 170, SeatMethod.PROPORTIONAL)
    found = uc.apply_seats(world.db, world.admin, request)
    assert {s.code: (s.seats, s.selected) for s in found.sites} == {
        SITE: (50, True),  # France's share is larger, but Lyon's panel is drawn
        "LU-lux": (120, False),
    }
    assert found.changed == ["LU-lux"] and _events(world) == events + 1
    with pytest.raises(KleroError) as caught:
        uc.plan_seats(world.db, world.admin, uc.SeatRequest("Global Day", 300))
    assert caught.value.code == "seats_total_outside_bounds"  # 50 + at most 200


def test_the_cli_prints_the_plan_and_applies_it(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _world_day(world)
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    args = ["seats", "allocate", "--deliberation", DAY, "--total", "700", "--maximum", "180"]
    assert main([*args, "--user", "coord"]) == 0
    shown = capsys.readouterr().out
    assert "3 countries and 6 sites" in shown and "Nothing changed" in shown
    assert main([*args, "--user", "bob", "--apply"]) == 4
    assert main([*args, "--user", "coord", "--apply", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["applied"] and len(payload["changed"]) == 6
    assert _sizes(world)["FR-paris"] == 55
    assert main([*args, "--user", "coord", "--by", "continent"]) == 2
    assert main(["seats", "allocate", "--total", "700", "--apply"]) == 2
