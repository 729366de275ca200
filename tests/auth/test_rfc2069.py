"""Digest without ``qop`` (RFC 2069), as RTSP clients of cameras send it: accepted only where
the caller asks for it (RTSP), MD5 only, and still bound to nonce, uri, realm and password."""

from __future__ import annotations

import hashlib

from ipcamd.auth.digest import DigestAuth, Verdict

REALM = "ipcamd_TEST"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def auth(clock: list[float]) -> DigestAuth:
    ha1 = md5(f"root:{REALM}:pass")
    return DigestAuth(
        REALM,
        b"secret",
        lambda user, algorithm: ha1 if user == "root" and algorithm == "MD5" else None,
        clock=lambda: clock[0],
    )


def header(nonce: str, uri: str, *, password: str = "pass", method: str = "DESCRIBE") -> str:
    ha1 = md5(f"root:{REALM}:{password}")
    response = md5(f"{ha1}:{nonce}:{md5(f'{method}:{uri}')}")
    return (
        f'username="root", realm="{REALM}", algorithm="MD5", nonce="{nonce}", uri="{uri}", '
        f'response="{response}"'
    )


def test_rfc2069_only_when_asked() -> None:
    clock = [1000.0]
    digest = auth(clock)
    nonce = digest.new_nonce()
    uri = "rtsp://cam/axis-media/media.amp"
    good = header(nonce, uri)
    assert digest.check(good, "DESCRIBE", uri, rfc2069=True).verdict is Verdict.OK
    assert digest.check(good, "DESCRIBE", uri).verdict is Verdict.MALFORMED  # HTTP: qop needed
    # Bound to the password, method, uri and nonce; MD5 only; expired nonces are stale.
    checks = [
        (header(nonce, uri, password="wrong"), "DESCRIBE", uri),
        (good, "SETUP", uri),
        (good, "DESCRIBE", uri + "?x=1"),
        (header("forged", uri), "DESCRIBE", uri),
        (good.replace('algorithm="MD5"', 'algorithm="SHA-256"'), "DESCRIBE", uri),
        (good.replace(REALM, "other"), "DESCRIBE", uri),
    ]
    for credentials, method, request_uri in checks:
        verdict = digest.check(credentials, method, request_uri, rfc2069=True).verdict
        assert verdict is Verdict.INVALID, (credentials, method, request_uri)
    assert (
        digest.check('username="root"', "DESCRIBE", uri, rfc2069=True).verdict is Verdict.MALFORMED
    )
    clock[0] += digest.nonce_lifetime + 1
    assert digest.check(good, "DESCRIBE", uri, rfc2069=True).verdict is Verdict.STALE


def test_rfc2069_nonces_of_an_earlier_start_are_stale() -> None:
    """A captured RTSP login does not replay after a restart: the new start's DigestAuth (same
    unit secret, new per-boot value) answers stale, so the client asks for a new nonce."""
    clock = [1000.0]
    before = auth(clock)
    nonce = before.new_nonce()
    uri = "rtsp://cam/axis-media/media.amp"
    good = header(nonce, uri)
    assert before.check(good, "DESCRIBE", uri, rfc2069=True).verdict is Verdict.OK
    after = auth(clock)
    assert after.check(good, "DESCRIBE", uri, rfc2069=True).verdict is Verdict.STALE
