"""Writing a command's files all or nothing: staged beside their targets, moved in together.

Every file is first written into a hidden staging folder inside the target folder (the
same file system, so moving is a rename). Only when every file is written are they moved
into place; a file of the same name already there is first kept aside in the staging
folder. If a move fails, every file already moved in is taken out again and every file
kept aside is put back, exactly as it was (the same file, renamed back). The staging
folder is removed in every case, except when an earlier file could not be put back:
then it stays, holding that file, and the message says where.

A caller that must do more after the files are in place (commit a database transaction)
uses ``staged`` as a context manager: an exception in the block undoes the moves.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> [p.name for p in write_all(folder, {"a.txt": lambda p: p.write_text("a")})]
['a.txt']
>>> sorted(p.name for p in folder.iterdir())
['a.txt']
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from quotas.problems import EnvironmentFailure, KleroError

Writer = Callable[[Path], None]


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


@dataclass
class _Moved:
    """One target: where its earlier file was kept (if any), and whether the new one is in."""

    target: Path
    kept: Path | None
    placed: bool = False


class Staging:
    """Files of one folder written aside, then moved in together (``publish``), undoable."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made = _missing_parents(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.root = Path(tempfile.mkdtemp(prefix=".klero-", dir=folder))
            (self.root / "new").mkdir()
            (self.root / "old").mkdir()
        except OSError as exc:
            self._remove_made()
            raise EnvironmentFailure(
                "out_dir_not_writable", path=str(folder), detail=_why(exc)
            ) from exc
        self._moved: list[_Moved] = []
        self._keep_root = False

    def publish(self, writers: Mapping[str, Writer]) -> list[Path]:
        """Write every file aside, then move them all into the folder; all or nothing.

        A writer's ``OSError`` (a full disk, say) becomes ``out_file_not_written``; any
        other exception passes through unchanged. Either way nothing was changed.
        """
        for name, writer in writers.items():
            if Path(name).name != name:
                raise ValueError(f"{name!r} is not a plain file name")
            try:
                writer(self.root / "new" / name)
            except OSError as exc:
                raise self._failure(name, exc) from exc
        for name in writers:
            try:
                self._move_in(name)
            except OSError as exc:
                raise self._failure(name, exc) from exc
        return [self.folder / name for name in writers]

    def _move_in(self, name: str) -> None:
        target = self.folder / name
        kept = None
        # A folder of that name is no earlier version: it stays, and the move below fails.
        if target.is_symlink() or target.is_file():
            kept = self.root / "old" / name
        moved = _Moved(target, kept)
        if kept is not None:
            os.replace(target, kept)
        self._moved.append(moved)
        os.replace(self.root / "new" / name, target)
        moved.placed = True

    def _failure(self, name: str, exc: OSError) -> KleroError:
        """Undo what was moved; the error saying truthfully in what state the folder is."""
        params = {"name": name, "path": str(self.folder), "detail": _why(exc)}
        stuck = self.undo()
        if stuck is not None:
            target, why = stuck
            return EnvironmentFailure(
                "out_files_not_restored",
                **params,
                restore=target.name,
                why=why,
                kept=str(self.root / "old" / target.name),
            )
        return EnvironmentFailure("out_file_not_written", **params)

    def undo(self) -> tuple[Path, str] | None:
        """Take the new files out and put every earlier file back, newest move first.

        Returns the first target whose earlier file could not be put back (and why); the
        staging folder then stays, so that file is not lost.
        """
        stuck: tuple[Path, str] | None = None
        for moved in reversed(self._moved):
            try:
                if moved.placed:
                    moved.target.unlink()
                if moved.kept is not None:
                    os.replace(moved.kept, moved.target)
            except OSError as exc:
                if moved.kept is not None and stuck is None:
                    stuck = (moved.target, _why(exc))
        self._moved = []
        if stuck is not None:
            self._keep_root = True
        return stuck

    def close(self, *, failed: bool = False) -> None:
        """Remove the staging folder (and, after a failure, folders made for the files)."""
        if self._keep_root:
            return
        shutil.rmtree(self.root, ignore_errors=True)
        if failed:
            self._remove_made()

    def _remove_made(self) -> None:
        for folder in reversed(self._made):
            try:
                folder.rmdir()  # only if still empty
            except OSError:
                return


def _missing_parents(folder: Path) -> list[Path]:
    """The folders ``mkdir(parents=True)`` would create, outermost first."""
    missing = []
    current = folder.absolute()
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    return missing[::-1]


@contextmanager
def staged(folder: Path) -> Iterator[Staging]:
    """A ``Staging`` for ``folder``; if the block raises, the published files are undone.

    Use it when something must still succeed after the files are in place:

        with staged(out.parent) as files:
            with db.unit_of_work() as session:
                ...
                files.publish({out.name: writer})
            # a failed commit raises here: the file is taken out, an earlier one put back
    """
    stage = Staging(folder)
    try:
        yield stage
    except BaseException as exc:
        stuck = stage.undo()
        stage.close(failed=True)
        if stuck is not None:
            target, why = stuck
            raise EnvironmentFailure(
                "out_files_not_restored",
                name=target.name,
                path=str(folder),
                detail=str(exc),
                restore=target.name,
                why=why,
                kept=str(stage.root / "old" / target.name),
            ) from exc
        raise
    stage.close()


def write_all(folder: Path, writers: Mapping[str, Writer]) -> list[Path]:
    """Write every file of ``writers`` (name -> writer of a path) into ``folder``, all or nothing.

    Raises KleroError (exit 3) saying whether ``folder`` is unchanged.
    """
    with staged(folder) as stage:
        return stage.publish(writers)


def write_file(path: Path, writer: Writer) -> Path:
    """Write one file as ``write_all`` does: aside in the same folder, then renamed in."""
    return write_all(path.parent, {path.name: writer})[0]
