"""Nobody on two panels: the same person at two sites is reported at import, selected at one.

Integration (SQLite and PostgreSQL): 40 people of FR-lyon register at FR-paris too (30
by e-mail, 10 by phone); the import names both sites and the row; selecting both sites,
in either order, seats none of them twice and gives the same panels. Property: the rule
on random registrations leaves each person eligible at exactly one site, whatever the
order in which the sites are selected.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from klero.app import main
from recruitment import usecases as uc
from recruitment.db import open_database
from recruitment.models import Volunteer
from recruitment.usecases.cross_site import ON_PANEL, Registration, Why, exclusions, people
from sampling import SelectionSettings
from tests.recruitment.conftest import (
    PASSWORD,
    SITE,
    SIZE,
    Backend,
    World,
    pool_frame,
    quotas_for,
    write_pool,
)

PARIS = "FR-paris"
BY_EMAIL, BY_PHONE = 30, 10


def _paris_pool() -> pd.DataFrame:
    lyon = pool_frame()
    paris = pool_frame(seed=2, prefix="Q")
    paris.loc[: BY_EMAIL - 1, "email"] = lyon.loc[: BY_EMAIL - 1, "email"]
    rows = slice(BY_EMAIL, BY_EMAIL + BY_PHONE - 1)
    paris.loc[rows, "phone"] = lyon.loc[rows, "phone"].str.replace(" ", "")  # same number
    return paris


def _two_sites(world: World, folder: Path) -> list[uc.ImportReport]:
    """FR-lyon (Org A) and FR-paris (Org B), quotas set, Lyon's pool imported first."""
    uc.create_site(
        world.db,
        world.admin,
        uc.NewSite("Global Day", "FR", PARIS, "Paris", SIZE, "Org B", place="Paris"),
    )
    uc.set_quotas(world.db, world.partner, SITE, quotas_for())
    uc.set_quotas(world.db, world.other_partner, PARIS, quotas_for())
    lyon = write_pool(folder / "lyon.csv", pool_frame())
    paris = write_pool(folder / "paris.csv", _paris_pool())
    return [
        uc.import_pool(world.db, world.partner, SITE, lyon, address_columns=["address"]),
        uc.import_pool(world.db, world.other_partner, PARIS, paris, address_columns=["address"]),
    ]


def _select(world: World, site: str) -> uc.RunSummary:
    actor = world.partner if site == SITE else world.other_partner
    return uc.run_selection(world.db, actor, site, SelectionSettings(seed=5, alternates=3))


def test_a_person_at_two_sites_is_reported_at_import_with_both_sites(
    world: World, tmp_path: Path
) -> None:
    lyon, paris = _two_sites(world, tmp_path)
    assert not [p for p in lyon.problems if p.code == "pool_import_duplicate_site"]
    found = [p for p in paris.problems if p.code == "pool_import_duplicate_site"]
    assert len(found) == BY_EMAIL + BY_PHONE
    first = found[0]
    assert first.severity == "warning"
    assert dict(first.params) == {
        "row": 2,
        "id": "Q0000",
        "site": PARIS,
        "other": SITE,
        "eligible": SITE,
    }
    assert sorted(int(p.params["row"]) for p in found) == list(range(2, 42))
    assert "person0@example.org" not in first.message and "Row 2" in first.message
    assert len(paris.added) == 140  # reported, still registered (eligible if Lyon's drops)


def test_selecting_both_sites_in_either_order_seats_nobody_twice(
    backend: Backend, world: World, tmp_path: Path
) -> None:
    _two_sites(world, tmp_path)
    paris_first = _select(world, PARIS)
    lyon_second = _select(world, SITE)
    assert paris_first.excluded == BY_EMAIL + BY_PHONE and lyon_second.excluded == 0
    # The same set-up in a second database (same ids, same order of registration),
    # selected in the other order: the same panels.
    url = backend.fresh("world")
    twin = World(open_database(url), *backend.actors["world"])
    try:
        (tmp_path / "twin").mkdir()
        _two_sites(twin, tmp_path / "twin")
        lyon_first = _select(twin, SITE)
        paris_second = _select(twin, PARIS)
    finally:
        twin.db.dispose()
        backend.drop(url)
    assert (lyon_first.selected, lyon_first.alternates) == (
        lyon_second.selected,
        lyon_second.alternates,
    )
    assert (paris_first.selected, paris_first.alternates) == (
        paris_second.selected,
        paris_second.alternates,
    )
    assert paris_second.excluded == BY_EMAIL + BY_PHONE
    seated = {
        *paris_first.selected,
        *paris_first.alternates,
        *lyon_second.selected,
        *lyon_second.alternates,
    }
    duplicates = uc.cross_site_duplicates(world.db, world.coordinator, "Global Day")
    assert len(duplicates) == BY_EMAIL + BY_PHONE
    for person in duplicates:
        assert person.eligible == SITE
        assert sum(pseudonym in seated for _, pseudonym in person.registrations) <= 1
        paris_pseudonym = next(p for site, p in person.registrations if site == PARIS)
        assert paris_pseudonym not in seated
    assert any(p.seated == [SITE] for p in duplicates)


def test_coordinators_list_duplicates_by_site_and_pseudonym_only(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _two_sites(world, tmp_path)
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_USER", "coord")
    monkeypatch.delenv("KLERO_TOTP", raising=False)
    assert main(["pool", "duplicates", "--deliberation", "Global Day", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed["people"]) == BY_EMAIL + BY_PHONE
    assert {r["site"] for p in listed["people"] for r in p["registrations"]} == {SITE, PARIS}
    assert main(["pool", "duplicates", "--deliberation", "Global Day"]) == 0
    text = capsys.readouterr().out
    assert "40 people registered at more than one site." in text
    assert "example.org" not in text and "+33" not in text
    monkeypatch.setenv("KLERO_USER", "alice")
    assert main(["pool", "duplicates", "--deliberation", "Global Day"]) == 4


# -- the rule on its own: every person eligible at one site, whatever the order -----------

T0 = datetime(2026, 12, 1, tzinfo=UTC)
SITES = ["A", "B", "C", "D"]


@st.composite
def _registrations(draw: st.DrawFn) -> list[Registration]:
    n = draw(st.integers(2, 14))
    out = []
    for i in range(n):
        email = draw(st.sampled_from(["e0", "e1", "e2", "e3", None]))
        phone = draw(st.sampled_from(["p0", "p1", "p2", None]))
        minute = draw(st.integers(0, 3))  # ties are frequent: the site code breaks them
        out.append(
            Registration(
                i + 1,
                f"v{i:02d}",
                draw(st.sampled_from(SITES)),
                T0 + timedelta(minutes=minute),
                email,
                phone,
            )
        )
    return out


def _simulate(registrations: list[Registration], order: list[str]) -> dict[int, str]:
    """Select the sites one after another, each seating everyone the rule leaves eligible."""
    groups = people(registrations)
    seats: dict[int, str] = {}
    for site in order:
        out = {x.volunteer_id for x in exclusions(groups, dict.fromkeys(seats, ON_PANEL), site)}
        for r in registrations:
            if r.site == site and r.volunteer_id not in out:
                seats[r.volunteer_id] = site
    return seats


@given(_registrations(), st.permutations(SITES), st.permutations(SITES))
def test_the_rule_seats_a_person_at_one_site_in_any_order(
    registrations: list[Registration], order: list[str], other_order: list[str]
) -> None:
    groups = people(registrations)
    seats = _simulate(registrations, order)
    assert seats == _simulate(registrations, other_order)  # order changes nothing
    assert seats == _simulate(registrations[::-1], order)  # nor the order of the rows
    # In parallel (every snapshot before any seat): the same pools.
    parallel = {site: {x.volunteer_id for x in exclusions(groups, {}, site)} for site in SITES}
    assert seats == {
        r.volunteer_id: r.site for r in registrations if r.volunteer_id not in parallel[r.site]
    }
    for group in groups:
        seated_at = {seats[r.volunteer_id] for r in group if r.volunteer_id in seats}
        assert seated_at == {group[0].site}  # one site: where they registered first
        assert group[0].order == min(r.order for r in group)


def test_a_person_seated_elsewhere_is_left_out_even_if_registered_here_first() -> None:
    a = Registration(1, "va", "A", T0, "e", None)
    b = Registration(2, "vb", "B", T0 + timedelta(minutes=1), None, "p")
    bridge = Registration(3, "vc", "C", T0 + timedelta(minutes=2), "e", "p")
    [group] = people([bridge, b, a])
    assert [r.site for r in group] == ["A", "B", "C"]  # linked through C's e-mail and phone
    [left_out] = exclusions([group], {2: ON_PANEL}, "A")
    assert (left_out.pseudonym, left_out.other, left_out.why) == ("va", "B", Why.SEATED_ELSEWHERE)
    assert [x.other for x in exclusions([group], {}, "C")] == ["A"]


def _external_id(world: World, pseudonym: str) -> str:
    with world.db.unit_of_work() as session:
        found = session.execute(select(Volunteer).where(Volunteer.pseudonym == pseudonym))
        return str(found.scalar_one().external_id)


def test_a_late_registration_linking_two_people_never_seats_anyone_twice(
    world: World, tmp_path: Path
) -> None:
    """Lyon's alternate and a Paris member share no contact until a Nice registration links them."""
    uc.create_site(
        world.db, world.admin, uc.NewSite("Global Day", "FR", PARIS, "Paris", SIZE, "Org B")
    )
    uc.create_site(
        world.db, world.admin, uc.NewSite("Global Day", "FR", "FR-nice", "Nice", SIZE, "Org B")
    )
    for actor, site, frame in (
        (world.partner, SITE, pool_frame()),
        (world.other_partner, PARIS, pool_frame(seed=2, prefix="Q")),  # other people
    ):
        uc.set_quotas(world.db, actor, site, quotas_for())
        path = write_pool(tmp_path / f"{site}.csv", frame)
        uc.import_pool(world.db, actor, site, path, address_columns=["address"])
    lyon, paris = _select(world, SITE), _select(world, PARIS)
    assert lyon.excluded == paris.excluded == 0
    reserve, member = lyon.alternates[0], paris.selected[0]
    i, j = int(_external_id(world, reserve)[1:]), int(_external_id(world, member)[1:])
    report = uc.register_volunteer(
        world.db,
        world.other_partner,
        "FR-nice",
        "N1",
        {"gender": "female", "age": "60+", "region": "north"},
        {
            "email": str(pool_frame().loc[i, "email"]),
            "phone": str(pool_frame(seed=2, prefix="Q").loc[j, "phone"]),
        },
    )
    [warning] = [p for p in report.problems if p.code == "pool_import_duplicate_site"]
    assert warning.params["eligible"] == PARIS  # on Paris's panel: Paris is their site
    [person] = uc.cross_site_duplicates(world.db, world.coordinator, "Global Day")
    assert person.eligible == PARIS and person.seated == [SITE, PARIS]
    # Lyon's reserve list no longer offers them: the replacement passes them over.
    dropped = lyon.selected[0]
    done = uc.replace_dropouts(world.db, world.partner, lyon.run_id, [dropped], seed=1)
    assert reserve not in [a["pseudonym"] for a in done.added]
    assert done.added or done.unfilled == 1
    # A new Lyon selection leaves them out too (seated at Paris), though Lyon came first.
    again = _select(world, SITE)
    assert again.excluded == 1 and reserve not in {*again.selected, *again.alternates}
