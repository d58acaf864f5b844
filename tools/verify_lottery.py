#!/usr/bin/env python3
"""Check a lottery published by ``klero select --out-dir``, with Python's standard library only.

Usage: ``python3 verify_lottery.py FOLDER``. Exit 0 when every check holds; 1 naming the
first mismatch (2 when a file is missing or unreadable). The checks, in order:

1. SHA-256 of inputs.json (bytes as published) equals report.json's ``input_sha256``;
2. lottery.csv numbers its m rows 0..m-1, m = the inputs' ``lottery_size``; every
   person of inputs.json is in lottery_types.csv, each with a type;
3. every lottery panel: seats per type within the type's head count, ``size`` seats in
   all, every quota's min..max seats per category, at most one seat per shared household
   (a member of a shared household is a type of their own);
4. the lottery number: public number mod m, or int(sha256("<hash>:seed:<seed>"), 16) mod m;
5. the panel: in the chosen panel, each type with s seats gives its s members with the
   smallest sha256("<hash>:<number>:<method>:<value>:<id>") hex digest (ties by id); the
   ids equal panel.csv's first column;
6. everyone's probability, (sum over the m panels of seats / head count of their type) / m,
   equals probabilities.csv's to 1e-9.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path


class Mismatch(Exception):
    """A check failed: the message names it."""


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def composition(text: str) -> list[tuple[int, int]]:
    return [(int(t), int(s)) for t, s in (item.split(":") for item in text.split())]


def check_panel(number: int, panel: list[tuple[int, int]], ctx: dict) -> None:
    """Seats within head counts, the size, every quota and the households rule."""
    seats = dict(panel)
    if sum(seats.values()) != ctx["size"]:
        raise Mismatch(f"lottery panel {number} has {sum(seats.values())} seats, not {ctx['size']}")
    counts: Counter[tuple[str, str]] = Counter()
    for t, s in panel:
        if t not in ctx["members"] or not 0 < s <= len(ctx["members"][t]):
            raise Mismatch(f"lottery panel {number} gives type {t} {s} seats")
        for feature, value in ctx["values"][t].items():
            counts[(feature, value)] += s
    for q in ctx["quotas"]:
        got = counts[(q["feature"], q["value"])]
        if not q["min"] <= got <= q["max"]:
            raise Mismatch(f"lottery panel {number} breaks quota {q['feature']}={q['value']}")
    for home, types in ctx["homes"].items():
        if sum(seats.get(t, 0) for t in types) > 1:
            raise Mismatch(f"lottery panel {number} seats two of household {home}")


def read_types(folder: Path, pool: list) -> dict:
    """Types of the published lottery, their members, values and shared households."""
    type_of = {r["id"]: int(r["type"]) for r in rows(folder / "lottery_types.csv")}
    if sorted(type_of) != sorted(row[0] for row in pool):
        raise Mismatch("lottery_types.csv does not list exactly the people of inputs.json")
    members: dict[int, list[str]] = defaultdict(list)
    values: dict[int, dict] = {}
    homes: dict[str, list[int]] = defaultdict(list)
    for pid, criteria, home in pool:
        t = type_of[pid]
        members[t].append(pid)
        if values.setdefault(t, criteria) != criteria:
            raise Mismatch(f"type {t} mixes people with different criteria")
        if home is not None:
            homes[home].append(t)
    for home, types in homes.items():
        if any(len(members[t]) != 1 for t in types):
            raise Mismatch(f"a member of household {home} shares a type")
    return {"type_of": type_of, "members": members, "values": values, "homes": homes}


def verify(folder: Path) -> None:
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    raw = (folder / "inputs.json").read_bytes()
    if hashlib.sha256(raw).hexdigest() != report["input_sha256"]:
        raise Mismatch("inputs.json does not hash to report.json's input_sha256")
    inputs = json.loads(raw)
    ctx = {"size": inputs["size"], "quotas": inputs["quotas"], **read_types(folder, inputs["pool"])}
    table = rows(folder / "lottery.csv")
    m = len(table)
    if [int(r["number"]) for r in table] != list(range(m)):
        raise Mismatch("lottery.csv does not number its panels 0, 1, 2, ...")
    if m != inputs["settings"]["lottery_size"]:
        raise Mismatch(
            f"lottery.csv has {m} panels, the inputs say {inputs['settings']['lottery_size']}"
        )
    panels = [composition(r["composition"]) for r in table]
    for number, panel in enumerate(panels):
        check_panel(number, panel, ctx)
    digest, seed, public = report["input_sha256"], report.get("seed"), report.get("public_number")
    if public is not None:
        number, method, value = public % m, "public_number", public
    else:
        number, method, value = int(sha(f"{digest}:seed:{seed}"), 16) % m, "seed", seed
    if report.get("lottery_index") != number:
        raise Mismatch(
            f"the lottery number is {number}, report.json says {report.get('lottery_index')}"
        )
    prefix = f"{digest}:{number}:{method}:{value}:"
    chosen: list[str] = []
    for t, s in panels[number]:
        chosen += sorted(ctx["members"][t], key=lambda pid: (sha(prefix + pid), pid))[:s]
    published = [next(iter(r.values())) for r in rows(folder / "panel.csv")]
    if sorted(chosen) != sorted(published):
        raise Mismatch(f"panel.csv is not the panel of lottery number {number}")
    share: Counter[int] = Counter()
    for panel in panels:
        for t, s in panel:
            share[t] += s
    for r in rows(folder / "probabilities.csv"):
        t = ctx["type_of"].get(r["id"])
        expected = share[t] / len(ctx["members"][t]) / m if t is not None else -1.0
        if abs(float(r["probability"]) - expected) > 1e-9:
            raise Mismatch(
                f"probabilities.csv gives {r['id']} {r['probability']}, the lottery {expected}"
            )


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: verify_lottery.py FOLDER", file=sys.stderr)
        return 2
    try:
        verify(Path(argv[1]))
    except Mismatch as exc:
        print(f"MISMATCH: {exc}")
        return 1
    except (OSError, KeyError, ValueError, TypeError) as exc:
        print(f"UNREADABLE: {exc!r}")
        return 2
    print("OK: inputs, lottery, panel and probabilities all check.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
