"""Text for the standard PDF fonts (Latin-1): the PDFs' fallback without the Noto fonts.

fpdf2's standard fonts hold Latin-1 only; other letters are written without their
accents, or as ``?`` when they have no Latin form (``quotas.pdf_fonts`` writes every
script when its fonts are installed).
"""

from __future__ import annotations

import unicodedata

_SUBSTITUTES = {"–": "-", "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "≥": ">=", "…": "..."}


def latin(text: str) -> str:
    """``text`` in the standard fonts' Latin-1: accents outside it dropped, else ``?``.

    >>> latin("Bihār – Île-de-France")
    'Bihar - Île-de-France'
    """
    out = []
    for char in text:
        char = _SUBSTITUTES.get(char, char)
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            char = base or "?"
        out.append(char)
    return "".join(out)


def writable(text: str) -> bool:
    """Whether the standard fonts write ``text`` as it is (after the usual substitutes).

    >>> writable("Île-de-France – 3 ≥ 2"), writable("Москва")
    (True, False)
    """
    try:
        "".join(_SUBSTITUTES.get(c, c) for c in text).encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True
