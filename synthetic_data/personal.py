"""Fake personal details (name, email, phone, address) in a country's Faker locale, vectorised.

Faker is slow per call, so we draw a few thousand first names, last names, streets,
cities and postcodes per locale once (Faker seeded with ``seed_instance``) and combine
them with numpy indexing. Emails, phone numbers and household addresses are made
unique so that no two volunteers are merged as duplicates or households by accident.
Phone numbers are ``+<calling code>`` and nine random digits (not Faker's formats,
which several locales lack).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
from faker import Faker

from quotas.pool_files import address_key
from synthetic_data.countries import Locales

#: Items drawn from Faker per list; their combinations give far more distinct people.
POOL_SIZE = 2000
#: Locales that write the family name first.
FAMILY_NAME_FIRST = frozenset({"ja_JP", "zh_CN", "zh_TW", "ko_KR", "hu_HU"})
#: Share of household partners who share a family name.
SHARED_SURNAME = 0.7


def _ascii_token(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z]", "", folded.lower())


def _street(fake: Faker) -> Callable[[], str]:
    if fake.locales == ["ja_JP"]:
        return lambda: f"{fake.town()}{fake.chome()}{fake.ban()}{fake.gou()}"
    return fake.street_address  # type: ignore[no-any-return]


def _name_lists(fake: Faker, count: int) -> dict[str, list[str]]:
    """First (female, male) and last names, and an ASCII spelling of each for emails."""
    out: dict[str, list[str]] = {}
    pairs = hasattr(fake, "first_name_female_pair")  # ja_JP gives (kanji, kana, romaji)
    for key, method in (
        ("female", "first_name_female"),
        ("male", "first_name_male"),
        ("last", "last_name"),
    ):
        if pairs:
            got = [getattr(fake, f"{method}_pair")() for _ in range(count)]
            out[key] = [g[0] for g in got]
            out[key + "_ascii"] = [_ascii_token(g[2]) for g in got]
        else:
            out[key] = [str(getattr(fake, method)()) for _ in range(count)]
            out[key + "_ascii"] = [_ascii_token(v) for v in out[key]]
    usernames = [_ascii_token(fake.user_name()) or "user" for _ in range(count)]
    for key in ("female", "male", "last"):
        # non-Latin names (e.g. Arabic) fold to nothing: use a Faker user name instead
        out[key + "_ascii"] = [
            a if len(a) >= 2 else u for a, u in zip(out[key + "_ascii"], usernames, strict=True)
        ]
    return out


def _address_key(street: pd.Series, postcode: pd.Series, city: pd.Series) -> pd.Series:
    # The key pool loading gives these address columns: two households must not share it.
    keys = [address_key(parts) for parts in zip(street, postcode, city, strict=True)]
    return pd.Series(keys, index=street.index, dtype=object)


def personal_details(
    gender: np.ndarray,
    household: np.ndarray,
    locales: Locales,
    calling_code: str,
    seed: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Columns name, email, phone, street_address, postcode, city for each volunteer.

    ``gender`` holds 0 (female) or 1 (male); volunteers with the same ``household``
    number share an address and most often a family name.
    """
    n = len(gender)
    count = min(POOL_SIZE, max(50, n))
    person = Faker(locales.person)
    person.seed_instance(seed)
    names = _name_lists(person, count)
    domains = sorted({str(person.free_email_domain()) for _ in range(40)})
    place = Faker(locales.address)
    place.seed_instance(seed + 1)
    street_of = _street(place)
    # some locales write multi-line streets ("Flat 9\nHigh Street"): keep one line
    streets = [" ".join(str(street_of()).replace("\n", ", ").split()) for _ in range(count)]
    cities = [str(place.city()) for _ in range(count)]
    postcodes = [str(place.postcode()) for _ in range(count)]

    first_i = rng.integers(0, count, n)
    last_i = rng.integers(0, count, n)
    # household members: the later one takes the first one's family name (mostly)
    anchor = _first_member(household)
    keep = rng.random(n) < SHARED_SURNAME
    last_i = np.where(keep, last_i[anchor], last_i)

    female = gender == 0
    first = np.where(female, np.array(names["female"])[first_i], np.array(names["male"])[first_i])
    first_ascii = np.where(
        female, np.array(names["female_ascii"])[first_i], np.array(names["male_ascii"])[first_i]
    )
    last = np.array(names["last"])[last_i]
    last_ascii = np.array(names["last_ascii"])[last_i]
    if locales.person in FAMILY_NAME_FIRST:
        full = pd.Series(last, dtype=str) + " " + pd.Series(first, dtype=str)
    else:
        full = pd.Series(first, dtype=str) + " " + pd.Series(last, dtype=str)

    digits = rng.integers(0, 100, n)
    with_digits = rng.random(n) < 0.5
    local = pd.Series(first_ascii, dtype=str) + "." + pd.Series(last_ascii, dtype=str)
    local = local.where(~with_digits, local + pd.Series(digits).astype(str))
    domain = pd.Series(np.array(domains)[rng.integers(0, len(domains), n)], dtype=str)
    # names fold to letters only, so a dotted counter cannot clash with another address
    copy = (local + "@" + domain).groupby(local + "@" + domain, sort=False).cumcount()
    local = local.where(copy == 0, local + "." + (copy + 1).astype(str))
    email = local + "@" + domain

    national = rng.choice(9 * 10**8, size=n, replace=False) + 10**8
    text = pd.Series(national).astype(str)
    phone = f"+{calling_code} " + text.str[:3] + " " + text.str[3:6] + " " + text.str[6:]

    street, postcode, city = _household_addresses(
        household, anchor, streets, postcodes, cities, rng
    )
    return pd.DataFrame(
        {
            "name": full.to_numpy(),
            "email": email.to_numpy(),
            "phone": phone.to_numpy(),
            "street_address": street,
            "postcode": postcode,
            "city": city,
        }
    )


def _first_member(household: np.ndarray) -> np.ndarray:
    """For each volunteer, the row of the first member of their household."""
    _, first, inverse = np.unique(household, return_index=True, return_inverse=True)
    return first[inverse]


def _household_addresses(
    household: np.ndarray,
    anchor: np.ndarray,
    streets: list[str],
    postcodes: list[str],
    cities: list[str],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One distinct address per household, copied to every member."""
    heads = np.flatnonzero(anchor == np.arange(len(anchor)))
    h = len(heads)
    s_i = rng.integers(0, len(streets), h)
    p_i = rng.integers(0, len(postcodes), h)
    c_i = rng.integers(0, len(cities), h)
    street = pd.Series(np.array(streets)[s_i], dtype=str)
    postcode = pd.Series(np.array(postcodes)[p_i], dtype=str)
    city = pd.Series(np.array(cities)[c_i], dtype=str)
    for _ in range(10):
        clash = _address_key(street, postcode, city).duplicated().to_numpy()
        if not clash.any():
            break
        redraw = np.flatnonzero(clash)
        street.iloc[redraw] = np.array(streets)[rng.integers(0, len(streets), len(redraw))]
        city.iloc[redraw] = np.array(cities)[rng.integers(0, len(cities), len(redraw))]
    left = _address_key(street, postcode, city).duplicated(keep=False)
    if left.any():
        # small locales can run out of combinations: number the flats
        counter = street[left].groupby(_address_key(street, postcode, city)[left]).cumcount()
        street[left] = street[left] + ", flat " + (counter + 1).astype(str)
    position = np.empty(len(anchor), dtype=np.int64)
    position[heads] = np.arange(h)
    rows = position[anchor]
    return street.to_numpy()[rows], postcode.to_numpy()[rows], city.to_numpy()[rows]
