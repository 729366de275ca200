"""HTTP Digest (RFC 7616, qop=auth, MD5 and SHA-256) without any HTTP framework.

Nonces are stateless to issue (a timestamp, this start's boot value and random bytes, signed with
the unit's secret), so a forged nonce is detected without a table; a table of the ``nc`` values
already used per nonce rejects replays while letting concurrent requests on one nonce arrive out
of order. That table lives in memory, so a nonce issued before the current start (a restart.cgi
restart or a new process) is never accepted again: it is answered ``stale=true`` (when the rest of
the response is right), and a real client simply logs in again with the new nonce.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

ALGORITHMS = ("SHA-256", "MD5")
_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]*)\s*(,|$)')
_NC = re.compile(r"[0-9a-fA-F]{8}")
_MAX_TRACKED_NONCES = 50_000
_MAX_NC_PER_NONCE = 100_000
#: A nonce: issue time (8 bytes), boot value (8), random (8), then the first 16 bytes of the
#: HMAC-SHA256 of those 24 with the unit's secret.
_BODY = 24
_TAG = 16


def _h(algorithm: str, data: str) -> str:
    # aiohttp decodes header bytes that are not UTF-8 with surrogateescape: hash the bytes sent.
    raw = data.encode("utf-8", "surrogateescape")
    if algorithm == "SHA-256":
        return hashlib.sha256(raw).hexdigest()
    return hashlib.md5(raw, usedforsecurity=False).hexdigest()


def parse_params(text: str) -> dict[str, str] | None:
    """``username="a", nc=00000001`` → dict; None when the syntax is broken."""
    params: dict[str, str] = {}
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None or match.end() == pos:
            return None
        key = match.group(1).lower()
        value = match.group(3) if match.group(3) is not None else match.group(2)
        if match.group(3) is not None:
            value = re.sub(r"\\(.)", r"\1", value)
        if key in params:
            return None
        params[key] = value
        pos = match.end()
    return params


class Verdict(Enum):
    """Outcome of checking one Digest ``Authorization`` header."""

    OK = "ok"
    #: Right credentials on a nonce that expired or was issued before this start: the client
    #: should retry with a new one.
    STALE = "stale"
    INVALID = "invalid"  # wrong password, forged nonce, replay, wrong uri...
    MALFORMED = "malformed"


@dataclass(frozen=True)
class DigestCheck:
    """The verdict and, when known, the user name the client claimed."""

    verdict: Verdict
    username: str | None = None
    reason: str = ""


class DigestAuth:
    """Issues challenges and checks Digest responses for one realm."""

    def __init__(
        self,
        realm: str,
        secret: bytes,
        ha1_lookup: Callable[[str, str], str | None],
        *,
        nonce_lifetime: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.realm = realm
        self._secret = secret
        self._ha1 = ha1_lookup
        self.nonce_lifetime = nonce_lifetime
        self._clock = clock
        #: Different at every start of the unit (each Device builds its own DigestAuth).
        self._boot = secrets.token_bytes(8)
        self._used: OrderedDict[str, set[int]] = OrderedDict()
        self.opaque = hashlib.sha256(secret + b"opaque").hexdigest()[:32]

    def new_nonce(self) -> str:
        """A fresh signed nonce."""
        body = struct.pack(">d", self._clock()) + self._boot + secrets.token_bytes(8)
        mac = hmac.new(self._secret, body, hashlib.sha256).digest()[:_TAG]
        return base64.urlsafe_b64encode(body + mac).decode().rstrip("=")

    def challenges(self, *, stale: bool = False) -> list[str]:
        """``WWW-Authenticate`` values: SHA-256 first (preferred), then MD5, one shared nonce."""
        nonce = self.new_nonce()
        stale_part = ", stale=true" if stale else ""
        return [
            f'Digest realm="{self.realm}", nonce="{nonce}", algorithm={algorithm}, '
            f'qop="auth", opaque="{self.opaque}"{stale_part}'
            for algorithm in ALGORITHMS
        ]

    def _nonce_age(self, nonce: str) -> tuple[float, bool] | None:
        """(age in seconds, issued since this start) of a nonce we issued; None when forged."""
        try:
            raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4))
        except (ValueError, TypeError):
            return None
        if len(raw) != _BODY + _TAG:
            return None
        body, mac = raw[:_BODY], raw[_BODY:]
        expected = hmac.new(self._secret, body, hashlib.sha256).digest()[:_TAG]
        if not hmac.compare_digest(mac, expected):
            return None
        (issued,) = struct.unpack(">d", body[:8])
        return self._clock() - float(issued), hmac.compare_digest(body[8:16], self._boot)

    def check(
        self, credentials: str, method: str, request_uri: str, *, rfc2069: bool = False
    ) -> DigestCheck:
        """Verify the part of an ``Authorization: Digest …`` header after the scheme.

        ``rfc2069`` also accepts a response without ``qop`` (RFC 2069's ``H(HA1:nonce:HA2)``,
        MD5 only), which RTSP clients such as Home Assistant's send to cameras that challenge
        without ``qop``; it has no nonce count, so only the nonce's lifetime bounds a replay.
        """
        params = parse_params(credentials)
        if params is None:
            return DigestCheck(Verdict.MALFORMED, reason="unparsable Digest header")
        username = params.get("username")
        if rfc2069 and "qop" not in params:
            return self._check_rfc2069(params, method, request_uri)
        required = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")
        missing = [k for k in required if k not in params]
        if missing or username is None:
            return DigestCheck(Verdict.MALFORMED, username, "missing " + ", ".join(missing))
        algorithm = params.get("algorithm", "MD5").upper()
        algorithm = "SHA-256" if algorithm == "SHA-256" else algorithm
        if algorithm not in ALGORITHMS:
            return DigestCheck(Verdict.INVALID, username, f"unsupported algorithm {algorithm}")
        if params["realm"] != self.realm:
            return DigestCheck(Verdict.INVALID, username, "wrong realm")
        if params["qop"] != "auth":
            return DigestCheck(Verdict.INVALID, username, "unsupported qop")
        if params["uri"] != request_uri:
            return DigestCheck(Verdict.INVALID, username, "uri does not match the request")
        if not _NC.fullmatch(params["nc"]):
            return DigestCheck(Verdict.MALFORMED, username, "bad nc")
        nonce = params["nonce"]
        issued = self._nonce_age(nonce)
        if issued is None:
            return DigestCheck(Verdict.INVALID, username, "unknown nonce")
        age, this_start = issued
        ha1 = self._ha1(username, algorithm)
        if ha1 is None:
            return DigestCheck(Verdict.INVALID, username, "unknown user")
        ha2 = _h(algorithm, f"{method}:{params['uri']}")
        expected = _h(
            algorithm, f"{ha1}:{nonce}:{params['nc']}:{params['cnonce']}:{params['qop']}:{ha2}"
        )
        # Compared as bytes: compare_digest refuses str with non-ASCII characters.
        given = params["response"].lower().encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(expected.encode(), given):
            return DigestCheck(Verdict.INVALID, username, "wrong response")
        if not this_start:
            return DigestCheck(Verdict.STALE, username, "nonce issued before the last start")
        if age > self.nonce_lifetime or age < -5:
            return DigestCheck(Verdict.STALE, username, "nonce expired")
        nc = int(params["nc"], 16)
        seen = self._used.get(nonce)
        if seen is None:
            seen = set()
            self._used[nonce] = seen
            self._expire()
        if nc in seen:
            return DigestCheck(Verdict.INVALID, username, "replayed nonce count")
        if len(seen) >= _MAX_NC_PER_NONCE:
            return DigestCheck(Verdict.STALE, username, "nonce used too often")
        seen.add(nc)
        return DigestCheck(Verdict.OK, username)

    def _check_rfc2069(self, params: dict[str, str], method: str, request_uri: str) -> DigestCheck:
        """A response without ``qop``: ``H(HA1:nonce:HA2)`` (RFC 2069), MD5 only."""
        username = params.get("username")
        missing = [k for k in ("username", "realm", "nonce", "uri", "response") if k not in params]
        if missing or username is None:
            return DigestCheck(Verdict.MALFORMED, username, "missing " + ", ".join(missing))
        if params.get("algorithm", "MD5").upper() != "MD5":
            return DigestCheck(Verdict.INVALID, username, "RFC 2069 Digest is MD5 only")
        if params["realm"] != self.realm:
            return DigestCheck(Verdict.INVALID, username, "wrong realm")
        if params["uri"] != request_uri:
            return DigestCheck(Verdict.INVALID, username, "uri does not match the request")
        nonce = params["nonce"]
        issued = self._nonce_age(nonce)
        if issued is None:
            return DigestCheck(Verdict.INVALID, username, "unknown nonce")
        age, this_start = issued
        ha1 = self._ha1(username, "MD5")
        if ha1 is None:
            return DigestCheck(Verdict.INVALID, username, "unknown user")
        ha2 = _h("MD5", f"{method}:{params['uri']}")
        expected = _h("MD5", f"{ha1}:{nonce}:{ha2}")
        given = params["response"].lower().encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(expected.encode(), given):
            return DigestCheck(Verdict.INVALID, username, "wrong response")
        if not this_start:
            return DigestCheck(Verdict.STALE, username, "nonce issued before the last start")
        if age > self.nonce_lifetime or age < -5:
            return DigestCheck(Verdict.STALE, username, "nonce expired")
        return DigestCheck(Verdict.OK, username)

    def _expire(self) -> None:
        """Forget nonces past their lifetime (they are refused as stale anyway)."""
        while len(self._used) > _MAX_TRACKED_NONCES:
            self._used.popitem(last=False)
        for nonce in list(self._used)[:64]:
            issued = self._nonce_age(nonce)
            if issued is None or issued[0] > self.nonce_lifetime:
                del self._used[nonce]
            else:
                break
