"""Protecting personal data and logins: Fernet encryption, keyed hashes, scrypt passwords, TOTP.

The secret key never lives in the database: it comes from ``KLERO_SECRET_KEY`` (a Fernet
key, as printed by ``klero key create``) or from the file named by ``KLERO_KEY_FILE``
(default ``$KLERO_HOME/secret.key``). Keyed hashes (HMAC-SHA256 under a key derived from
the secret) let us find duplicate e-mails and phone numbers without storing them in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
from cryptography.fernet import Fernet, InvalidToken

from quotas.problems import EnvironmentFailure, KleroError
from recruitment.private_files import create_private_file, is_klero_home, private_folder

# scrypt cost; tests lower it through ``set_password_cost`` to stay fast.
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
# A fixed salt for ``dummy_password_hash``: nothing secret hangs on it.
_DUMMY_SALT = base64.b64encode(b"kleroterion-none").decode()
# A one-time code is valid for the 30-s step it was made in and the steps either side,
# so that an authenticator whose clock is a little off still works.
TOTP_DRIFT_STEPS = 1
TOTP_ISSUER = "Kleroterion"


def klero_home() -> Path:
    """The folder for the default database and key file (``KLERO_HOME`` or ~/.local/share)."""
    home = os.environ.get("KLERO_HOME")
    if home:
        return Path(home).expanduser()
    return Path.home() / ".local" / "share" / "kleroterion"


def default_key_file() -> Path:
    """Where the key file is looked for when ``KLERO_KEY_FILE`` is not set."""
    given = os.environ.get("KLERO_KEY_FILE")
    return Path(given).expanduser() if given else klero_home() / "secret.key"


def create_key_file(path: Path | None = None) -> Path:
    """Write a new random Fernet key to ``path`` (owner-readable only); never overwrite one.

    A folder created for it is ``0700`` (see ``recruitment.private_files``).
    """
    target = (path or default_key_file()).expanduser()
    if target.exists():
        raise KleroError("secret_key_exists", path=str(target))
    private_folder(target.parent, ours=is_klero_home(target.parent, klero_home()))
    try:
        fd = create_private_file(target)
    except FileExistsError as exc:  # written meanwhile by another process
        raise KleroError("secret_key_exists", path=str(target)) from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key() + b"\n")
    return target


@dataclass(frozen=True)
class Secrets:
    """The loaded key: encrypts contact details and computes keyed hashes."""

    key: bytes
    source: str

    @classmethod
    def load(cls) -> Secrets:
        """Load the key from ``KLERO_SECRET_KEY`` or the key file; raise KleroError if none."""
        text = os.environ.get("KLERO_SECRET_KEY")
        source = "KLERO_SECRET_KEY"
        if not text:
            path = default_key_file()
            if not path.exists():
                raise EnvironmentFailure("secret_key_missing", path=str(path))
            text = path.read_text("ascii").strip()
            source = str(path)
        key = text.strip().encode("ascii")
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise EnvironmentFailure("secret_key_invalid", source=source) from exc
        return cls(key, source)

    @property
    def _hmac_key(self) -> bytes:
        # A separate key for hashing, so a leak of hashes says nothing about the cipher key.
        return hashlib.sha256(b"kleroterion-hmac-v1\x00" + self.key).digest()

    def encrypt(self, details: dict[str, Any]) -> bytes:
        """Encrypt a dict of contact details (JSON) into a Fernet token."""
        text = json.dumps(details, sort_keys=True, ensure_ascii=False)
        return Fernet(self.key).encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes) -> dict[str, Any]:
        """Decrypt a token made by ``encrypt``."""
        try:
            data = Fernet(self.key).decrypt(bytes(token))
        except InvalidToken as exc:
            raise EnvironmentFailure("secret_key_wrong", source=self.source) from exc
        loaded: dict[str, Any] = json.loads(data.decode("utf-8"))
        return loaded

    def keyed_hash(self, kind: str, value: str) -> str:
        """HMAC-SHA256 (hex) of a normalised value of ``kind`` (``email``, ``phone``, ...)."""
        message = f"{kind}\x00{value}".encode()
        return hmac.new(self._hmac_key, message, hashlib.sha256).hexdigest()

    def pseudonym(self, site_id: int, external_id: str) -> str:
        """A stable pseudonymous id for a volunteer of a site, not reversible without the key."""
        return "v" + self.keyed_hash("pseudonym", f"{site_id}\x00{external_id}")[:16]


def normalise_email(value: str) -> str:
    """An e-mail address for matching: trimmed and case-folded ("" when blank)."""
    return value.strip().casefold()


def normalise_phone(value: str) -> str:
    """A phone number for matching: digits only, a leading ``+`` or ``00`` kept as ``+``."""
    text = value.strip()
    plus = text.startswith("+") or text.startswith("00")
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    return ("+" if plus else "") + digits if digits else ""


def set_password_cost(n: int) -> None:
    """Set the scrypt cost ``n`` (a power of two) for new password hashes (tests use 2**4)."""
    _SCRYPT["n"] = n


def hash_password(password: str) -> str:
    """Hash a password with scrypt and a random per-user salt; parameters stored inline."""
    salt = secrets.token_bytes(16)
    n, r, p = _SCRYPT["n"], _SCRYPT["r"], _SCRYPT["p"]
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=2**26)
    return "$".join(
        [
            "scrypt",
            str(n),
            str(r),
            str(p),
            base64.b64encode(salt).decode(),
            base64.b64encode(digest).decode(),
        ]
    )


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by ``hash_password`` (constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest)
    found = hashlib.scrypt(
        password.encode("utf-8"),
        salt=base64.b64decode(salt),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=2**26,
    )
    return hmac.compare_digest(found, expected)


def dummy_password_hash() -> str:
    """A hash in ``hash_password``'s format, with today's parameters, that no password matches.

    Checking a password against it costs what checking a real one costs, so an unknown
    login takes as long to refuse as a known one. (Its digest is all zeros, not the scrypt
    of anything: no hashing is needed to make it, so it is never slower the first time.)
    """
    n, r, p = _SCRYPT["n"], _SCRYPT["r"], _SCRYPT["p"]
    zeros = base64.b64encode(bytes(64)).decode()
    return "$".join(["scrypt", str(n), str(r), str(p), _DUMMY_SALT, zeros])


def new_totp_secret() -> str:
    """A random TOTP secret (base32, 160 bits), as authenticator apps expect."""
    return pyotp.random_base32(32)


def totp_uri(secret: str, login: str) -> str:
    """The ``otpauth://`` URI that authenticator apps read (often as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=TOTP_ISSUER)


def totp_step(secret: str, code: str, at: float) -> int | None:
    """The 30-s step (Unix time // 30) whose code ``code`` is, near time ``at``; None if none.

    Steps up to ``TOTP_DRIFT_STEPS`` before or after ``at``'s are accepted; comparisons
    take constant time.

    >>> secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    >>> code = pyotp.TOTP(secret).at(1_000_000_000)
    >>> totp_step(secret, code, 1_000_000_000 + 25), totp_step(secret, code, 1_000_000_000 + 95)
    (33333333, None)
    """
    totp = pyotp.TOTP(secret)
    typed = "".join(code.split())
    now = totp.timecode(at)
    found = None
    for step in range(now - TOTP_DRIFT_STEPS, now + TOTP_DRIFT_STEPS + 1):
        # No early exit: every candidate is compared, whichever matches.
        if hmac.compare_digest(totp.generate_otp(step).encode(), typed.encode()):
            found = step
    return found
