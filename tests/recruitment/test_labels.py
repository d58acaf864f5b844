"""Labels of criteria and categories per language: set, read, audited, from margins, in reports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from klero.app import main
from quotas.labels import LabelRow
from quotas.problems import InvalidInput
from recruitment import usecases as uc
from recruitment.models import AuditEvent
from recruitment.permissions import PermissionDenied
from tests.recruitment.conftest import PASSWORD, World

DELIB = "Global Day"
PLAN = Path(__file__).resolve().parents[2] / "recruitment" / "data" / "plan"


def _labels(world: World) -> set[tuple[str, str, str, str]]:
    rows = uc.deliberation_labels(world.db, world.evaluator, DELIB)
    return {(r.criterion, r.category, r.lang, r.label) for r in rows}


def test_coordinators_and_the_site_s_partner_label_others_may_not(world: World) -> None:
    rows = [LabelRow("gender", "", "fr", "Genre"), LabelRow("gender", "female", "ar", "أنثى")]
    report = uc.set_labels(world.db, world.coordinator, DELIB, rows)
    assert (report.changed, report.removed, report.total) == (2, 0, 2)
    partner = uc.set_labels(
        world.db, world.partner, DELIB, [LabelRow("Gender", "", "fr", "Sexe")]
    )  # matched case-insensitively: the same label, changed
    assert (partner.changed, partner.total) == (1, 2)
    for outsider in (world.other_partner, world.evaluator):
        with pytest.raises(PermissionDenied):
            uc.set_labels(world.db, outsider, DELIB, [LabelRow("gender", "", "fr", "X")])
    assert _labels(world) == {("gender", "", "fr", "Sexe"), ("gender", "female", "ar", "أنثى")}
    removed = uc.set_labels(world.db, world.admin, DELIB, [LabelRow("gender", "", "fr", "")])
    assert (removed.removed, removed.total) == (1, 1)
    with world.db.unit_of_work() as session:
        events = session.execute(
            select(AuditEvent.actor, AuditEvent.after).where(AuditEvent.action == "labels.set")
        ).all()
    assert [e.actor for e in events] == ["coord", "alice", "admin"]
    assert events[1].after == {"Gender||fr": "Sexe"}
    unchanged = uc.set_labels(
        world.db, world.admin, DELIB, [LabelRow("gender", "female", "ar", "أنثى")]
    )
    assert unchanged.changed == 0


def test_klero_imports_and_exports_a_labels_file(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    common = ["deliberation", "labels", "--deliberation", DELIB, "--database-url", world.db.url]
    source = tmp_path / "labels.csv"
    source.write_text(
        "criterion,category,lang,label\ngender,,fr,Genre\ngender,female,zh_hans,女\n", "utf-8"
    )
    assert main([*common, "--user", "coord", "--import", str(source)]) == 0
    assert "2 labels changed" in capsys.readouterr().out
    out = tmp_path / "out.csv"
    assert main([*common, "--user", "eve", "--export", str(out)]) == 0
    exported = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert exported.to_dict("records") == [
        {"criterion": "gender", "category": "", "lang": "fr", "label": "Genre"},
        {"criterion": "gender", "category": "female", "lang": "zh-Hans", "label": "女"},
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("criterion,category,lang,label\n,x,fr,a\ngender,x,klingon,b\n", "utf-8")
    before = _labels(world)
    assert main([*common, "--user", "coord", "--import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Row 2 of bad.csv" in err and "klingon" in err and "Row 3" in err
    assert _labels(world) == before  # nothing half-stored
    assert main([*common, "--user", "coord"]) == 2  # neither --import nor --export


def test_a_plan_s_margins_fill_the_labels(world: World, tmp_path: Path) -> None:
    folder = tmp_path / "plan"
    shutil.copytree(PLAN, folder)
    margins = pd.read_csv(folder / "margins_FR.csv", dtype=str, keep_default_na=False)
    margins["label_fr"] = [
        {"female": "femme", "male": "homme"}.get(v, "") for v in margins["value"]
    ]
    margins.to_csv(folder / "margins_FR.csv", index=False)
    plan = pd.read_csv(folder / "plan.csv", dtype=str, keep_default_na=False)
    plan[plan["site_code"] == "FR-grenoble"].assign(pool_file="").to_csv(
        folder / "plan.csv", index=False
    )  # one site, no pool: the labels are what this test is about
    uc.import_plan(world.db, world.coordinator, DELIB, folder / "plan.csv")
    assert {("gender", "female", "fr", "femme"), ("gender", "male", "fr", "homme")} <= _labels(
        world
    )
    margins["label_xx"] = "?"
    margins.to_csv(folder / "margins_FR.csv", index=False)
    with pytest.raises(InvalidInput) as refused:
        uc.import_plan(world.db, world.coordinator, DELIB, folder / "plan.csv")
    assert refused.value.code == "labels_language_unknown"
