"""The sites overview: regions of sites, one batched read of every site, roles respected."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from quotas.balance import overall_score
from quotas.problems import KleroError
from recruitment import dashboard_support as support
from recruitment import usecases as uc
from recruitment.models import AuditEvent
from sampling import SelectionSettings
from sampling.names import Algorithm
from tests.recruitment.conftest import SITE, SIZE, World, pool_frame, quotas_for


def _site(world: World, code: str, country: str, partner: str, region: str | None) -> None:
    uc.create_site(
        world.db,
        world.admin,
        uc.NewSite(
            deliberation="Global Day",
            country=country,
            code=code,
            name=code.split("-")[1].title(),
            panel_size=SIZE,
            partner=partner,
            region=region,
        ),
    )


def _with_pool(world: World, code: str, seed: int) -> None:
    uc.set_quotas(world.db, world.admin, code, quotas_for())
    frame = pool_frame(140, seed, prefix=code[:2] + str(seed))
    uc.import_frame(world.db, world.admin, code, frame, address_columns=["address"])


def _more_sites(world: World) -> None:
    """Besides FR-lyon (Org A, selected, no region): FR-paris (no quotas), KE-nairobi (ready)."""
    uc.create_country(world.db, world.admin, "Global Day", "KE", "Kenya")
    _site(world, "FR-paris", "FR", "Org B", "Île-de-France")
    _site(world, "KE-nairobi", "KE", "Org B", " Nairobi  City ")
    _with_pool(world, "KE-nairobi", 5)


@contextmanager
def _counting(world: World) -> Iterator[list[str]]:
    statements: list[str] = []

    def _count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(world.db.engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(world.db.engine, "before_cursor_execute", _count)


def test_a_site_region_is_trimmed_audited_and_listed(world: World) -> None:
    uc.create_country(world.db, world.admin, "Global Day", "KE", "Kenya")
    _site(world, "KE-nairobi", "KE", "Org B", "  Nairobi \t City ")
    _site(world, "FR-paris", "FR", "Org B", "   ")
    regions = {s.code: s.region for s in uc.list_sites(world.db, world.coordinator)}
    assert regions == {SITE: None, "FR-paris": None, "KE-nairobi": "Nairobi City"}
    with world.db.unit_of_work() as session:
        created = session.execute(
            select(AuditEvent).where(AuditEvent.entity_id == "KE-nairobi")
        ).scalar_one()
        assert created.after is not None and created.after["region"] == "Nairobi City"


def test_a_too_long_region_is_refused_with_a_clear_message(world: World) -> None:
    with pytest.raises(KleroError) as caught:
        _site(world, "FR-paris", "FR", "Org B", "x" * 201)
    assert caught.value.code == "region_too_long"
    assert "201 characters; at most 200" in caught.value.message
    assert [s.code for s in uc.list_sites(world.db, world.admin)] == [SITE]


def test_the_overview_gives_every_site_its_status_panel_and_score(
    selected_world: tuple[World, uc.RunSummary],
) -> None:
    world, summary = selected_world
    _more_sites(world)
    overview = uc.sites_overview(world.db, world.coordinator)
    sites = {s.code: s for s in overview.sites}
    assert list(sites) == [SITE, "FR-paris", "KE-nairobi"]
    lyon, paris, nairobi = sites[SITE], sites["FR-paris"], sites["KE-nairobi"]
    assert (lyon.country, lyon.country_name, lyon.region, lyon.partner) == (
        "FR",
        "France",
        None,
        "Org A",
    )
    assert (lyon.status, lyon.panel_run_id, lyon.seats, lyon.volunteers) == (
        "succeeded",
        summary.run_id,
        SIZE,
        140,
    )
    details = support.run_details(world.db, world.coordinator, SITE)
    assert details is not None
    people = details.panel.set_index("pseudonym")[list(details.pool.columns)]
    assert lyon.score == pytest.approx(overall_score(people, details.quotas))
    assert (paris.status, paris.region, paris.seats) == ("no_quotas", "Île-de-France", 0)
    assert math.isnan(paris.score)
    assert (nairobi.status, nairobi.region, nairobi.country_name) == (
        "ready",
        "Nairobi City",
        "Kenya",
    )
    assert nairobi.volunteers == 140 and nairobi.seats == 0 and math.isnan(nairobi.score)
    categories = overview.categories
    assert set(categories["site"]) == {SITE}  # only panels are aggregated
    assert len(categories) == len(quotas_for())
    assert (categories["seats"] == SIZE).all()
    assert categories.groupby("feature")["count"].sum().to_dict() == {
        "age": SIZE,
        "gender": SIZE,
        "region": SIZE,
    }


def test_the_overview_respects_roles(selected_world: tuple[World, uc.RunSummary]) -> None:
    world, _ = selected_world
    _more_sites(world)
    everyone = [SITE, "FR-paris", "KE-nairobi"]
    for actor in (world.admin, world.coordinator, world.evaluator):
        assert [s.code for s in uc.sites_overview(world.db, actor).sites] == everyone
    own = uc.sites_overview(world.db, world.partner)
    assert [s.code for s in own.sites] == [SITE]
    other = uc.sites_overview(world.db, world.other_partner)
    assert [s.code for s in other.sites] == ["FR-paris", "KE-nairobi"]
    assert other.categories.empty  # Org B has no panel, and never sees Org A's
    assert [s.code for s in uc.list_sites(world.db, world.other_partner)] == everyone[1:]


def test_the_overview_costs_the_same_queries_for_one_site_or_many(
    selected_world: tuple[World, uc.RunSummary],
) -> None:
    world, _ = selected_world
    with _counting(world) as few:
        uc.sites_overview(world.db, world.coordinator)
    _more_sites(world)
    for number in range(3):
        code = f"KE-site{number}"
        _site(world, code, "KE", "Org B", f"Region {number}")
        _with_pool(world, code, 10 + number)
    uc.run_selection(
        world.db, world.admin, "KE-nairobi", SelectionSettings(algorithm=Algorithm.LEGACY, seed=1)
    )
    with _counting(world) as many:
        overview = uc.sites_overview(world.db, world.coordinator)
    assert len(overview.sites) == 6 and set(overview.categories["site"]) == {SITE, "KE-nairobi"}
    assert len(many) == len(few), many
    with _counting(world) as listed:
        uc.list_sites(world.db, world.coordinator)
    assert len(listed) < len(many)
