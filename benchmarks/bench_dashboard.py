"""How long each dashboard page takes to render (Streamlit AppTest) on 2,000-person pools.

Builds the demo deliberation with 2,000 volunteers per site in a temporary SQLite file
(one LEXIMIN run at FR-lyon), signs in as each role and times the first render of every
page it may open (the target in issue 7 is under 2 s). Run from the repository root:
``.venv/bin/python benchmarks/bench_dashboard.py [--pool-size N]`` (larger pools show
how the pages scale; the target is for 2,000).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

POOL_SIZE = 2000
SITE = "FR-lyon"
ROLES = {"partner": "partner-fr", "coordinator": "coordinator", "evaluator": "evaluator"}


def main(argv: list[str] | None = None) -> None:
    """Print one row per (role, page): render seconds and whether it stayed under 2 s."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pool-size", type=int, default=POOL_SIZE, help="volunteers per site")
    parser.add_argument("--quick", action="store_true", help="the same (already quick)")
    pool_size = parser.parse_args(argv).pool_size
    from cryptography.fernet import Fernet
    from streamlit.testing.v1 import AppTest

    from dashboard.ui import PAGES
    from recruitment.demo import create_demo
    from recruitment.security import set_password_cost

    folder = Path(tempfile.mkdtemp(prefix="klero-bench-dashboard-"))
    os.environ["KLERO_SECRET_KEY"] = Fernet.generate_key().decode()
    os.environ["KLERO_HOME"] = str(folder)
    set_password_cost(2**4)  # the sign-in KDF is not what this measures
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    os.environ["KLERO_DATABASE_URL"] = url
    clock = time.perf_counter()
    demo = create_demo(url, pool_size=pool_size)
    print(f"demo with {pool_size} volunteers per site built in {time.perf_counter() - clock:.1f} s")
    app = str(ROOT / "dashboard" / "app.py")
    print(f"{'role':<12} {'page':<10} {'seconds':>8}  under 2 s")
    worst = 0.0
    for role, login in ROLES.items():
        at = AppTest.from_file(app, default_timeout=300)
        at.run()
        at.text_input(key="signin_login").input(login)
        at.text_input(key="signin_password").input(demo.logins[login][2])
        at.button(key="signin_submit").click().run()
        at.selectbox(key="site").select(SITE).run()
        for page, (path, roles, _) in PAGES.items():
            if role not in roles:
                continue
            at.switch_page(path)
            for cache in ("_data_cache", "_feasibility"):  # cold: nothing remembered
                if cache in at.session_state:
                    del at.session_state[cache]
            clock = time.perf_counter()
            at.run()
            seconds = time.perf_counter() - clock
            worst = max(worst, seconds)
            problem = " (exception)" if at.exception or at.error else ""
            if page == "quotas" and not at.success:
                problem += " (no feasibility answer)"
            print(
                f"{role:<12} {page:<10} {seconds:>8.2f}  {'yes' if seconds < 2 else 'NO'}{problem}"
            )
    print(f"slowest page: {worst:.2f} s")


if __name__ == "__main__":
    main()
