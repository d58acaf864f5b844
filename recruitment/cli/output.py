"""Writing a command's result files all at once: into a fresh folder, then moved in place."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quotas.messages import register
from quotas.problems import KleroError

register(
    {
        "out_dir_not_writable": (
            "Cannot write to {path}: {detail}. Choose another --out-dir or fix its permissions."
        ),
    }
)


def write_all(out_dir: Path, writers: dict[str, Callable[[Path], None]]) -> list[Path]:
    """Write every file into a temporary folder, then move them into ``out_dir`` together.

    If any writer fails, nothing appears in ``out_dir`` (no half-written results).
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".klero-", dir=out_dir))
    except OSError as exc:
        raise KleroError("out_dir_not_writable", path=str(out_dir), detail=exc.strerror) from exc
    try:
        for name, writer in writers.items():
            writer(staging / name)
        written = []
        for name in writers:
            target = out_dir / name
            os.replace(staging / name, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def json_writer(payload: dict[str, Any]) -> Callable[[Path], None]:
    """A writer for a JSON file."""

    def write(path: Path) -> None:
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    return write
