"""Password hashing: scrypt for verification, HA1 digests for HTTP Digest.

A password is never stored in clear. Digest authentication needs ``H(user:realm:password)`` for
each algorithm it offers (RFC 7616 §3.4.2), so those are stored beside the scrypt hash; the realm is
fixed per unit (it contains the serial number), so they stay valid for the unit's life.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class PasswordHashes:
    """Everything stored for one password."""

    scrypt: str
    ha1_md5: str
    ha1_sha256: str


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )


def hash_password(user: str, realm: str, password: str) -> PasswordHashes:
    """Hash ``password`` for storage (slow on purpose: run it off the event loop)."""
    salt = secrets.token_bytes(16)
    encoded = (
        base64.b64encode(salt).decode() + "$" + base64.b64encode(_scrypt(password, salt)).decode()
    )
    a1 = f"{user}:{realm}:{password}".encode()
    return PasswordHashes(
        scrypt=f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${encoded}",
        ha1_md5=hashlib.md5(a1, usedforsecurity=False).hexdigest(),
        ha1_sha256=hashlib.sha256(a1).hexdigest(),
    )


def verify_password(stored: str, password: str) -> bool:
    """Check ``password`` against a stored scrypt hash in constant time."""
    try:
        scheme, n, r, p, salt_b64, key_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(key_b64)
        actual = hashlib.scrypt(
            password.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(expected, actual)


def generate_password(length: int = 12) -> str:
    """A random password of letters and digits (the characters the spec allows)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
