"""Fonts for the PDFs: Noto from Debian's packages, one per script, shaped by HarfBuzz.

Every PDF (reports, registration forms, seating plans) writes its text with Noto Sans
(Latin, Cyrillic, Greek, Vietnamese) and falls back, letter by letter, to the Noto font
of each other script its text holds: Arabic (Arabic, Persian, Urdu), Devanagari,
Bengali, Ethiopic, CJK. HarfBuzz (``uharfbuzz``) shapes the text: Arabic letters join,
Indic clusters form, right-to-left runs are laid out right to left.

The fonts come from the system's packages, installed with the service
(``scripts/ensure-fonts.sh``: ``fonts-noto-core`` and ``fonts-noto-cjk``), never
downloaded at run time. On a machine without them a PDF falls back to the standard
PDF fonts (Latin-1 only, ``quotas.pdf_text.latin``), and ``PdfFonts.missing`` names
the Debian packages to install (message ``pdf_fonts_missing``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from fpdf import FPDF

from quotas.languages import direction
from quotas.messages import Message, catalogues, merged
from quotas.pdf_text import latin

#: Where Debian's packages put the Noto fonts (``KLERO_FONT_DIRS``, ``:``-separated, overrides).
FONT_DIRS = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/noto")
FONT_DIRS_ENV = "KLERO_FONT_DIRS"
CORE = "fonts-noto-core"
CJK = "fonts-noto-cjk"
Style = Literal["", "B"]
_NUMBERS = re.compile(r"\d[\w:+./-]*[-:+./][\w:+./-]*\d")


@dataclass(frozen=True)
class Script:
    """The font files that write one script, the Debian package that has them, its letters."""

    name: str
    package: str
    regular: str
    bold: str
    ranges: tuple[tuple[int, int], ...]


BASE = Script("latin", CORE, "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", ())
SCRIPTS = (
    Script(
        "arabic",
        CORE,
        "NotoNaskhArabic-Regular.ttf",
        "NotoNaskhArabic-Bold.ttf",
        ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    ),
    Script(
        "devanagari",
        CORE,
        "NotoSansDevanagari-Regular.ttf",
        "NotoSansDevanagari-Bold.ttf",
        ((0x0900, 0x097F), (0xA8E0, 0xA8FF)),
    ),
    Script(
        "bengali",
        CORE,
        "NotoSansBengali-Regular.ttf",
        "NotoSansBengali-Bold.ttf",
        ((0x0980, 0x09FF),),
    ),
    Script(
        "ethiopic",
        CORE,
        "NotoSansEthiopic-Regular.ttf",
        "NotoSansEthiopic-Bold.ttf",
        ((0x1200, 0x139F), (0x2D80, 0x2DDF), (0xAB00, 0xAB2F)),
    ),
    Script(
        "cjk",
        CJK,
        "NotoSansCJK-Regular.ttc",
        "NotoSansCJK-Bold.ttc",
        ((0x2E80, 0x30FF), (0x3100, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF)),
    ),
)
# The CJK collection's faces: Japanese for Japanese, Simplified Chinese for the rest.
_CJK_FACE = {"ja": 0}
_CJK_DEFAULT_FACE = 2


def font_dirs() -> list[Path]:
    """The folders searched for the font files."""
    value = os.environ.get(FONT_DIRS_ENV)
    return [Path(p) for p in (value.split(":") if value is not None else FONT_DIRS) if p]


def _find(name: str) -> Path | None:
    for folder in font_dirs():
        if (folder / name).is_file():
            return folder / name
    return None


def scripts_in(texts: Iterable[str]) -> list[Script]:
    """The scripts (beyond Noto Sans's own) whose letters appear in ``texts``.

    >>> [s.name for s in scripts_in(["Москва", "القاهرة 東京"])]
    ['arabic', 'cjk']
    """
    points = {ord(char) for text in texts for char in text if ord(char) >= 0x0600}
    return [
        script
        for script in SCRIPTS
        if any(low <= p <= high for p in points for low, high in script.ranges)
    ]


@cache
def language_scripts(lang: str) -> tuple[Script, ...]:
    """The scripts of a language's words (its catalogues' templates).

    >>> [s.name for s in language_scripts("hi")], language_scripts("ru")
    (['devanagari'], ())
    """
    return tuple(scripts_in(merged(catalogues(), lang).values()))


@dataclass(frozen=True)
class PdfFonts:
    """The fonts one PDF writes with: Noto (``unicode``) or the standard Latin-1 fonts."""

    family: str
    unicode: bool
    rtl: bool
    missing: tuple[str, ...]  # the Debian packages this PDF needed and did not find

    def text(self, value: str) -> str:
        """``value`` as the fonts can write it (Latin-1 letters with the standard fonts).

        In right-to-left text, a date, time or version (digits joined by ``-:+./``) is
        kept left to right as one piece (between Unicode's isolate marks).
        """
        if not self.unicode:
            return latin(value)
        return _NUMBERS.sub(lambda m: f"\u2066{m.group(0)}\u2069", value) if self.rtl else value

    def set(self, pdf: FPDF, style: Style = "", size: float = 10) -> None:
        """Write on with these fonts, ``style`` ``""`` or ``"B"``, at ``size`` points."""
        pdf.set_font(self.family, style=style, size=size)

    @property
    def align(self) -> Literal["L", "R"]:
        """Paragraphs start on the right in a right-to-left language."""
        return "R" if self.rtl else "L"

    def warning(self) -> Message | None:
        """The coded message naming the packages to install, when some were missing."""
        if not self.missing:
            return None
        return Message("pdf_fonts_missing", {"packages": " ".join(self.missing)})


class UnicodePDF(FPDF):
    """fpdf2's document, with the main font set on each page before a line of text.

    fpdf2 (2.8) writes a line whose first letters come from a fallback font inside a
    ``q ... Q`` context, with the main font it sets for the page in there too: after the
    ``Q`` the page has no font, and the next line in the main font is not drawn (readers
    say "No font in show"). Setting the main font on the page first avoids that.
    """

    def _render_styled_text_line(self, *args: Any, **kwargs: Any) -> bool:
        if self.page and self.current_font is not None and not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))
        return bool(super()._render_styled_text_line(*args, **kwargs))


def pdf_fonts(pdf: UnicodePDF, lang: str, texts: Iterable[str] = ()) -> PdfFonts:
    """Register on ``pdf`` the fonts for ``lang``'s words and ``texts`` (names, labels).

    Noto Sans is the main family; a font per other script found is a fallback, and
    HarfBuzz shapes the text. Without the fonts (or without ``uharfbuzz``), the
    standard Helvetica (Latin-1) and the packages that were missing.
    """
    rtl = direction(lang) == "rtl"
    needed = _needed(lang, texts)
    files = {s.name: (_find(s.regular), _find(s.bold)) for s in needed}
    missing = _missing(needed, files)
    if missing or not _shaping_available():
        return PdfFonts("Helvetica", unicode=False, rtl=False, missing=missing)
    face = _CJK_FACE.get(lang, _CJK_DEFAULT_FACE)
    for script in needed:
        regular, bold = files[script.name]
        for style, path in (("", regular), ("B", bold)):
            number = face if str(path).endswith(".ttc") else 0
            pdf.add_font(f"noto-{script.name}", style, str(path), collection_font_number=number)
    pdf.set_fallback_fonts([f"noto-{s.name}" for s in needed[1:]], exact_match=False)
    pdf.set_text_shaping(True)
    return PdfFonts(f"noto-{BASE.name}", unicode=True, rtl=rtl, missing=())


def _needed(lang: str, texts: Iterable[str]) -> list[Script]:
    wanted = {*language_scripts(lang), *scripts_in(texts)}
    return [BASE, *(s for s in SCRIPTS if s in wanted)]


def _missing(
    needed: list[Script], files: dict[str, tuple[Path | None, Path | None]]
) -> tuple[str, ...]:
    lacking = {s.package for s in needed if None in files[s.name]}
    return tuple(p for p in (CORE, CJK) if p in lacking)


def fonts_warning(lang: str, texts: Iterable[str] = ()) -> Message | None:
    """The message naming the font packages a PDF in ``lang`` with ``texts`` lacks, if any.

    The command line prints it beside the PDF it writes (the PDF says it too).
    """
    needed = _needed(lang, texts)
    files = {s.name: (_find(s.regular), _find(s.bold)) for s in needed}
    return PdfFonts("", unicode=False, rtl=False, missing=_missing(needed, files)).warning()


def _shaping_available() -> bool:
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:  # pragma: no cover - a dependency; kept for partial installs
        return False
    return True
