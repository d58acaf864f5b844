"""tools/verify_lottery.py, the standard-library verifier, agrees with ``klero verify`` and
names the first thing tampered with in a published folder."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klero.app import main

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_lottery.py"
GENDERS, AGES = ("female", "male"), ("16-29", "30-49", "50+")


def instance(folder: Path, seed: int, people: int, size: int) -> list[str]:
    """A random pool (some people sharing an address) and quotas around one feasible panel."""
    rng = np.random.default_rng(seed)
    ids = [f"v{i:03d}" for i in range(people)]
    gender = rng.choice(GENDERS, size=people)
    age = rng.choice(AGES, size=people)
    address = [f"{int(a)} Main Street" for a in rng.integers(0, people * 3 // 4, size=people)]
    pool = pd.DataFrame({"id": ids, "gender": gender, "age": age, "address": address})
    one_per_home = pool.drop_duplicates("address")
    panel = one_per_home.sample(n=size, random_state=seed)
    rows = []
    for feature, values in (("gender", GENDERS), ("age", AGES)):
        seats = Counter(panel[feature])
        for value in values:
            rows.append((feature, value, max(0, seats[value] - 1), seats[value] + 1))
    pool.to_csv(folder / "pool.csv", index=False)
    pd.DataFrame(rows, columns=["feature", "value", "min", "max"]).to_csv(
        folder / "quotas.csv", index=False
    )
    return [
        "--pool",
        str(folder / "pool.csv"),
        "--quotas",
        str(folder / "quotas.csv"),
        "--size",
        str(size),
        "--address-columns",
        "address",
    ]


def tool(folder: Path) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, str(TOOL), str(folder)], capture_output=True, text=True, check=False
    )
    return done.returncode, done.stdout


def published(folder: Path, seed: int = 1, *draw: str) -> Path:
    out = folder / "out"
    args = instance(folder, seed, 30, 6)
    assert main(["select", *args, "--out-dir", str(out), "--lottery-size", "50", *draw]) == 0
    return out


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(12, 40),
    size=st.integers(2, 8),
    public=st.booleans(),
)
def test_the_verifier_agrees_with_klero_verify(
    tmp_path_factory: pytest.TempPathFactory, seed: int, people: int, size: int, public: bool
) -> None:
    folder = tmp_path_factory.mktemp("instance")
    args = instance(folder, seed, people, min(size, people // 2))
    draw = ["--public-number", str(seed)] if public else ["--seed", str(seed)]
    out = folder / "out"
    assert main(["select", *args, "--out-dir", str(out), "--lottery-size", "40", *draw]) == 0
    code, text = tool(out)
    assert (code, main(["verify", "--out-dir", str(out)])) == (0, 0), text


def test_a_swapped_person_is_named(tmp_path: Path) -> None:
    out = published(tmp_path, 3, "--seed", "3")
    panel = pd.read_csv(out / "panel.csv", dtype=str)
    other = pd.read_csv(out / "remaining.csv", dtype=str).iloc[0]
    panel.iloc[0] = other
    panel.to_csv(out / "panel.csv", index=False)
    code, text = tool(out)
    assert code == 1 and "panel.csv" in text


def test_an_edited_weight_is_named(tmp_path: Path) -> None:
    out = published(tmp_path, 4, "--seed", "4")
    lottery = pd.read_csv(out / "lottery.csv", dtype=str)
    # Give one number another panel: the lottery's weights, hence its probabilities, change.
    differ = lottery.index[lottery["composition"] != lottery["composition"].iloc[0]]
    assert len(differ) > 0
    lottery.loc[differ[0], "composition"] = lottery["composition"].iloc[0]
    lottery.to_csv(out / "lottery.csv", index=False)
    code, text = tool(out)
    assert code == 1 and ("probabilities.csv" in text or "panel.csv" in text), text


def test_an_edited_probability_is_named(tmp_path: Path) -> None:
    out = published(tmp_path, 5, "--public-number", "17")
    frame = pd.read_csv(out / "probabilities.csv", dtype=str)
    frame.loc[0, "probability"] = "0.5"
    frame.to_csv(out / "probabilities.csv", index=False)
    code, text = tool(out)
    assert code == 1 and "probabilities.csv" in text


def test_a_changed_quota_is_named(tmp_path: Path) -> None:
    out = published(tmp_path, 6, "--seed", "6")
    inputs = json.loads((out / "inputs.json").read_text(encoding="utf-8"))
    inputs["quotas"][0]["max"] = 0
    text_in = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    (out / "inputs.json").write_text(text_in, encoding="utf-8")
    code, text = tool(out)
    assert code == 1 and "input_sha256" in text
    # Even with the report's hash forged to match, the broken quota is named.
    import hashlib

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    report["input_sha256"] = hashlib.sha256(text_in.encode("utf-8")).hexdigest()
    (out / "report.json").write_text(json.dumps(report), encoding="utf-8")
    code, text = tool(out)
    assert code == 1 and "quota" in text


def test_inputs_json_hashes_to_the_reported_hash(tmp_path: Path) -> None:
    out = published(tmp_path, 7, "--seed", "7")
    assert tool(out) == (0, "OK: inputs, lottery, panel and probabilities all check.\n")
    assert "Main Street" not in (out / "inputs.json").read_text(encoding="utf-8")
