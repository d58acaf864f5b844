"""Fuzzing the pool and quota readers through ``klero check``: random bytes, broken CSV and XLSX.

Whatever the file, ``klero check`` must answer with exit 0, 1 or 2 and a message, never
a traceback or "Unexpected error", and within a generous time (a hang guard, not a speed
test: hypothesis' deadline). The examples are few, so ``make test`` stays quick; under
CI=true they are the same every run (tests/conftest.py). To look harder, set
KLERO_FUZZ_EXAMPLES (e.g. 500).
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klero.app import main
from tests.hostile_corpus import QUOTAS, pool_rows, sheet_xml, write_xlsx

GOOD_POOL = "\n".join(",".join(r) for r in pool_rows(12)) + "\n"
GOOD_QUOTAS = QUOTAS.read_text(encoding="utf-8")
FUZZ = settings(
    max_examples=int(os.environ.get("KLERO_FUZZ_EXAMPLES", "25")),
    deadline=timedelta(seconds=60),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def run_check(pool: bytes, quotas: bytes, pool_suffix: str, quota_suffix: str) -> int:
    """``klero check`` on the two files; asserts it answered calmly, returns the exit code."""
    with tempfile.TemporaryDirectory() as folder:
        pool_path = Path(folder) / f"pool{pool_suffix}"
        quota_path = Path(folder) / f"quotas{quota_suffix}"
        pool_path.write_bytes(pool)
        quota_path.write_bytes(quotas)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(
                ["check", "--pool", str(pool_path), "--quotas", str(quota_path), "--size", "4"]
            )
    printed = out.getvalue() + err.getvalue()
    assert code in (0, 1, 2), printed
    assert "Traceback" not in printed and "Unexpected error" not in printed, printed
    assert printed.strip()  # it said something
    return code


def both_ways(data: bytes, suffix: str) -> None:
    """``data`` as the pool (with good quotas), then as the quota table (with a good pool)."""
    run_check(data, GOOD_QUOTAS.encode(), suffix, ".csv")
    run_check(GOOD_POOL.encode(), data, ".csv", suffix)


# -- random bytes ----------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_random_bytes(data: bytes, suffix: str) -> None:
    both_ways(data, suffix)


# -- broken CSV ------------------------------------------------------------------------------

_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"]
_NOISE = ['"', "'", "\x00", "\r", "\n", ",", ";", "\t", "|", "\x1a", "\ufeff", "а", "ｆ", "é"]


@st.composite
def broken_csv(draw: st.DrawFn) -> bytes:
    """A valid pool or quota table, then: another delimiter, stray quotes, NULs, control
    characters, a huge cell, cut short, in a random encoding."""
    text = draw(st.sampled_from([GOOD_POOL, GOOD_QUOTAS]))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|", " "]))
    text = text.replace(",", delimiter)
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    chars = list(text)
    for _ in range(draw(st.integers(0, 12))):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(_NOISE))
    if draw(st.booleans()):
        at = rng.randrange(len(chars) + 1)
        chars.insert(at, rng.choice(["x", '"', "\x00"]) * draw(st.sampled_from([1000, 140_000])))
    text = "".join(chars)
    if draw(st.booleans()):
        text = text[: rng.randrange(len(text) + 1)]
    if draw(st.booleans()):
        text = text.replace("\n", draw(st.sampled_from(["\r", "\r\n", "\n\n"])))
    encoding = draw(st.sampled_from(_ENCODINGS))
    return text.encode(encoding, errors="replace")


@FUZZ
@given(data=broken_csv())
def test_broken_csv(data: bytes) -> None:
    both_ways(data, ".csv")


# -- broken XLSX -----------------------------------------------------------------------------


def _workbook(rows: list[list[str]]) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return write_xlsx(Path(folder) / "w.xlsx", sheet_xml(rows)).read_bytes()


_POOL_ROWS = list(pool_rows(8))
_QUOTA_ROWS = [line.split(",") for line in GOOD_QUOTAS.splitlines()]


def _rezip(data: bytes, change: str, rng: random.Random) -> bytes:
    """The workbook with its sheet's XML shuffled, cut, or given a huge or odd cell."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            part = old.read(info)
            if info.filename.endswith("sheet1.xml"):
                xml = part.decode()
                pieces = xml.split("<")
                if change == "shuffle":
                    middle = pieces[2:-2]
                    rng.shuffle(middle)
                    xml = "<".join(pieces[:2] + middle + pieces[-2:])
                elif change == "cut":
                    xml = xml[: rng.randrange(len(xml))]
                elif change == "huge":
                    xml = xml.replace("<t>", "<t>" + "y" * 140_000, 1)
                elif change == "drop":
                    del pieces[rng.randrange(1, len(pieces))]
                    xml = "<".join(pieces)
                elif change == "odd":
                    odd = rng.choice(['<c r="ZZZ9"', '<c r="A0"', '<c t="s"', '<row r="x"'])
                    xml = xml.replace("<c ", odd + " ", 1)
                part = xml.encode()
            new.writestr(info, part)
    return out.getvalue()


@st.composite
def broken_xlsx(draw: st.DrawFn) -> bytes:
    """A valid workbook, then: bytes cut off or flipped, or its sheet XML broken."""
    data = _workbook(draw(st.sampled_from([_POOL_ROWS, _QUOTA_ROWS])))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    change = draw(st.sampled_from(["truncate", "flip", "shuffle", "cut", "huge", "drop", "odd"]))
    if change == "truncate":
        return data[: rng.randrange(len(data))]
    if change == "flip":
        flipped = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        return bytes(flipped)
    return _rezip(data, change, rng)


@FUZZ
@given(data=broken_xlsx())
def test_broken_xlsx(data: bytes) -> None:
    both_ways(data, ".xlsx")
