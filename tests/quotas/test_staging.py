"""Files are written all or nothing: on any failure the folder is exactly as it was."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from quotas import staging
from quotas.problems import KleroError
from quotas.staging import staged, write_all, write_file

NAMES = ["a.csv", "b.csv", "c.csv", "d.json"]


def writer(text: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.write_text(text, "utf-8")

    return write


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry of ``folder``: a file's bytes, or None for a folder."""
    return {p.name: (p.read_bytes() if p.is_file() else None) for p in sorted(folder.iterdir())}


@pytest.fixture
def earlier(tmp_path: Path) -> Path:
    """A folder holding an earlier result: a.csv and c.csv, and a file of the user's."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.csv").write_text("old a\n")
    (folder / "c.csv").write_text("old c\n")
    (folder / "notes.txt").write_text("mine\n")
    os.chmod(folder / "c.csv", 0o640)
    return folder


def test_success_replaces_the_files_and_leaves_nothing_else(earlier: Path) -> None:
    written = write_all(earlier, {n: writer(f"new {n}") for n in NAMES})
    assert written == [earlier / n for n in NAMES]
    after = snapshot(earlier)
    assert after == {**{n: f"new {n}".encode() for n in NAMES}, "notes.txt": b"mine\n"}


def test_a_writer_failing_midway_changes_nothing(earlier: Path) -> None:
    before = snapshot(earlier)

    def disk_full(path: Path) -> None:
        path.write_text("half")
        raise OSError(28, "No space left on device")

    writers = {"a.csv": writer("new a"), "b.csv": writer("new b"), "c.csv": disk_full}
    with pytest.raises(KleroError) as raised:
        write_all(earlier, writers)
    assert raised.value.code == "out_file_not_written" and raised.value.exit_code == 3
    assert f"Nothing in {earlier} was changed" in raised.value.message
    assert "c.csv" in raised.value.message and "No space left" in raised.value.message
    assert snapshot(earlier) == before


def test_any_other_writer_error_passes_through_and_changes_nothing(earlier: Path) -> None:
    before = snapshot(earlier)

    def broken(path: Path) -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        write_all(earlier, {"a.csv": writer("new a"), "b.csv": broken})
    assert snapshot(earlier) == before


def test_a_move_failing_puts_every_earlier_file_back(earlier: Path) -> None:
    (earlier / "d.json").mkdir()  # a folder where the last file should go: its move fails
    before = snapshot(earlier)
    inode = (earlier / "c.csv").stat().st_ino
    with pytest.raises(KleroError) as raised:
        write_all(earlier, {n: writer(f"new {n}") for n in NAMES})
    assert raised.value.code == "out_file_not_written"
    assert "d.json" in raised.value.message
    assert snapshot(earlier) == before
    kept = (earlier / "c.csv").stat()
    assert kept.st_ino == inode and kept.st_mode & 0o777 == 0o640  # the same file, put back


@pytest.mark.parametrize("failing_call", range(1, 7))
def test_the_operating_system_refusing_any_move(
    earlier: Path, monkeypatch: pytest.MonkeyPatch, failing_call: int
) -> None:
    # Moves: a.csv aside, a.csv in, b.csv in, c.csv aside, c.csv in, d.json in.
    before = snapshot(earlier)
    real = os.replace
    calls = []

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append((src, dst))
        if len(calls) == failing_call:
            raise PermissionError(13, "Permission denied")
        real(src, dst)

    monkeypatch.setattr(staging.os, "replace", replace)
    with pytest.raises(KleroError) as raised:
        write_all(earlier, {n: writer(f"new {n}") for n in NAMES})
    assert raised.value.code == "out_file_not_written"
    assert snapshot(earlier) == before


def test_an_earlier_file_that_cannot_be_put_back_is_kept_and_named(
    earlier: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.replace
    calls = []

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append((src, dst))
        # The 5th move (c.csv in) fails, then so does putting the earlier c.csv back.
        if len(calls) == 5 or (len(calls) > 5 and Path(dst).name == "c.csv"):
            raise PermissionError(13, "Permission denied")
        real(src, dst)

    monkeypatch.setattr(staging.os, "replace", replace)
    with pytest.raises(KleroError) as raised:
        write_all(earlier, {n: writer(f"new {n}") for n in NAMES})
    assert raised.value.code == "out_files_not_restored"
    kept = Path(raised.value.params["kept"])
    assert kept.read_bytes() == b"old c\n"  # not lost: the message says where it is
    assert str(kept) in raised.value.message
    assert (earlier / "a.csv").read_bytes() == b"old a\n"  # the others are back
    assert not (earlier / "b.csv").exists() and not (earlier / "c.csv").exists()


def test_a_failure_after_publishing_undoes_it(earlier: Path) -> None:
    before = snapshot(earlier)
    with pytest.raises(RuntimeError, match="commit failed"), staged(earlier) as files:
        files.publish({"a.csv": writer("new a"), "b.csv": writer("new b")})
        assert (earlier / "a.csv").read_text() == "new a"
        raise RuntimeError("commit failed")
    assert snapshot(earlier) == before


def test_a_failed_write_removes_the_folders_it_made(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper"
    with pytest.raises(ValueError):
        write_all(target, {"a.csv": writer("a"), "b.csv": _raise})
    assert list(tmp_path.iterdir()) == []
    assert write_file(target / "a.csv", writer("a")).read_text() == "a"
    assert snapshot(target) == {"a.csv": b"a"}


def test_an_unwritable_folder_is_reported_with_nothing_changed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(KleroError) as raised:
        write_all(blocker / "sub", {"a.csv": writer("a")})
    assert raised.value.code == "out_dir_not_writable" and raised.value.exit_code == 3
    assert snapshot(tmp_path) == {"file": b"x"}


def _raise(path: Path) -> None:
    raise ValueError("no")
