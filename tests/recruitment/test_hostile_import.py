"""The service's pool import and quota upload on the hostile corpus, on SQLite and PostgreSQL.

A file that cannot be read is refused with its code (InvalidInput: exit 2 on the command
line) and nothing is stored: no volunteer, no quota version, no audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quotas.model import quota_table
from quotas.problems import InvalidInput, errors_only
from recruitment import usecases as uc
from recruitment.models import AuditEvent, QuotaSet, Volunteer
from tests.hostile_corpus import FULL_WIDTH, POOL_ONLY, REFUSED, SLOW
from tests.recruitment.conftest import SITE, World

# The corpus's categories, with bounds a site's panel of 50 can meet.
CATEGORIES = quota_table(
    [
        (f, v, 0, 50)
        for f, values in {"gender": ["female", "male"], "age": ["16-29", "30-49", "50+"]}.items()
        for v in values
    ]
)


def _stored(world: World) -> tuple[int, int, int]:
    """Volunteers, quota versions and audit events in the database."""
    with world.db.unit_of_work() as session:
        return tuple(  # type: ignore[return-value]
            int(session.execute(select(func.count()).select_from(m)).scalar_one())
            for m in (Volunteer, QuotaSet, AuditEvent)
        )


def _refused(call: Callable[[], object]) -> list[str]:
    with pytest.raises(InvalidInput) as raised:
        call()
    assert raised.value.exit_code == 2
    return [p.code for p in raised.value.problems]


def _cases(names: set[str]) -> list[object]:
    return [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in sorted(names)]


@pytest.mark.parametrize("name", _cases(set(REFUSED) - SLOW))
def test_a_hostile_pool_file_is_refused_and_nothing_is_stored(
    name: str, world: World, hostile_file: Callable[[str], Path]
) -> None:
    before = _stored(world)
    codes = _refused(lambda: uc.import_pool(world.db, world.partner, SITE, hostile_file(name)))
    assert REFUSED[name][0] in codes
    assert _stored(world) == before


@pytest.mark.parametrize("name", _cases(set(REFUSED) - POOL_ONLY - SLOW))
def test_a_hostile_quota_file_is_refused_and_nothing_is_stored(
    name: str, world: World, hostile_file: Callable[[str], Path]
) -> None:
    before = _stored(world)
    path = hostile_file(name)
    codes = _refused(lambda: uc.set_quotas_from_file(world.db, world.partner, SITE, path))
    assert REFUSED[name][0] in codes
    margins = _refused(lambda: uc.set_quotas_from_margins_file(world.db, world.partner, SITE, path))
    assert REFUSED[name][0] in margins
    assert _stored(world) == before


def test_200000_bad_rows_are_refused_with_a_bounded_list(
    world: World, hostile_file: Callable[[str], Path]
) -> None:
    before = _stored(world)
    with pytest.raises(InvalidInput) as raised:
        uc.import_pool(world.db, world.partner, SITE, hostile_file("bad_rows.csv"))
    problems = raised.value.problems
    assert [p.code for p in problems].count("pool_duplicate_id") == 20
    (more,) = [p for p in problems if p.code == "problems_more"]
    assert more.params == {"kind": "pool_duplicate_id", "count": 99_980}
    # The message lists the errors shown, one a line: a bounded list, not 100,000 lines.
    assert len(str(raised.value).splitlines()) == len(errors_only(problems)) < 30
    assert _stored(world) == before


def test_a_look_alike_category_is_refused_naming_both_spellings(
    world: World, hostile_file: Callable[[str], Path]
) -> None:
    uc.set_quotas(world.db, world.partner, SITE, CATEGORIES)
    before = _stored(world)
    with pytest.raises(InvalidInput) as raised:
        uc.import_pool(world.db, world.partner, SITE, hostile_file("look_alike.csv"))
    (problem,) = raised.value.problems
    assert problem.code == "pool_unknown_value_look_alike"
    assert problem.params["known_value"] == "male" and problem.params["row"] == 3
    assert problem.params["letters"] == "U+0430 CYRILLIC SMALL LETTER A"
    assert _stored(world) == before


def test_a_full_width_category_is_stored_as_the_category(
    world: World, hostile_file: Callable[[str], Path]
) -> None:
    uc.set_quotas(world.db, world.partner, SITE, CATEGORIES)
    report = uc.import_pool(world.db, world.partner, SITE, hostile_file("full_width.csv"))
    assert len(report.added) == 6
    assert [p.code for p in report.problems] == ["pool_value_compatibility_form"]
    with world.db.unit_of_work() as session:
        genders = session.execute(select(Volunteer.features)).scalars().all()
    assert sorted(f["gender"] for f in genders) == ["female"] * 3 + ["male"] * 3
    assert not any(FULL_WIDTH in str(f) for f in genders)
    # The same file again: the rows are known, not in conflict with themselves.
    again = uc.import_pool(world.db, world.partner, SITE, hostile_file("full_width.csv"))
    assert again.unchanged == 6 and again.added == []
