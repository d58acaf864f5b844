"""A terminal progress bar for long runs, fed by the algorithms' ``progress(stage, fraction)``."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class ProgressBar:
    """Draws ``stage [#####     ] 50%`` on a terminal; silent when output is not a terminal."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0
        self._shown = False

    def __call__(self, stage: str, fraction: float) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and fraction < 1.0:
            return
        self._last = now
        fraction = min(max(fraction, 0.0), 1.0)
        filled = round(self.width * fraction)
        bar = "#" * filled + " " * (self.width - filled)
        self.stream.write(f"\r{stage[:28]:<28} [{bar}] {100 * fraction:3.0f}%")
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        """End the bar's line."""
        if self.enabled and self._shown:
            self.stream.write("\n")
            self.stream.flush()


def progress_for(enabled: bool) -> tuple[Callable[[str, float], None] | None, ProgressBar | None]:
    """A progress callback and its bar, or (None, None) when disabled."""
    if not enabled:
        return None, None
    bar = ProgressBar()
    return (bar if bar.enabled else None), bar
