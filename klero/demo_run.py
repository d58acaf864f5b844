"""``make demo-cli``: ``klero check`` then ``klero select`` on the bundled example files."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from klero.app import main
from recruitment.examples import EXAMPLE_PANEL_SIZE, example_path


def run_demo(out_dir: Path) -> int:
    """Check the example pool against its quotas, then select a panel into ``out_dir``."""
    example = [
        *("--pool", str(example_path("pool"))),
        *("--quotas", str(example_path("quotas"))),
        *("--size", str(EXAMPLE_PANEL_SIZE)),
        *("--address-columns", "address,postcode"),
    ]
    print("== klero check: the example pool against its quotas ==")
    code = main(["check", *example])
    if code != 0:
        return code
    print(f"\n== klero select: a panel of {EXAMPLE_PANEL_SIZE} by LEXIMIN, drawn with seed 2026 ==")
    return main(["select", *example, "--seed", "2026", "--out-dir", str(out_dir)])


if __name__ == "__main__":
    target = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="klero-demo-"))
    )
    sys.exit(run_demo(target))
