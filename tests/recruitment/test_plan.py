"""A deliberation's plan imported at once: sites, catchments, online sites, pools and quotas."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from klero.app import main
from quotas.problems import InvalidInput, KleroError
from recruitment import usecases as uc
from recruitment.catchment import site_regions
from recruitment.models import AuditEvent, Country, Organisation, Site, Volunteer, VolunteerContact
from recruitment.permissions import PermissionDenied
from tests.recruitment.conftest import PASSWORD, World

EXAMPLE = Path(__file__).resolve().parents[2] / "recruitment" / "data" / "plan"
DELIB = "Global Day"


@pytest.fixture
def plan_dir(tmp_path: Path) -> Path:
    """A copy of the example plan and its files, free to edit."""
    folder = tmp_path / "plan"
    shutil.copytree(EXAMPLE, folder)
    return folder


def _plan(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "plan.csv", dtype=str, keep_default_na=False)


def _write(folder: Path, frame: pd.DataFrame, name: str = "plan.csv") -> Path:
    path = folder / name
    if name.endswith(".xlsx"):
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def _counts(world: World) -> tuple[int, int, int, int, int]:
    """Audit events, sites, countries, organisations, volunteers."""
    with world.db.unit_of_work() as session:
        return tuple(  # type: ignore[return-value]
            session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (AuditEvent, Site, Country, Organisation, Volunteer)
        )


def _events(world: World, after: int) -> list[tuple[str, str | None]]:
    with world.db.unit_of_work() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.entity_id)
            .where(AuditEvent.id > after)
            .order_by(AuditEvent.id)
        ).all()
        return [(a, e) for a, e in rows]


def _last_event(world: World) -> int:
    with world.db.unit_of_work() as session:
        return int(session.execute(select(func.max(AuditEvent.id))).scalar_one())


def test_the_example_plan_creates_countries_partners_sites_pools_and_quotas(
    world: World, plan_dir: Path
) -> None:
    result = uc.import_plan(world.db, world.coordinator, DELIB, plan_dir / "plan.csv")
    assert result.countries_created == ["IN", "KE"]  # FR was there already
    assert result.organisations_created == ["Baraza Kenya", "Civic Lab", "Jan Sabha Trust"]
    assert [(s.site, s.outcome, s.volunteers_added, s.quota_version) for s in result.sites] == [
        ("FR-grenoble", "created", 200, 1),
        ("FR-online", "created", 240, 1),
        ("IN-patna", "created", 200, 1),
        ("KE-mombasa", "created", 200, 1),
        ("KE-eldoret", "created", 200, 1),
    ]
    with world.db.unit_of_work() as session:
        sites = {s.code: s for s in session.execute(select(Site)).scalars()}
        patna, online = sites["IN-patna"], sites["FR-online"]
        assert (site_regions(patna), patna.region, patna.kind) == (["Bihār"], "Bihār", "in_person")
        assert (site_regions(online), online.kind, online.panel_size) == ([], "online", 80)
        assert patna.languages == ["hi", "en"]
        assert session.execute(select(Country.name).where(Country.code == "KE")).scalar() == (
            "Kenya"
        )
        # personal data encrypted in its own table, never among the criteria
        contacts = session.execute(select(func.count()).select_from(VolunteerContact)).scalar()
        assert contacts == 1040
        features = session.execute(select(Volunteer.features).limit(1)).scalar_one()
        assert "email" not in features and "name" not in features
    # a regional site gets quotas for its region only, with the file's shares for Bihar
    patna_quotas = uc.site_quotas(world.db, world.admin, "IN-patna").table
    assert {q.value for q in patna_quotas if q.feature == "region"} == {"Bihār"}
    literate = next(q for q in patna_quotas if q.value == "literate")
    assert literate.target_share == pytest.approx(0.62)
    mombasa = uc.site_quotas(world.db, world.admin, "KE-mombasa").table
    assert {q.value for q in mombasa if q.feature == "region"} == {"Mombasa"}
    eldoret = uc.site_quotas(world.db, world.admin, "KE-eldoret").table
    assert len({q.value for q in eldoret if q.feature == "region"}) > 40


def test_the_same_plan_again_changes_nothing_and_records_nothing(
    world: World, plan_dir: Path
) -> None:
    uc.import_plan(world.db, world.admin, DELIB, plan_dir / "plan.csv")
    before = _counts(world)
    again = uc.import_plan(world.db, world.admin, DELIB, plan_dir / "plan.csv")
    assert not again.changed
    assert [s.outcome for s in again.sites] == ["unchanged"] * 5
    assert _counts(world) == before


def test_a_changed_row_updates_only_that_site_with_one_audit_event(
    world: World, plan_dir: Path
) -> None:
    uc.import_plan(world.db, world.admin, DELIB, plan_dir / "plan.csv")
    last = _last_event(world)
    plan = _plan(plan_dir)
    plan.loc[4, "site_name"] = "Eldoret City"
    plan.loc[4, "languages"] = "sw"
    result = uc.import_plan(world.db, world.admin, DELIB, _write(plan_dir, plan))
    assert [(s.site, s.outcome, s.changed) for s in result.sites if s.outcome != "unchanged"] == [
        ("KE-eldoret", "updated", ["languages", "name"])
    ]
    assert _events(world, last) == [("site.update", "KE-eldoret")]
    # a new panel size changes the site and derives its quotas again
    plan.loc[1, "panel_size"] = "5000"
    result = uc.import_plan(world.db, world.admin, DELIB, _write(plan_dir, plan))
    online = next(s for s in result.sites if s.site == "FR-online")
    assert (online.changed, online.quota_version) == (["panel_size"], 2)
    # an online site of 5,000 cannot become an in-person one keeping its size
    plan.loc[1, "kind"], plan.loc[1, "panel_size"] = "in_person", ""
    with pytest.raises(InvalidInput) as refused:
        uc.import_plan(world.db, world.admin, DELIB, _write(plan_dir, plan))
    assert [(p.code, p.params["row"]) for p in refused.value.problems] == [
        ("plan_panel_size_out_of_range", 3)
    ]


def test_an_xlsx_plan_is_read_like_a_csv_one(world: World, plan_dir: Path) -> None:
    path = _write(plan_dir, _plan(plan_dir).iloc[[2]], "plan.xlsx")
    result = uc.import_plan(world.db, world.admin, DELIB, path)
    assert [(s.site, s.outcome, s.volunteers_added) for s in result.sites] == [
        ("IN-patna", "created", 200)
    ]


def test_every_problem_is_listed_with_its_row_and_nothing_is_stored(
    world: World, plan_dir: Path
) -> None:
    plan = _plan(plan_dir)
    plan.loc[0, "region"] = "Bihar"  # not a region of France
    plan.loc[1, "panel_size"] = "20000"  # online, but over 10,000
    plan.loc[2, "panel_size"] = "5000"  # in person: 50 to 200
    plan.loc[3, "country"] = "QQ"
    plan.loc[4, "kind"] = "hybrid"
    extra = {c: "" for c in plan.columns}
    rows = [
        {**extra, "site_code": "X-1", "site_name": "", "country": "FR", "partner": "P"},
        {**extra, "site_code": "X-2", "site_name": "B", "country": "fr", "partner": "P"},
        {**extra, "site_code": "X-1", "site_name": "C", "country": "FR", "partner": "P"},
    ]
    rows[1].update(languages="fr;not a tag", pool_file="../secret.csv", margins_file="absent.csv")
    rows[2].update(tolerance_points="-3", panel_size="fifty")
    plan = pd.concat([plan, pd.DataFrame(rows)], ignore_index=True)
    before = _counts(world)
    with pytest.raises(InvalidInput) as refused:
        uc.import_plan(world.db, world.admin, DELIB, _write(plan_dir, plan))
    found = {(p.code, p.params.get("row")) for p in refused.value.problems}
    assert found == {
        ("plan_region_unknown", 2),
        ("plan_panel_size_out_of_range", 3),
        ("plan_panel_size_out_of_range", 4),
        ("plan_country_unknown", 5),
        ("plan_kind_unknown", 6),
        ("plan_blank_cell", 7),
        ("plan_language_invalid", 8),
        ("plan_file_outside", 8),
        ("plan_file_missing", 8),
        ("plan_site_repeated", 9),
        ("plan_tolerance_invalid", 9),
        ("plan_panel_size_not_number", 9),
    }
    assert _counts(world) == before


def test_a_bad_pool_or_margins_file_refuses_the_whole_plan(world: World, plan_dir: Path) -> None:
    pool = pd.read_csv(plan_dir / "pool_KE-eldoret.csv", dtype=str)
    pool.loc[3, "gender"] = "unknown-gender"
    pool.to_csv(plan_dir / "pool_KE-eldoret.csv", index=False)
    (plan_dir / "margins_IN.csv").write_text("feature,value,share\ngender,female,lots\n")
    before = _counts(world)
    with pytest.raises(InvalidInput) as refused:
        uc.import_plan(world.db, world.admin, DELIB, plan_dir / "plan.csv")
    codes = {p.code for p in refused.value.problems}
    assert "margin_file_share_not_number" in codes
    assert any(p.params.get("source") == "pool_KE-eldoret.csv" for p in refused.value.problems)
    assert _counts(world) == before


def test_a_plan_cannot_take_another_deliberation_s_site_or_move_a_site(
    world: World, plan_dir: Path
) -> None:
    uc.create_deliberation(world.db, world.admin, "Other Day")
    plan = _plan(plan_dir).iloc[[0, 1]].reset_index(drop=True)
    plan.loc[0, "site_code"] = "FR-lyon"  # FR-lyon is Global Day's
    with pytest.raises(InvalidInput) as refused:
        uc.import_plan(world.db, world.admin, "Other Day", _write(plan_dir, plan))
    assert [p.code for p in refused.value.problems] == ["plan_site_elsewhere"]
    plan.loc[0, "country"] = "KE"
    plan.loc[0, "region"] = ""
    with pytest.raises(InvalidInput) as refused:
        uc.import_plan(world.db, world.admin, DELIB, _write(plan_dir, plan))
    assert [p.code for p in refused.value.problems] == ["plan_site_country_changed"]


def test_partners_and_evaluators_may_not_import_a_plan(world: World, plan_dir: Path) -> None:
    for actor in (world.partner, world.evaluator):
        with pytest.raises(PermissionDenied):
            uc.import_plan(world.db, actor, DELIB, plan_dir / "plan.csv")


def _new_site(code: str, size: int, kind: str, regions: str = "") -> uc.NewSite:
    return uc.NewSite(DELIB, "FR", code, code, size, "Org A", kind=kind, regions=regions)


def test_an_online_site_may_have_5000_seats_an_in_person_site_may_not(world: World) -> None:
    uc.create_site(world.db, world.admin, _new_site("FR-web", 5000, "online"))
    with pytest.raises(InvalidInput) as refused:
        uc.create_site(world.db, world.admin, _new_site("FR-big", 5000, "in_person"))
    assert [p.code for p in refused.value.problems] == ["panel_size_out_of_range"]
    with pytest.raises(KleroError):
        uc.create_site(world.db, world.admin, _new_site("FR-huge", 10_001, "online"))
    # the database itself refuses an in-person panel of 5,000
    with pytest.raises(IntegrityError), world.db.unit_of_work() as session:
        session.execute(text("UPDATE site SET kind = 'in_person' WHERE code = 'FR-web'"))


def test_a_site_s_catchment_is_checked_against_its_country(world: World) -> None:
    uc.create_site(world.db, world.admin, _new_site("FR-metz", 60, "in_person", "grand est;FR-ARA"))
    with world.db.unit_of_work() as session:
        metz = session.execute(select(Site).where(Site.code == "FR-metz")).scalar_one()
        assert (site_regions(metz), metz.region) == (
            ["Grand-Est", "Auvergne-Rhône-Alpes"],
            "Grand-Est",
        )
    with pytest.raises(InvalidInput) as refused:
        uc.create_site(world.db, world.admin, _new_site("FR-patna", 60, "in_person", "Bihar"))
    assert [p.code for p in refused.value.problems] == ["region_unknown"]


def test_site_quotas_from_margins_use_the_catchment(world: World, plan_dir: Path) -> None:
    uc.create_site(world.db, world.admin, _new_site("FR-metz", 60, "in_person", "Grand Est"))
    view = uc.set_quotas_from_margins_file(
        world.db, world.admin, "FR-metz", plan_dir / "margins_FR.csv"
    )
    assert {q.value for q in view.table if q.feature == "region"} == {"Grand-Est"}


def test_the_cli_imports_a_plan_prints_json_and_exits_2_or_4_when_it_cannot(
    world: World,
    plan_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KLERO_DATABASE_URL", world.db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_USER", "coord")
    plan = _plan(plan_dir).iloc[[2]].reset_index(drop=True)
    path = str(_write(plan_dir, plan))
    command = ["deliberation", "import-plan", "--deliberation", DELIB, "--file", path]
    assert main([*command, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["changed"], printed["sites"][0]["outcome"]) == (True, "created")
    create = [
        "site",
        "create",
        "--deliberation",
        DELIB,
        "--country",
        "IN",
        "--code",
        "IN-gaya",
        "--name",
        "Gaya",
        "--panel-size",
        "3000",
        "--partner",
        "Org A",
        "--kind",
        "online",
        "--regions",
        "bihar",
    ]
    assert main(create) == 0
    assert "IN-gaya" in capsys.readouterr().out
    plan.loc[0, "region"] = "Grand Est"
    _write(plan_dir, plan)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "Row 2: Grand Est is not a first-level region of IN" in err
    assert "Traceback" not in err
    monkeypatch.setenv("KLERO_USER", "alice")
    assert main(command) == 4
