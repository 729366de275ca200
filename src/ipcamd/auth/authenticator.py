"""Decides who a request comes from: Basic and Digest under the unit's authentication policy.

Every attempt goes through the throttle (:mod:`ipcamd.auth.throttle`) before anything is
checked. Basic needs scrypt, which is slow on purpose, so:

- an **unknown name** costs no scrypt and holds no check slot: it waits about as long as a real
  check takes (so the answer's timing does not tell whether the account exists) and fails;
- **known-good credentials** are served from a short-lived cache of verified ones, keyed by the
  credentials *and* the account's stored hash, so a password change or a removed account
  leaves the cache at once, and a flood of wrong guesses cannot starve a user who logged in;
- a burst of identical credentials shares one check; at most two checks run at once.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, StrEnum

from ipcamd.auth.digest import DigestAuth, Verdict, parse_params
from ipcamd.auth.throttle import Attempt, LoginThrottle
from ipcamd.auth.users import User, UserStore
from ipcamd.notices import OncePer

_LOGGER = logging.getLogger(__name__)
_BASIC_CACHE_SECONDS = 60.0
_BASIC_CACHE_MAX = 4096
_CONCURRENT_CHECKS = 2
#: What one scrypt check is assumed to take before one has been measured (N=2^14: ~50 ms).
_FIRST_CHECK_ESTIMATE = 0.05
#: Seconds between two "accepted login" lines for one user from one address.
LOGIN_NOTICE_INTERVAL = 900.0


class Policy(StrEnum):
    """Values of ``Network.HTTP.AuthenticationPolicy``."""

    BASIC = "basic"
    DIGEST = "digest"
    BASIC_DIGEST = "basic_digest"

    @property
    def basic(self) -> bool:
        """Basic is offered and accepted."""
        return self is not Policy.DIGEST

    @property
    def digest(self) -> bool:
        """Digest is offered and accepted."""
        return self is not Policy.BASIC


class Outcome(Enum):
    """What the authenticator concluded."""

    AUTHENTICATED = "authenticated"
    NO_CREDENTIALS = "no credentials"
    FAILED = "failed"
    STALE = "stale"
    LOCKED_OUT = "locked out"


@dataclass(frozen=True)
class AuthResult:
    """The outcome, the user when authenticated, and what to tell the log."""

    outcome: Outcome
    user: User | None = None
    claimed: str | None = None
    reason: str = ""
    retry_after: float = 0.0


def _locked(wait: float, claimed: str | None) -> AuthResult:
    return AuthResult(Outcome.LOCKED_OUT, claimed=claimed, retry_after=wait)


class _VerifiedCache:
    """Keys of credentials checked right within the last ``seconds`` (bounded in size)."""

    def __init__(self, seconds: float, size: int) -> None:
        self._seconds = seconds
        self._size = size
        self._expiry: dict[bytes, float] = {}

    def __contains__(self, key: bytes) -> bool:
        expiry = self._expiry.get(key)
        return expiry is not None and expiry > time.monotonic()

    def add(self, key: bytes) -> None:
        now = time.monotonic()
        if len(self._expiry) >= self._size:
            self._expiry = {k: e for k, e in self._expiry.items() if e > now}
            while len(self._expiry) >= self._size:
                del self._expiry[next(iter(self._expiry))]
        self._expiry[key] = now + self._seconds


class Authenticator:
    """Checks ``Authorization`` headers; builds the ``WWW-Authenticate`` challenges."""

    def __init__(
        self,
        users: UserStore,
        secret: bytes,
        policy: Callable[[], Policy],
        throttle: LoginThrottle,
        *,
        nonce_lifetime: float = 300.0,
        login_notices: OncePer | None = None,
    ) -> None:
        self.users = users
        self.realm = users.realm
        self._secret = secret
        self._policy = policy
        self.throttle = throttle
        self.digest = DigestAuth(users.realm, secret, users.ha1, nonce_lifetime=nonce_lifetime)
        self._verified = _VerifiedCache(_BASIC_CACHE_SECONDS, _BASIC_CACHE_MAX)
        #: Checks under way, by credentials: a burst of clients logging in with the same
        #: credentials (100 viewers of a cold unit) costs one scrypt, not one each.
        self._checking: dict[bytes, asyncio.Future[User | None]] = {}
        #: scrypt takes 16 MiB and ~50 ms a check: at most two at once, whatever the burst.
        self._hashing = asyncio.Semaphore(_CONCURRENT_CHECKS)
        #: How long a check takes (moving average): the unknown-name path waits as long.
        self._check_seconds = _FIRST_CHECK_ESTIMATE
        self._login_notices = login_notices or OncePer(LOGIN_NOTICE_INTERVAL)

    def challenges(self, *, stale: bool = False) -> list[str]:
        """Every ``WWW-Authenticate`` value the current policy offers (Digest before Basic)."""
        policy = self._policy()
        values: list[str] = []
        if policy.digest:
            values += self.digest.challenges(stale=stale)
        if policy.basic:
            values.append(f'Basic realm="{self.realm}"')
        return values

    @property
    def policy(self) -> Policy:
        """The schemes offered now (``Network.HTTP.AuthenticationPolicy``)."""
        return self._policy()

    async def async_authenticate(
        self,
        authorization: str | None,
        method: str,
        uri: str,
        address: str,
        *,
        rfc2069: bool = False,
    ) -> AuthResult:
        """Check the credentials of one request from ``address`` (``rfc2069``: also a Digest
        response without ``qop``, as RTSP clients send; see :meth:`DigestAuth.check`)."""
        if not authorization:
            return AuthResult(Outcome.NO_CREDENTIALS)
        scheme, _, credentials = authorization.strip().partition(" ")
        scheme = scheme.lower()
        policy = self._policy()
        if (scheme == "basic" and not policy.basic) or (scheme == "digest" and not policy.digest):
            return AuthResult(Outcome.NO_CREDENTIALS, reason=f"{scheme} not allowed by policy")
        if scheme == "basic":
            result = await self._basic(credentials, address)
        elif scheme == "digest":
            result = self._digest(credentials, method, uri, address, rfc2069)
        else:
            return AuthResult(Outcome.NO_CREDENTIALS, reason="unknown scheme")
        user = result.user
        if user is not None and self._login_notices.due((user.name, address)):
            _LOGGER.info("Accepted login for %s from %s", user.name, address)
        return result

    # ------------------------------------------------------------------ Basic

    async def _basic(self, credentials: str, address: str) -> AuthResult:
        try:
            # ValueError: non-ASCII characters in the header (binascii.Error is a subclass).
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return self._unreadable(address, None, "malformed Basic credentials")
        name, sep, password = decoded.partition(":")
        if not sep:
            return self._unreadable(address, name, "malformed Basic credentials")
        wait = self.throttle.retry_after(address, name)
        if wait > 0:
            return _locked(wait, name)
        stored = self.users.password_hash(name)
        if stored is None:
            return await self._unknown_name(address, name)
        key = self._cache_key(name, password, stored)
        user = self.users.get(name)
        if key in self._verified and user is not None:
            self.throttle.note_success(address, name)
            return AuthResult(Outcome.AUTHENTICATED, user, name)
        checking = self._checking.get(key)
        if checking is None:
            # The first of a burst reserves the attempt; the others share its check (and its
            # verdict: the same guess twice teaches nothing, so it is counted once).
            attempt = self.throttle.reserve(address, name)
            if not attempt.granted:
                return _locked(attempt.retry_after, name)
            checking = self._start_check(key, name, password, attempt)
        user = await asyncio.shield(checking)
        if user is None:
            return AuthResult(Outcome.FAILED, claimed=name, reason="wrong user name or password")
        return AuthResult(Outcome.AUTHENTICATED, user, name)

    def _cache_key(self, name: str, password: str, stored: str) -> bytes:
        message = "\0".join((name, password, stored)).encode("utf-8", "surrogateescape")
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def _start_check(
        self, key: bytes, name: str, password: str, attempt: Attempt
    ) -> asyncio.Future[User | None]:
        checking = asyncio.ensure_future(self._async_check_password(name, password))
        self._checking[key] = checking

        def settle(done: asyncio.Future[User | None]) -> None:
            # Settled here, not by the request: a client that hangs up mid-check still counts.
            self._checking.pop(key, None)
            if not done.cancelled() and done.exception() is None and done.result() is not None:
                self._verified.add(key)
                attempt.succeeded()
            else:
                attempt.failed()

        checking.add_done_callback(settle)
        return checking

    async def _async_check_password(self, name: str, password: str) -> User | None:
        """One scrypt verification on a worker thread, bounded in how many run at once."""
        async with self._hashing:
            started = time.perf_counter()
            user = await asyncio.to_thread(self.users.check_password, name, password)
            self._check_seconds += (time.perf_counter() - started - self._check_seconds) / 8
            return user

    async def _unknown_name(self, address: str, name: str) -> AuthResult:
        """No such account: no scrypt, no check slot; as slow as a check, then a failure."""
        attempt = self.throttle.reserve(address, name)
        if not attempt.granted:
            return _locked(attempt.retry_after, name)
        try:
            await asyncio.sleep(self._check_seconds)
        finally:
            attempt.failed()
        return AuthResult(Outcome.FAILED, claimed=name, reason="wrong user name or password")

    def _unreadable(self, address: str, name: str | None, reason: str) -> AuthResult:
        """Credentials that cannot be read: a failed attempt like any other (never a 500)."""
        attempt = self.throttle.reserve(address, name)
        if not attempt.granted:
            return _locked(attempt.retry_after, name)
        attempt.failed()
        return AuthResult(Outcome.FAILED, claimed=name, reason=reason)

    # ------------------------------------------------------------------ Digest

    def _digest(
        self, credentials: str, method: str, uri: str, address: str, rfc2069: bool
    ) -> AuthResult:
        params = parse_params(credentials)
        claimed = None if params is None else params.get("username")
        attempt = self.throttle.reserve(address, claimed)
        if not attempt.granted:
            return _locked(attempt.retry_after, claimed)
        check = self.digest.check(credentials, method, uri, rfc2069=rfc2069)
        if check.verdict is Verdict.OK and check.username is not None:
            user = self.users.get(check.username)
            if user is not None:
                attempt.succeeded()
                return AuthResult(Outcome.AUTHENTICATED, user, check.username)
            attempt.failed()
            return AuthResult(Outcome.FAILED, claimed=check.username, reason="unknown user")
        if check.verdict is Verdict.STALE:
            attempt.release()
            return AuthResult(Outcome.STALE, claimed=check.username, reason=check.reason)
        attempt.failed()
        return AuthResult(Outcome.FAILED, claimed=check.username, reason=check.reason)
