"""Classifying pool columns: default-deny, declarations win, recognition never makes clear."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from quotas.model import normalise
from recruitment.columns import (
    PERSONAL_ROLES,
    Declaration,
    Reason,
    Role,
    classify,
    content_kind,
)
from recruitment.lexicon import KINDS, recognise_header, terms
from recruitment.snapshots import household_labels, quota_columns

# Headers of personal columns as partners write them, and what they hold.
RECOGNISED = {
    "nom complet": "name",
    "courriel": "email",
    "portable": "phone",
    "adresse": "address",
    "jina kamili": "name",
    "barua pepe": "email",
    "Telefonnummer": "phone",
    "correo electrónico": "email",
    "celular": "phone",
    "simu": "phone",
    "البريد الإلكتروني": "email",
    "телефон": "phone",
    "电话": "phone",
    "E-Mail-Adresse": "email",
    "Numéro de téléphone": "phone",
    "alamat email": "email",
    "cep telefonu": "phone",
    "Código Postal": "postcode",
    "ঠিকানা": "address",
    "ስልክ ቁጥር": "phone",
    "lambar waya": "phone",
    "नाम": "name",
    "İsim": "name",
    "شماره موبایل": "phone",
}


@pytest.mark.parametrize("header", sorted(RECOGNISED))
def test_personal_headers_are_recognised_in_many_languages(header: str) -> None:
    assert recognise_header(header) == RECOGNISED[header]
    found = classify(["id", "gender", header], quota_features=["gender"]).columns[2]
    assert (found.role, found.reason, found.kind) == (Role.CONTACT, Reason.RECOGNISED, found.kind)
    assert found.kind == RECOGNISED[header]


def test_every_lexicon_term_is_recognised_as_its_kind() -> None:
    for kind in KINDS:
        for term in terms(kind):
            found = recognise_header(term)
            assert found is not None, term
            assert found == kind or len(term) < 4, (term, found)


@pytest.mark.parametrize("header", ["gender", "age", "education", "urban_rural", "literacy"])
def test_criteria_headers_are_not_taken_for_personal_data(header: str) -> None:
    assert recognise_header(header) is None


def test_an_unrecognised_column_is_personal_by_default_and_sniffed_for_contacts() -> None:
    samples = {
        "x1": ["a@b.org", "c@d.org", ""],
        "x2": ["+254 700 000 001", "0712 345 678"],
        "x3": ["blue", "green"],
        "id": ["P1", "P2"],
    }
    found = classify(["id", "x1", "x2", "x3", "age"], quota_features=["age"], samples=samples)
    got = {c.column: (c.role, c.reason, c.kind) for c in found.columns}
    assert got["x1"] == (Role.CONTACT, Reason.RECOGNISED, "email")
    assert got["x2"] == (Role.CONTACT, Reason.RECOGNISED, "phone")
    assert got["x3"] == (Role.PERSONAL, Reason.DEFAULT, None)
    assert found.of_kind("email") == ["x1"] and found.of_kind("phone") == ["x2"]
    assert found.problems == ()


def test_content_that_is_mostly_not_contacts_is_not_taken_for_them() -> None:
    assert content_kind(["n/a", "none", "a@b.org"]) is None
    assert content_kind(["20240001", "20240002"]) is None  # bare codes, not phones
    assert content_kind(["0612345678", "", "0698765432"]) == "phone"


def test_declared_roles_win_and_a_quota_column_declared_personal_is_refused() -> None:
    found = classify(
        ["ref", "gender", "courriel", "wave", "notes"],
        Declaration(id_column="ref", attribute_columns=("wave",), personal_columns=("gender",)),
        quota_features=["gender"],
    )
    roles = {c.column: (c.role, c.reason) for c in found.columns}
    assert roles["ref"] == (Role.ID, Reason.DECLARED)
    assert roles["wave"] == (Role.ATTRIBUTE, Reason.DECLARED)
    assert roles["gender"] == (Role.PERSONAL, Reason.DECLARED)
    codes = sorted(p.code for p in found.problems)
    assert codes == ["pool_import_no_criteria", "pool_quota_column_not_feature"]


def test_a_contact_and_address_declaration_is_an_address_others_twice_are_problems() -> None:
    found = classify(
        ["id", "age", "street", "name"],
        Declaration(
            contact_columns=("street", "name"),
            address_columns=("Street",),
            attribute_columns=("name", "phone"),
        ),
        quota_features=["age"],
    )
    assert found.with_role(Role.ADDRESS) == ["street"]
    problems = {p.code: p.params for p in found.problems}
    assert problems["pool_column_declared_twice"]["roles"] == "attribute, contact"
    assert problems["pool_column_declared_missing"]["column"] == "phone"


headers = st.lists(
    st.one_of(
        st.sampled_from(["id", "gender", "age", "x", *list(RECOGNISED)[:8], "wave", "ID"]),
        st.text(alphabet="abcxyz éж电 _-", min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=8,
)


@given(
    columns=headers,
    picks=st.lists(st.integers(0, 6), max_size=8),
    quotas=st.lists(st.sampled_from(["gender", "age", "x", "age x gender", "region"]), max_size=3),
    criteria=st.lists(st.sampled_from(["wave", "X", "courriel", "zz"]), max_size=2),
)
def test_every_column_gets_one_role_and_only_declared_or_criteria_are_clear(
    columns: list[str], picks: list[int], quotas: list[str], criteria: list[str]
) -> None:
    columns = [" ".join(c.split()) for c in columns]
    assume(all(columns) and len({normalise(c) for c in columns}) == len(columns))
    lists: list[list[str]] = [[] for _ in range(5)]
    for name, pick in zip(columns, picks, strict=False):
        if pick < 5:
            lists[pick].append(name)
    declaration = Declaration(
        id_column=columns[0],
        feature_columns=tuple(lists[0]),
        attribute_columns=tuple(lists[1]),
        contact_columns=tuple(lists[2]),
        address_columns=tuple(lists[3]),
        personal_columns=tuple(lists[4]),
    )
    found = classify(columns, declaration, quota_features=quotas, criteria=criteria)
    assert [c.column for c in found.columns] == columns  # each column once, in order
    declared = {Role.FEATURE: lists[0], Role.ATTRIBUTE: lists[1], Role.ID: [columns[0]]}
    known = quota_columns(quotas) | quota_columns(criteria)
    for column in found.columns:
        if column.role in (Role.FEATURE, Role.ATTRIBUTE, Role.ID):
            is_declared = column.column in declared[column.role]
            from_lists = column.role is Role.FEATURE and normalise(column.column) in known
            assert is_declared or from_lists, column
            assert column.reason in (Reason.DECLARED, Reason.QUOTAS, Reason.CRITERIA)
        elif column.reason is Reason.DEFAULT:
            assert column.role is Role.PERSONAL
        if column.reason is Reason.RECOGNISED:
            assert column.role in (*PERSONAL_ROLES, Role.CHANNEL)
    twice = [c for c in columns if sum(c in group for group in [*lists, [columns[0]]]) > 1]
    reported = {p.params["column"] for p in found.problems if p.code.endswith("declared_twice")}
    expected = {c for c in twice if not (c in lists[2] and c in lists[3] and c != columns[0]
                                         and sum(c in g for g in lists) == 2)}  # fmt: skip
    assert reported == expected


def test_household_labels_say_only_who_lives_together() -> None:
    ids = ["v3", "v1", "v2", "v4", "v5"]
    keys = ["k-b", "k-a", "k-b", None, "k-a"]
    assert household_labels(ids, keys) == ["h2", "h1", "h2", "", "h1"]
    assert household_labels(["v1", "v2"], ["k", "other"]) == ["", ""]  # nobody shares
