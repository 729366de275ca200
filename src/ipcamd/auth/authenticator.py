"""Decides who a request comes from: Basic and Digest under the unit's authentication policy."""

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

from ipcamd.auth.digest import DigestAuth, Verdict
from ipcamd.auth.throttle import LoginThrottle
from ipcamd.auth.users import User, UserStore
from ipcamd.notices import OncePer

_LOGGER = logging.getLogger(__name__)
_BASIC_CACHE_SECONDS = 60.0
_BASIC_CACHE_MAX = 4096
_CONCURRENT_CHECKS = 2
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
        self._basic_cache: dict[bytes, tuple[str, float]] = {}
        #: Checks under way, by credentials: a burst of clients logging in with the same
        #: credentials (100 viewers of a cold unit) costs one scrypt, not one each.
        self._checking: dict[bytes, asyncio.Future[User | None]] = {}
        #: scrypt takes 16 MiB and ~50 ms a check: at most two at once, whatever the burst.
        self._hashing = asyncio.Semaphore(_CONCURRENT_CHECKS)
        self._login_notices = login_notices or OncePer(LOGIN_NOTICE_INTERVAL)
        users.on_change(lambda _name: self._basic_cache.clear())

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
        if scheme not in ("basic", "digest"):
            return AuthResult(Outcome.NO_CREDENTIALS, reason="unknown scheme")
        wait = self.throttle.retry_after(address)
        if wait > 0:
            return AuthResult(Outcome.LOCKED_OUT, retry_after=wait)
        if scheme == "basic":
            result = await self._basic(credentials)
        else:
            result = self._digest(credentials, method, uri, rfc2069)
        if result.outcome is Outcome.FAILED:
            self.throttle.failure(address)
        elif result.outcome is Outcome.AUTHENTICATED and result.user is not None:
            self.throttle.success(address)
            if self._login_notices.due((result.user.name, address)):
                _LOGGER.info("Accepted login for %s from %s", result.user.name, address)
        return result

    async def _basic(self, credentials: str) -> AuthResult:
        try:
            # ValueError: non-ASCII characters in the header (binascii.Error is a subclass).
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return AuthResult(Outcome.FAILED, reason="malformed Basic credentials")
        name, sep, password = decoded.partition(":")
        if not sep:
            return AuthResult(Outcome.FAILED, claimed=name, reason="malformed Basic credentials")
        key = hmac.new(self._secret, decoded.encode(), hashlib.sha256).digest()
        now = time.monotonic()
        cached = self._basic_cache.get(key)
        if cached is not None and cached[1] > now:
            user = self.users.get(cached[0])
            if user is not None:
                return AuthResult(Outcome.AUTHENTICATED, user, name)
        checking = self._checking.get(key)
        if checking is None:
            checking = asyncio.ensure_future(self._async_check_password(name, password))
            self._checking[key] = checking
            checking.add_done_callback(lambda _done: self._checking.pop(key, None))
        user = await asyncio.shield(checking)
        if user is None:
            return AuthResult(Outcome.FAILED, claimed=name, reason="wrong user name or password")
        if len(self._basic_cache) >= _BASIC_CACHE_MAX:
            self._basic_cache.clear()
        self._basic_cache[key] = (name, now + _BASIC_CACHE_SECONDS)
        return AuthResult(Outcome.AUTHENTICATED, user, name)

    async def _async_check_password(self, name: str, password: str) -> User | None:
        """One scrypt verification on a worker thread, bounded in how many run at once."""
        async with self._hashing:
            return await asyncio.to_thread(self.users.check_password, name, password)

    def _digest(self, credentials: str, method: str, uri: str, rfc2069: bool) -> AuthResult:
        check = self.digest.check(credentials, method, uri, rfc2069=rfc2069)
        if check.verdict is Verdict.OK and check.username is not None:
            user = self.users.get(check.username)
            if user is not None:
                return AuthResult(Outcome.AUTHENTICATED, user, check.username)
            return AuthResult(Outcome.FAILED, claimed=check.username, reason="unknown user")
        if check.verdict is Verdict.STALE:
            return AuthResult(Outcome.STALE, claimed=check.username, reason=check.reason)
        return AuthResult(Outcome.FAILED, claimed=check.username, reason=check.reason)
