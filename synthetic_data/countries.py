"""The countries we ship approximate census margins for, their sources and their Faker locales.

Margins live in ``synthetic_data/data/<CODE>.csv`` in the census-margins format of
``quotas`` (``feature,value,share``). The figures are approximate, rounded from general
knowledge of UN, World Bank and national census publications (no download was possible
when they were written): good enough for demos, tests and benchmarks, never for a real
panel. Partners must use their national statistics office's figures.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from quotas.problems import InvalidInput, Problem

#: The standard features of every shipped margins file, in file order.
FEATURES: tuple[str, ...] = ("gender", "age", "education", "urban_rural", "region", "literacy")
AGE_BANDS: tuple[str, ...] = ("16-24", "25-34", "35-44", "45-54", "55-64", "65+")
EDUCATION: tuple[str, ...] = ("none/primary", "secondary", "tertiary")
GENDERS: tuple[str, ...] = ("female", "male")
URBAN_RURAL: tuple[str, ...] = ("urban", "rural")
LITERACY: tuple[str, ...] = ("literate", "cannot read")


@dataclass(frozen=True)
class Country:
    """A shipped country: name, where its approximate figures come from, and its language."""

    code: str
    name: str
    source: str
    year: int
    #: main language of registration forms; picks the Faker locale (see ``faker_locales``)
    language: str
    #: international calling code for synthetic phone numbers
    calling_code: str
    fictional: bool = False


_EDU = "education: UNESCO UIS / World Bank attainment of adults"
_LIT = "literacy: UNESCO UIS adult literacy"

COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country("AU", "Australia", f"ABS Census 2021, ERP 2023; {_EDU}; {_LIT}", 2021, "en", "61"),
        Country("BR", "Brazil", f"IBGE Censo Demográfico 2022; PNAD; {_LIT}", 2022, "pt", "55"),
        Country(
            "DE",
            "Germany",
            f"Destatis Bevölkerungsstand 2022, Mikrozensus; {_EDU}",
            2022,
            "de",
            "49",
        ),
        Country(
            "EG",
            "Egypt",
            f"CAPMAS census 2017 and 2023 estimates; {_EDU}; {_LIT}",
            2023,
            "ar",
            "20",
        ),
        Country("FR", "France", f"INSEE estimations de population 2023; {_EDU}", 2023, "fr", "33"),
        Country(
            "GB", "United Kingdom", f"ONS/NRS/NISRA censuses 2021-2022; {_EDU}", 2021, "en", "44"
        ),
        Country("ID", "Indonesia", f"BPS Sensus Penduduk 2020; {_EDU}; {_LIT}", 2020, "id", "62"),
        Country(
            "IN", "India", f"Census of India 2011, UN WPP 2022; NFHS-5; {_LIT}", 2022, "en", "91"
        ),
        Country("JP", "Japan", f"Statistics Bureau census 2020; {_EDU}", 2020, "ja", "81"),
        Country(
            "KE",
            "Kenya",
            f"KNBS Population and Housing Census 2019; {_EDU}; {_LIT}",
            2019,
            "en",
            "254",
        ),
        Country(
            "MX", "Mexico", f"INEGI Censo de Población y Vivienda 2020; {_LIT}", 2020, "es", "52"
        ),
        Country(
            "NG",
            "Nigeria",
            f"NPC/NBS projections 2022, UN WPP 2022; {_EDU}; {_LIT}",
            2022,
            "en",
            "234",
        ),
        Country("SN", "Senegal", f"ANSD RGPH-5 2023; {_EDU}; {_LIT}", 2023, "fr", "221"),
        Country(
            "US",
            "United States",
            f"US Census Bureau ACS 2022, estimates 2023; {_EDU}",
            2022,
            "en",
            "1",
        ),
        Country("ZA", "South Africa", f"Stats SA Census 2022; {_EDU}; {_LIT}", 2022, "zu", "27"),
        Country("XX", "Testland", "fictional figures for tests", 2024, "en", "999", True),
    )
}

#: Faker locale per language when ``<language>_<COUNTRY>`` lacks a provider: same main
#: language, preferring the locale with the most complete providers.
LANGUAGE_FALLBACK: dict[str, dict[str, str]] = {
    "ar": {"person": "ar_AA", "address": "ar_DZ"},
    "de": {"person": "de_DE", "address": "de_DE"},
    "en": {"person": "en_GB", "address": "en_GB"},
    "es": {"person": "es_ES", "address": "es_ES"},
    "fr": {"person": "fr_FR", "address": "fr_FR"},
    "id": {"person": "id_ID", "address": "id_ID"},
    "ja": {"person": "ja_JP", "address": "ja_JP"},
    "pt": {"person": "pt_PT", "address": "pt_PT"},
    "zu": {"person": "zu_ZA", "address": "zu_ZA"},
}


@dataclass(frozen=True)
class Locales:
    """The Faker locales used for a country's names and addresses."""

    person: str
    address: str

    @property
    def fallback(self) -> bool:
        """True when either locale is not the country's own (``<lang>_<COUNTRY>``)."""
        return self.person != self.own or self.address != self.own

    own: str = ""


def available_countries() -> list[str]:
    """The ISO 3166-1 alpha-2 codes with shipped margins (plus ``XX``, fictional Testland)."""
    return sorted(COUNTRIES)


def country(code: str) -> Country:
    """The shipped country for ``code`` (case-insensitive), or InvalidInput listing the codes."""
    found = COUNTRIES.get(str(code).strip().upper())
    if found is None:
        raise InvalidInput(
            [
                Problem(
                    "synth_unknown_country",
                    {"country": code, "available": ", ".join(available_countries())},
                )
            ]
        )
    return found


def _has_provider(provider: str, locale: str) -> bool:
    return importlib.util.find_spec(f"faker.providers.{provider}.{locale}") is not None


@cache
def faker_locales(code: str) -> Locales:
    """The Faker locales for a country: its own where Faker has one, else a same-language one.

    For each of the person and address providers we use ``<language>_<COUNTRY>`` when Faker
    ships that provider for it (e.g. ``en_KE`` names); otherwise the language's fallback in
    ``LANGUAGE_FALLBACK`` (e.g. Kenyan addresses from ``en_GB``, Senegal from ``fr_FR``).

    >>> faker_locales("SN")
    Locales(person='fr_FR', address='fr_FR', own='fr_SN')
    """
    c = country(code)
    own = f"{c.language}_{c.code}"
    chosen = {
        provider: own if _has_provider(provider, own) else LANGUAGE_FALLBACK[c.language][provider]
        for provider in ("person", "address")
    }
    return Locales(chosen["person"], chosen["address"], own)


@cache
def _read_margins(code: str) -> pd.DataFrame:
    text = resources.files("synthetic_data").joinpath(f"data/{code}.csv").read_text("utf-8")
    from io import StringIO

    return pd.read_csv(
        StringIO(text), dtype={"feature": str, "value": str, "share": float}, keep_default_na=False
    )


def margins_frame(code: str) -> pd.DataFrame:
    """The country's margins as a frame with columns ``feature, value, share`` (a copy)."""
    return _read_margins(country(code).code).copy()


def margins_dict(code: str) -> dict[str, dict[str, float]]:
    """The country's margins as ``{feature: {value: share}}``, in file order."""
    out: dict[str, dict[str, float]] = {}
    for feature, value, share in margins_frame(code).itertuples(index=False):
        out.setdefault(str(feature), {})[str(value)] = float(share)
    return out
