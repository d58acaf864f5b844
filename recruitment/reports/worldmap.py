"""An inline SVG world map, drawn offline: each country coloured by a value, a circle by another.

The geometry is the world map of the ``pygal_maps_world`` package (from PyPI, LGPL-3.0+;
one group of paths per country, keyed by ISO 3166-1 alpha-2 code in lower case), read
from the installed package: nothing is fetched. Only its path data is used; the map we
write has no reference to anything outside the page (no namespace URL either: SVG
inline in HTML needs none).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

_GROUP = re.compile(r'<g class="([a-z]{2}) country[^"]*">(.*?)</g>', re.S)
_PATH = re.compile(r'<path d="([^"]+)"')
_TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtAaZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# Numbers each path command takes at a time (the last two are its end point).
_ARITY = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2, "a": 7, "z": 0}
VIEWBOX = (0.0, 0.0, 2475.0, 1388.0)


@dataclass(frozen=True)
class Shape:
    """A country's paths and the centre of its largest one (where its circle goes)."""

    paths: tuple[str, ...]
    centre: tuple[float, float]


@cache
def shapes() -> dict[str, Shape]:
    """Every country of the map by upper-case ISO alpha-2 code."""
    text = resources.files("pygal_maps_world").joinpath("worldmap.svg").read_text("utf-8")
    out: dict[str, Shape] = {}
    for code, body in _GROUP.findall(text):
        paths = tuple(_PATH.findall(body))
        if paths:
            boxes = [_box(p) for p in paths]
            x0, y0, x1, y1 = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
            out[code.upper()] = Shape(paths, ((x0 + x1) / 2, (y0 + y1) / 2))
    return out


def _box(path: str) -> tuple[float, float, float, float]:
    """The bounding box of a path's end points (curves' control points left out)."""
    x = y = 0.0
    start = (0.0, 0.0)
    xs: list[float] = []
    ys: list[float] = []
    command = "m"
    numbers: list[float] = []
    for token in [*_TOKEN.findall(path), "z"]:
        if token.isalpha():
            command, numbers = token, []
            if command in "zZ":
                x, y = start
            continue
        numbers.append(float(token))
        arity = _ARITY[command.lower()]
        if len(numbers) < arity:
            continue
        relative = command.islower()
        if command.lower() == "h":
            x = x + numbers[0] if relative else numbers[0]
        elif command.lower() == "v":
            y = y + numbers[0] if relative else numbers[0]
        else:
            dx, dy = numbers[-2], numbers[-1]
            x, y = (x + dx, y + dy) if relative else (dx, dy)
        if command.lower() == "m":
            start = (x, y)
            command = "l" if relative else "L"  # further pairs after a move are lines
        xs.append(x)
        ys.append(y)
        numbers = []
    if not xs:
        return (0.0, 0.0, 0.0, 0.0)
    return (min(xs), min(ys), max(xs), max(ys))


#: Score bands of the choropleth, best first: (lowest score, colour).
BANDS = ((95.0, "#1a9850"), (90.0, "#91cf60"), (80.0, "#fee08b"), (70.0, "#fc8d59"))
WORST = "#d73027"
NO_DATA = "#d9d9d9"
OUTSIDE = "#f2f2f2"


def colour(score: float | None) -> str:
    """The fill of a country with this representativeness score (grey without one).

    >>> colour(97.0), colour(85.0), colour(12.0), colour(None)
    ('#1a9850', '#fee08b', '#d73027', '#d9d9d9')
    """
    if score is None or math.isnan(score):
        return NO_DATA
    return next((fill for low, fill in BANDS if score >= low), WORST)


def world_svg(
    scores: Mapping[str, float | None],
    seats: Mapping[str, int],
    titles: Mapping[str, str],
    *,
    width: str = "100%",
) -> str:
    """The world as inline SVG: report countries filled by ``scores``, circles by ``seats``.

    Keys are ISO alpha-2 codes; ``titles`` is each report country's tooltip (plain text).
    Countries of the map outside the report are pale; report countries the map lacks
    are simply absent from it (the report's tables still list them).
    """
    known = shapes()
    parts = [
        f'<svg class="worldmap" viewBox="{" ".join(f"{v:g}" for v in VIEWBOX)}" '
        f'width="{html.escape(width)}" role="img">'
    ]
    for code, shape in known.items():
        inside = code in scores or code in seats
        fill = colour(scores.get(code)) if inside else OUTSIDE
        title = f"<title>{html.escape(titles.get(code, code))}</title>" if inside else ""
        body = "".join(f'<path d="{d}"/>' for d in shape.paths)
        parts.append(
            f'<g data-country="{code}" fill="{fill}" stroke="#888" stroke-width="0.5">'
            f"{title}{body}</g>"
        )
    biggest = max(seats.values(), default=0)
    for code, n in sorted(seats.items()):
        if code in known and n > 0 and biggest > 0:
            cx, cy = known[code].centre
            radius = 4 + 26 * math.sqrt(n / biggest)
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="#3b4cc0" '
                f'fill-opacity="0.55" stroke="#fff"><title>'
                f"{html.escape(titles.get(code, code))}</title></circle>"
            )
    parts.append("</svg>")
    return "".join(parts)
