"""Private files and folders: what Kleroterion creates on disk is readable by its owner only.

The SQLite database (and the ``-wal`` and ``-shm`` files SQLite makes beside it), the
secret key and the demo logins hold personal data or open the way to it. Method:

- a folder Kleroterion creates (and any missing parent it creates) is made ``0700``;
- a file is created ``0600`` *before* anything is written to it, so there is no moment
  when it is readable by others; SQLite gives its ``-wal`` and ``-shm`` files the mode of
  the database file, so they are ``0600`` too;
- ``KLERO_HOME`` (default ``~/.local/share/kleroterion``) is Kleroterion's own folder, so
  an existing one is tightened to ``0700`` as well, and so are the files Kleroterion keeps
  there (a database made by an older version was ``0644``);
- a folder the user named that Kleroterion did not create (a ``--database-url`` or a
  ``--path`` in ``/srv/data``, say) is left as it is: other programs may rely on it. A
  shared folder (the sticky bit, like ``/tmp``) and a folder of another user are never
  changed, even when ``KLERO_HOME`` names them; the files inside are still ``0600``.

The mode is set with ``chmod`` after creation, because ``mkdir``'s and ``open``'s modes
are filtered by the umask.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def _owned_and_unshared(path: Path) -> bool:
    """Whether ``path`` is ours to tighten: owned by this user and not a sticky shared folder."""
    info = path.stat()
    return info.st_uid == os.getuid() and not info.st_mode & stat.S_ISVTX


def private_folder(path: Path, *, ours: bool = False) -> Path:
    """Make sure the folder ``path`` exists; what is created here is ``0700``.

    ``ours`` says that the folder is Kleroterion's own (``KLERO_HOME``): an existing one is
    tightened to ``0700`` too, unless it is shared or belongs to another user.
    """
    missing: list[Path] = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        try:
            created.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:  # made meanwhile by another process: not ours to change
            continue
        os.chmod(created, PRIVATE_FOLDER)
    if ours and not missing and _owned_and_unshared(path):
        os.chmod(path, PRIVATE_FOLDER)
    return path


def tighten_file(path: Path) -> None:
    """Make an existing file of ours ``0600`` (a file of another user is left alone)."""
    if path.is_file() and path.stat().st_uid == os.getuid():
        os.chmod(path, PRIVATE_FILE)


def create_private_file(path: Path, *, exclusive: bool = True) -> int:
    """Create ``path`` as ``0600`` and return a descriptor open for writing.

    With ``exclusive`` an existing file raises FileExistsError (never overwrite a key);
    without, an existing file is truncated and made ``0600``.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    except OSError:
        os.close(fd)
        raise
    return fd


def is_klero_home(folder: Path, home: Path) -> bool:
    """Whether ``folder`` is the folder ``home`` (both resolved: symlinks, ``..``)."""
    return folder.expanduser().resolve() == home.expanduser().resolve()
