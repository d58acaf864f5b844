"""An export is recorded in the audit trail exactly when its file is written; files are safe."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from klero.app import main
from quotas.exports import DANGEROUS_FIRST, is_plain_number
from quotas.tables import read_table
from recruitment import usecases as uc
from recruitment.models import AuditEvent
from tests.recruitment.conftest import PASSWORD, SITE, World, pool_frame

Selected = tuple[World, uc.RunSummary]


def exports(world: World, action: str = "panel.export") -> list[AuditEvent]:
    with world.db.unit_of_work() as session:
        found = session.execute(select(AuditEvent).where(AuditEvent.action == action))
        return list(found.scalars())


@pytest.fixture
def as_partner(selected_world: Selected, monkeypatch: pytest.MonkeyPatch) -> Selected:
    """The selected world, with the CLI acting as the site's partner (contact details shown)."""
    monkeypatch.setenv("KLERO_DATABASE_URL", selected_world[0].db.url)
    monkeypatch.setenv("KLERO_PASSWORD", PASSWORD)
    monkeypatch.setenv("KLERO_USER", "alice")
    return selected_world


@pytest.fixture
def failing_commit() -> Iterator[None]:
    """Commits that record an export fail, as a database that goes away at that moment would."""

    def note(session: Session, context: object) -> None:
        exporting = ("panel.export", "volunteer.export")
        if any(isinstance(o, AuditEvent) and o.action in exporting for o in session.new):
            session.info["exporting"] = True

    def fail(session: Session) -> None:
        if session.info.pop("exporting", False):
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    event.listen(Session, "after_flush", note)
    event.listen(Session, "before_commit", fail)
    try:
        yield
    finally:
        event.remove(Session, "after_flush", note)
        event.remove(Session, "before_commit", fail)


def test_the_use_case_records_only_what_was_written(selected_world: Selected) -> None:
    world, summary = selected_world

    def full_disk(frame: pd.DataFrame) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        uc.export_panel(world.db, world.partner, SITE, write=full_disk)
    assert exports(world) == []
    handed: list[pd.DataFrame] = []
    frame = uc.export_panel(world.db, world.partner, SITE, write=handed.append)
    assert len(handed) == 1 and handed[0] is frame
    (recorded,) = exports(world)
    assert recorded.after == {"with_contacts": True, "rows": len(frame)}
    assert len(frame) == len(summary.selected) + len(summary.alternates)


def test_a_cli_export_writes_the_file_and_records_it(as_partner: Selected, tmp_path: Path) -> None:
    world, _ = as_partner
    out = tmp_path / "panel.csv"
    assert main(["panel", "export", "--site", SITE, "--out", str(out)]) == 0
    cells = [c for row in csv.reader(io.StringIO(out.read_text("utf-8"))) for c in row]
    assert not [c for c in cells if c[:1] in tuple(DANGEROUS_FIRST) and not is_plain_number(c)]
    assert any(c.startswith("'+33 6 ") for c in cells)  # phone numbers, neutralised
    back, _ = read_table(out)
    phones = set(pool_frame()["phone"])
    assert set(back["contact:phone"]) <= phones  # and read back as they were
    assert len(exports(world)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["panel.csv"]


def test_a_failing_write_leaves_no_event_and_no_file(
    as_partner: Selected, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world, _ = as_partner
    out = tmp_path / "panel.csv"
    out.mkdir()  # the file cannot take its place
    assert main(["panel", "export", "--site", SITE, "--out", str(out)]) == 3
    assert f"Nothing in {tmp_path} was changed" in capsys.readouterr().err
    assert exports(world) == []
    assert [p.name for p in tmp_path.iterdir()] == ["panel.csv"] and out.is_dir()


def test_a_failed_commit_takes_the_file_out_and_puts_the_earlier_back(
    as_partner: Selected, tmp_path: Path, failing_commit: None
) -> None:
    world, _ = as_partner
    out = tmp_path / "panel.csv"
    out.write_bytes(b"the export of last week\n")
    assert main(["panel", "export", "--site", SITE, "--out", str(out)]) == 3
    assert out.read_bytes() == b"the export of last week\n"
    assert exports(world) == []
    assert [p.name for p in tmp_path.iterdir()] == ["panel.csv"]
    fresh = tmp_path / "fresh.csv"
    assert main(["panel", "export", "--site", SITE, "--out", str(fresh)]) == 3
    assert not fresh.exists()


def test_panel_export_to_xlsx_is_a_real_workbook(as_partner: Selected, tmp_path: Path) -> None:
    world, summary = as_partner
    out = tmp_path / "panel.xlsx"
    assert main(["panel", "export", "--site", SITE, "--out", str(out)]) == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    assert not [c.coordinate for row in rows for c in row if c.data_type == "f"]
    column = {name: i for i, name in enumerate(header)}
    for row in rows[1:]:
        assert row[column["rank"]].data_type == "n"
        assert row[column["contact:phone"]].data_type == "s"
        assert str(row[column["contact:phone"]].value).startswith("'+33")
    assert len(rows) == 1 + len(summary.selected) + len(summary.alternates)
    assert len(exports(world)) == 1


def test_an_unknown_suffix_is_refused_before_signing_in(
    as_partner: Selected,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world, _ = as_partner
    monkeypatch.setenv("KLERO_PASSWORD", "wrong password")
    assert main(["panel", "export", "--site", SITE, "--out", str(tmp_path / "p.txt")]) == 2
    assert "'.txt' is not supported" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [] and exports(world) == []


def test_volunteer_export_to_a_file_is_recorded_only_when_written(
    as_partner: Selected,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world, summary = as_partner
    pseudonym = summary.selected[0]
    blocked = tmp_path / "blocked.json"
    blocked.mkdir()
    assert main(["volunteer", "export", pseudonym, "--out", str(blocked)]) == 3
    assert main(["volunteer", "export", pseudonym, "--out", str(tmp_path / "v.txt")]) == 2
    assert exports(world, "volunteer.export") == []
    capsys.readouterr()
    out = tmp_path / "v.json"
    assert main(["volunteer", "export", pseudonym, "--out", str(out)]) == 0
    data = json.loads(out.read_text("utf-8"))
    assert data["pseudonym"] == pseudonym and data["contact"]["phone"].startswith("+33")
    assert str(out) in capsys.readouterr().out and "+33" not in capsys.readouterr().out
    assert len(exports(world, "volunteer.export")) == 1


def test_volunteer_export_failing_to_commit_leaves_no_file(
    as_partner: Selected, tmp_path: Path, failing_commit: None
) -> None:
    world, summary = as_partner
    out = tmp_path / "v.json"
    assert main(["volunteer", "export", summary.selected[0], "--out", str(out)]) == 3
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert exports(world, "volunteer.export") == []
