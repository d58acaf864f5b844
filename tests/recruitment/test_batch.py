"""Selecting every ready site of a deliberation in one batch (issue 13 §5).

Four sites besides FR-lyon's fixture pool: two more feasible ones (one in another
country), one whose quotas no panel can meet and one without quotas. Each selected site
is a run like any other (audited, re-runnable); the infeasible one is a failed run with
its explanation; nothing stops the others; the seeds follow the documented formula.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from klero.app import main
from quotas.languages import ENV, PSEUDO
from quotas.messages import PSEUDO_MARKS, Message
from quotas.model import quota_table
from recruitment import usecases as uc
from recruitment.models import AuditEvent, SelectionRun
from recruitment.permissions import PermissionDenied
from sampling import SelectionSettings
from tests.recruitment.conftest import PASSWORD, SITE, World, pool_frame, quotas_for, write_pool

SMALL = 50
DELIBERATION = "Global Day"


def _add_site(world: World, folder: Path, code: str, country: str, prefix: str, n: int) -> None:
    uc.create_site(
        world.db,
        world.admin,
        uc.NewSite(
            deliberation=DELIBERATION,
            country=country,
            code=code,
            name=code,
            place=code,
            panel_size=SMALL,
            partner="Org A",
        ),
    )
    path = write_pool(folder / f"{code}.csv", pool_frame(n, seed=len(code), prefix=prefix))
    uc.import_pool(
        world.db,
        world.partner,
        code,
        path,
        address_columns=["address"],
        feature_columns=["gender", "age", "region"],
    )


def _four_sites(world: World, folder: Path) -> None:
    """FR-paris and DE-berlin feasible, FR-nice infeasible, FR-lille without quotas."""
    uc.create_country(world.db, world.admin, DELIBERATION, "DE", "Germany")
    for code, country, prefix, n in [
        ("FR-paris", "FR", "Q", 120),
        ("DE-berlin", "DE", "R", 120),
        ("FR-nice", "FR", "S", 60),
        ("FR-lille", "FR", "T", 60),
    ]:
        _add_site(world, folder, code, country, prefix, n)
    uc.set_quotas(world.db, world.partner, "FR-paris", quotas_for(SMALL))
    uc.set_quotas(world.db, world.partner, "DE-berlin", quotas_for(SMALL))
    # About 18 of the 60 volunteers are 60+: no panel of 50 has 45 of them.
    impossible = quota_table(
        [("age", "16-34", 0, 50), ("age", "35-59", 0, 50), ("age", "60+", 45, 50)]
    )
    uc.set_quotas(world.db, world.partner, "FR-nice", impossible)


def _by_site(report: uc.BatchReport) -> dict[str, uc.SiteOutcome]:
    return {o.site: o for o in report.outcomes}


def test_a_batch_selects_every_ready_site_and_lists_the_others(
    ready: World, tmp_path: Path
) -> None:
    _four_sites(ready, tmp_path)
    seen: list[tuple[str, int, int]] = []
    report = uc.run_batch(
        ready.db,
        ready.coordinator,
        DELIBERATION,
        SelectionSettings(seed=42, alternates=2),
        progress=lambda o, done, total: seen.append((o.site, done, total)),
    )
    out = _by_site(report)
    assert {s: o.status for s, o in out.items()} == {
        SITE: "selected",
        "FR-paris": "selected",
        "DE-berlin": "selected",
        "FR-nice": "infeasible",
        "FR-lille": "skipped",
    }
    assert [n for _, n, _ in seen] == [1, 2, 3, 4, 5] and {t for *_, t in seen} == {5}
    assert out["FR-lille"].message.code == "batch_site_no_quotas"
    assert out["FR-nice"].error_code == "quotas_infeasible"
    assert out["FR-nice"].explanation  # the conflict in words
    assert report.exit_code == 1
    assert out["FR-paris"].selected == SMALL and out["FR-paris"].alternates == 2
    with ready.db.unit_of_work() as session:
        runs = {r.id: r for r in session.execute(select(SelectionRun)).scalars()}
        actions = [e.action for e in session.execute(select(AuditEvent)).scalars()]
        nice = runs[out["FR-nice"].run_id or 0]
        assert (nice.status, nice.error_code) == ("failed", "quotas_infeasible")
        for code in (SITE, "FR-paris", "DE-berlin"):
            run = runs[out[code].run_id or 0]
            assert run.status == "succeeded" and run.started_by == "coord"
            assert run.seed == uc.site_number(42, code)
            assert run.settings["batch"]["id"] == report.batch_id
            assert run.settings["batch"]["number"] == 42
    assert actions.count("selection.start") == 4 and actions.count("selection.succeeded") == 3
    assert actions.count("batch.start") == 1 and actions.count("batch.end") == 1
    # A second batch skips what is selected and tries the infeasible site again.
    again = _by_site(uc.run_batch(ready.db, ready.admin, DELIBERATION, SelectionSettings(seed=42)))
    assert again["FR-paris"].message.code == "batch_site_already_selected"
    assert again["FR-paris"].run_id == out["FR-paris"].run_id
    assert again["FR-nice"].status == "infeasible"


def test_a_batch_run_reruns_like_a_single_run(ready: World, tmp_path: Path) -> None:
    report = uc.run_batch(
        ready.db, ready.admin, DELIBERATION, SelectionSettings(public_number=777_000)
    )
    (only,) = report.outcomes
    assert only.status == "selected" and only.public_number == uc.site_number(777_000, SITE)
    rerun = uc.rerun_selection(ready.db, ready.evaluator, only.run_id or 0)
    assert rerun.ok, rerun.message


def test_partners_may_not_run_a_batch_and_coordinators_may(ready: World) -> None:
    with pytest.raises(PermissionDenied):
        uc.run_batch(ready.db, ready.partner, DELIBERATION, SelectionSettings(seed=1))
    with pytest.raises(PermissionDenied):
        uc.plan_batch(ready.db, ready.evaluator, DELIBERATION)
    # The coordinator may batch, but still not run a single site's selection.
    with pytest.raises(PermissionDenied):
        uc.run_selection(ready.db, ready.coordinator, SITE, SelectionSettings(seed=1))
    plan = uc.plan_batch(ready.db, ready.coordinator, DELIBERATION, country="fr")
    assert plan.ready == [(SITE, "FR")] and plan.skipped == []
    assert uc.plan_batch(ready.db, ready.coordinator, DELIBERATION, country="DE").ready == []


@pytest.mark.parametrize(
    ("number", "code"), [(42, "FR-lyon"), (0, "DE-berlin"), (2**31 - 1, "Bihār-01")]
)
def test_site_numbers_follow_the_documented_formula(number: int, code: str) -> None:
    text = f"{code}:{number}".encode()
    expected = int(hashlib.sha256(text).hexdigest()[:16], 16) % 2147483648
    assert uc.site_number(number, code) == expected
    assert 0 <= expected < 2**31


@pytest.fixture
def batch_command(ready: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``klero select --all-ready`` on the four sites, with the users' password set."""
    _four_sites(ready, tmp_path)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    command = ["select", "--deliberation", DELIBERATION, "--all-ready", "--seed", "5"]
    return [*command, "--database-url", str(ready.db.engine.url.render_as_string(False))]


def test_klero_select_all_ready_prints_each_site_and_exits_by_the_worst(
    batch_command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    args = batch_command
    code = main([*args, "--country", "DE", "--workers", "1", "--user", "coord", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(s["site"], s["status"]) for s in payload["sites"]] == [("DE-berlin", "selected")]
    assert payload["sites"][0]["seed"] == uc.site_number(5, "DE-berlin")
    assert main([*args, "--workers", "1", "--user", "coord"]) == 1
    printed = capsys.readouterr().out
    assert "FR-nice" in printed and "infeasible" in printed and "already selected" in printed
    assert main([*args, "--user", "alice"]) == 4


def test_the_infeasible_site_s_explanation_is_printed_in_the_cli_language(
    batch_command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The batch keeps why FR-nice cannot be met as messages, written in KLERO_LANG (issue 15)."""
    args = [*batch_command, "--country", "FR", "--workers", "1", "--user", "coord"]
    monkeypatch.setenv(ENV, "fr")
    assert main([*args, "--json"]) == 1
    (nice,) = [s for s in json.loads(capsys.readouterr().out)["sites"] if s["site"] == "FR-nice"]
    reasons = [Message.from_dict(r) for r in nice["reasons"]]
    assert reasons and " ".join(m.text() for m in reasons) == nice["explanation"]
    french = " ".join(m.text("fr") for m in reasons)
    assert french != nice["explanation"]
    # FR-nice is tried again by each batch; its explanation line is in the CLI's language.
    assert main(args) == 1
    assert f"FR-nice: {french}" in capsys.readouterr().out.splitlines()
    monkeypatch.setenv(ENV, PSEUDO)
    assert main(args) == 1
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("FR-nice: ")]
    opening, closing = PSEUDO_MARKS
    assert line.startswith(f"FR-nice: {opening}") and line.endswith(closing), line
    # ``klero site feasibility`` says it in the CLI's language too.
    url = batch_command[batch_command.index("--database-url") + 1]
    check = ["site", "feasibility", "--site", "FR-nice", "--database-url", url, "--user", "coord"]
    monkeypatch.setenv(ENV, "fr")
    assert main(check) == 1
    assert french in capsys.readouterr().out


def test_a_site_whose_selection_fails_is_a_failed_run_and_the_batch_exits_3(
    ready: World,
) -> None:
    settings = SelectionSettings(seed=1, algorithm_settings={"no_such_setting": 1})
    report = uc.run_batch(ready.db, ready.coordinator, DELIBERATION, settings)
    (only,) = report.outcomes
    assert only.status == "failed" and only.error_code and report.exit_code == 3
    assert only.message.code == "batch_site_failed"
    with ready.db.unit_of_work() as session:
        run = session.get(SelectionRun, only.run_id)
        assert run is not None and (run.status, run.error_code) == ("failed", only.error_code)
