"""Encryption, keyed hashes, pseudonyms and passwords."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from quotas.problems import KleroError
from recruitment.security import (
    Secrets,
    create_key_file,
    hash_password,
    normalise_email,
    normalise_phone,
    verify_password,
)


def test_contact_details_round_trip_and_need_the_right_key() -> None:
    secrets = Secrets.load()
    token = secrets.encrypt({"email": "ana@example.org", "name": "Ana"})
    assert b"ana@example.org" not in token
    assert secrets.decrypt(token) == {"email": "ana@example.org", "name": "Ana"}
    other = Secrets(Fernet.generate_key(), "other")
    with pytest.raises(KleroError) as caught:
        other.decrypt(token)
    assert caught.value.code == "secret_key_wrong"


def test_keyed_hashes_match_normalised_contacts_but_depend_on_the_key() -> None:
    secrets = Secrets.load()
    a = secrets.keyed_hash("email", normalise_email(" Ana@Example.org "))
    b = secrets.keyed_hash("email", normalise_email("ana@example.org"))
    assert a == b
    assert Secrets(Fernet.generate_key(), "x").keyed_hash("email", "ana@example.org") != a
    assert (
        normalise_phone("+33 6 12-34")
        == normalise_phone("0033 (6) 1234")
        == "+33612 34".replace(" ", "")
    )


def test_the_key_comes_from_a_file_when_no_variable_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("KLERO_SECRET_KEY")
    monkeypatch.setenv("KLERO_KEY_FILE", str(tmp_path / "k.key"))
    with pytest.raises(KleroError) as caught:
        Secrets.load()
    assert caught.value.code == "secret_key_missing"
    path = create_key_file()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert Secrets.load().source == str(path)
    with pytest.raises(KleroError):
        create_key_file()  # never overwrite a key: the data would become unreadable
    path.write_text("not a key")
    with pytest.raises(KleroError) as bad:
        Secrets.load()
    assert bad.value.code == "secret_key_invalid"


def test_passwords_are_salted_and_verified() -> None:
    first, second = hash_password("s3cret-pass"), hash_password("s3cret-pass")
    assert first != second  # per-user salt
    assert verify_password("s3cret-pass", first)
    assert not verify_password("wrong-pass", first)
    assert not verify_password("s3cret-pass", "garbage")
