"""Reading PDFs back in tests: their text (pypdf), fonts, shaping and where lines start."""

from __future__ import annotations

import io
import os
import re
from collections import defaultdict
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from quotas.pdf_fonts import SCRIPTS, Script, font_dirs

ARABIC = next(s for s in SCRIPTS if s.name == "arabic")


def fonts_installed(*scripts: str) -> bool:
    """Whether the Noto fonts for Latin and ``scripts`` are on this machine."""
    wanted = [s for s in SCRIPTS if s.name in scripts]
    names = ["NotoSans-Regular.ttf", *(s.regular for s in wanted)]
    return all(any((d / n).is_file() for d in font_dirs()) for n in names)


# The tests that read every script in PDFs need the fonts: scripts/ensure-fonts.sh
# installs them (make test and .ci/run call it; under CI=true a missing font fails).
needs_fonts = pytest.mark.skipif(
    not fonts_installed(*(s.name for s in SCRIPTS)) and not os.environ.get("CI"),
    reason="the Noto fonts are not installed (scripts/ensure-fonts.sh)",
)


def pdf_text(data: bytes) -> str:
    """The text of every page, as pypdf extracts it (through the fonts' ToUnicode maps)."""
    pages = PdfReader(io.BytesIO(data)).pages
    # pypdf reads a NUL before some two-byte glyph codes of the CJK fonts: not text.
    return "\n".join(page.extract_text() for page in pages).replace("\x00", "")


def holds(text: str, phrase: str) -> bool:
    """Whether each word of ``phrase`` is in ``text`` (pypdf's extraction): in any order
    (it reads right-to-left lines from the left) and with spaces and control characters
    taken out (it puts some between the glyphs of one Devanagari word)."""
    squashed = "".join(c for c in text if c.isprintable() and not c.isspace())
    return all(word in squashed for word in phrase.split())


def _unicode_maps(data: bytes) -> dict[str, dict[int, str]]:
    """Each embedded font's ToUnicode map: glyph id -> the text it stands for."""
    maps: dict[str, dict[int, str]] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        fonts = cast(DictionaryObject, resources.get("/Font", DictionaryObject()).get_object())
        for ref in fonts.values():
            font = ref.get_object()
            if "/ToUnicode" not in font:
                continue
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            glyphs: dict[int, str] = {}
            for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                for glyph, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    raw = bytes.fromhex(text)
                    glyphs[int(glyph, 16)] = raw.decode("utf-16-be", "replace")
            maps[str(font["/BaseFont"])] = glyphs
    return maps


def shaped(data: bytes, script: Script = ARABIC) -> bool:
    """Whether ``script``'s letters were shaped: one letter drawn by several glyphs
    (initial, medial, final forms) or several letters by one glyph (ligatures)."""
    for glyphs in _unicode_maps(data).values():
        forms: dict[str, set[int]] = defaultdict(set)
        for glyph, text in glyphs.items():
            if any(low <= ord(c) <= high for c in text for low, high in script.ranges):
                forms[text].add(glyph)
        if any(len(ids) > 1 for ids in forms.values()) or any(len(t) > 1 for t in forms):
            return True
    return False


def line_starts(data: bytes, page: int = 0) -> list[tuple[float, str]]:
    """Each run of text on ``page`` with the x (points from the left) it starts at."""
    runs: list[tuple[float, str]] = []

    def visit(text: str, _cm: object, tm: list[float], _font: object, _size: object) -> None:
        if text.strip():
            runs.append((float(tm[4]), text))

    PdfReader(io.BytesIO(data)).pages[page].extract_text(visitor_text=visit)
    return runs
