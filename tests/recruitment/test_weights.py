"""Weights for a stored site's panel or its attendees, through the use case and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from klero.app import main
from quotas.problems import KleroError
from quotas.raking import census_shares
from recruitment import usecases as uc
from recruitment.dashboard_support import run_details
from recruitment.models import AuditEvent
from tests.recruitment.conftest import PASSWORD, SITE, World

FEATURES = ["gender", "age", "region"]


def _members(world: World) -> pd.DataFrame:
    details = run_details(world.db, world.evaluator, SITE)
    assert details is not None
    chosen = details.seats[details.seats["kind"] == "selected"]["pseudonym"]
    return details.pool.loc[sorted(chosen), FEATURES]


def _meets_census(found: uc.SiteWeights, people: pd.DataFrame, world: World) -> None:
    details = run_details(world.db, world.evaluator, SITE)
    assert details is not None
    weights = pd.Series(found.weights.weights, index=list(found.ids))
    assert (weights > 0).all() and weights.mean() == pytest.approx(1)
    for feature in FEATURES:
        values = details.quotas.values(feature)
        shares = np.asarray(census_shares(details.quotas, feature))
        shares = shares / shares.sum()
        column = people.loc[list(found.ids), feature]
        for value, share in zip(values, shares, strict=True):
            weighted = weights[column == value].sum() / weights.sum()
            assert weighted == pytest.approx(share, abs=0.001)


def test_the_panel_and_the_attendees_are_weighted_to_the_run_census(
    selected_world: tuple[World, uc.RunSummary],
) -> None:
    world, summary = selected_world
    people = _members(world)
    found = uc.site_weights(world.db, world.evaluator, SITE)
    assert (found.site, found.run_id, found.group) == (SITE, summary.run_id, "panel")
    assert list(found.ids) == list(people.index)
    assert found.criteria == found.all_criteria == found.weightable == tuple(FEATURES)
    _meets_census(found, people, world)
    one = uc.site_weights(world.db, world.evaluator, SITE, criteria=["Gender"])
    assert one.criteria == ("gender",) and set(one.categories["feature"]) == {"gender"}
    with pytest.raises(KleroError) as unknown:
        uc.site_weights(world.db, world.evaluator, SITE, criteria=["colour"])
    assert unknown.value.code == "weights_unknown_criteria"

    with pytest.raises(KleroError) as caught:
        uc.site_weights(world.db, world.evaluator, SITE, attendees=True)
    assert caught.value.code == "weights_no_attendees"
    # One attendee per combination of categories on the panel: any census can be met.
    attended = sorted(people.reset_index().groupby(FEATURES)["pseudonym"].first())
    for pseudonym in attended:
        for status in ("invited", "confirmed", "attended"):
            uc.record_seat_status(world.db, world.partner, summary.run_id, pseudonym, status)
    found = uc.site_weights(world.db, world.coordinator, SITE, attendees=True, trim=10)
    assert found.group == "attendees" and list(found.ids) == attended
    assert found.weights.weights.max() <= 10 * (1 + 1e-6)
    _meets_census(found, people, world)


def _exports(world: World) -> list[AuditEvent]:
    with world.db.unit_of_work() as session:
        query = select(AuditEvent).where(AuditEvent.action == "weights.export")
        return list(session.execute(query.order_by(AuditEvent.id)).scalars())


def test_a_dashboard_download_is_recorded_computing_is_not(
    selected_world: tuple[World, uc.RunSummary],
) -> None:
    world, summary = selected_world
    before = len(_exports(world))
    found = uc.site_weights(world.db, world.evaluator, SITE, criteria=["gender"], trim=4)
    assert len(_exports(world)) == before  # computed and shown: nothing handed over yet
    uc.record_weights_export(world.db, world.evaluator, found, "balance_tests")
    event = _exports(world)[-1]
    assert (event.actor, event.entity, event.entity_id) == ("eve", "run", str(summary.run_id))
    after = event.after or {}
    assert after == {
        "file": "balance_tests",
        "group": "panel",
        "criteria": ["gender"],
        "trim": 4.0,
        "rows": len(found.ids),
    }
    assert not set(map(str, found.ids)) & set(json.dumps(after).split('"'))  # no pseudonym
    with pytest.raises(ValueError):
        uc.record_weights_export(world.db, world.evaluator, found, "everything")


def test_klero_weights_site_writes_pseudonyms_and_weights(
    selected_world: tuple[World, uc.RunSummary],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: object,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world, summary = selected_world
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    out = f"{tmp_path}/weights.xlsx"
    args = ["weights", "--site", SITE, "--user", "eve", "--database-url", world.db.url]
    assert main([*args, "--out", out, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["run"] == summary.run_id and payload["group"] == "panel"
    table = pd.read_excel(out, dtype={"id": str})
    assert list(table.columns) == ["id", "weight"] and len(table) == payload["people"]
    event = _exports(world)[-1]  # the file handed over is in the audit trail
    assert event.actor == "eve" and (event.after or {})["file"] == "weights"
    recorded = len(_exports(world))
    assert main([*args, "--json"]) == 0 and len(_exports(world)) == recorded  # no file
    assert main([*args, "--panel", "x.csv"]) == 2
    assert (
        main(["weights", "--site", "XX-none", "--user", "eve", "--database-url", world.db.url]) == 2
    )
