"""Throttling of failed logins, per source address and per account name.

Every login attempt is *reserved* before its password check, and the reservations still under
way count like failures: guesses beyond a limit are refused without being checked, however
many arrive at the same moment. A success releases its reservation and never clears a failure
(a login of the attacker's own viewer account must not buy more guesses against root).

- **Per address**: ``max_failures`` failures within ``window`` seconds lock the address out for
  ``lockout`` seconds (its count starts over after that), whatever name it tries.
- **Per account** (the claimed name, whatever its case, existing or not):
  ``account_max_failures`` failures within ``window`` seconds, from all addresses together,
  refuse further attempts on that name from addresses where it has not logged in since the
  unit started. The real user keeps logging in from where they did before, and a stranger can
  keep them out of a new address only while failures stay within the window: the lock ends
  ``window`` seconds after the attack stops. That is the trade-off: a many-address attack is
  held to ``account_max_failures`` guesses per window per account, not ``max_failures`` per
  address, at the price of the real user needing a known address while it runs.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

#: Records kept per kind (addresses, accounts) before the oldest idle ones are forgotten.
MAX_RECORDS = 10_000
#: Addresses remembered per account as "logged in from here" (the most recent ones).
KNOWN_ADDRESSES = 16
#: Retry-After while the limit is reached only by checks still under way (they end in ms).
_PENDING_RETRY = 1.0


@dataclass
class _Record:
    failures: deque[float] = field(default_factory=deque)
    pending: int = 0
    locked_until: float = 0.0
    #: For an account: addresses it logged in from (most recent last).
    known: OrderedDict[str, None] = field(default_factory=OrderedDict)

    def expire(self, now: float, window: float) -> None:
        while self.failures and now - self.failures[0] >= window:
            self.failures.popleft()

    def idle(self, now: float) -> bool:
        return not self.failures and not self.pending and self.locked_until <= now


class Attempt:
    """One reserved login attempt; settle it exactly once (later calls do nothing)."""

    def __init__(
        self, throttle: LoginThrottle, address: str, account: str | None, retry_after: float
    ) -> None:
        self._throttle = throttle
        self.address = address
        self.account = account
        #: Seconds to wait when refused; 0 when the attempt was granted (and must be checked).
        self.retry_after = retry_after
        self._open = retry_after == 0

    @property
    def granted(self) -> bool:
        """True when the credentials may be checked."""
        return self.retry_after == 0

    def succeeded(self) -> None:
        """The credentials were right."""
        if self._settle():
            self._throttle.note_success(self.address, self.account)

    def failed(self) -> None:
        """The credentials were wrong (or unreadable)."""
        if self._settle():
            self._throttle._failure(self.address, self.account)

    def release(self) -> None:
        """Neither (a right response on a stale nonce): nothing is counted."""
        self._settle()

    def _settle(self) -> bool:
        if not self._open:
            return False
        self._open = False
        self._throttle._release(self.address, self.account)
        return True


class LoginThrottle:
    """Counts failed logins by address and by account; refuses attempts beyond the limits."""

    def __init__(
        self,
        max_failures: int = 20,
        window: float = 60.0,
        lockout: float = 30.0,
        *,
        account_max_failures: int = 100,
        clock: Callable[[], float] = time.monotonic,
        max_records: int = MAX_RECORDS,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self.account_max_failures = account_max_failures
        self._clock = clock
        self._max_records = max_records
        self._addresses: OrderedDict[str, _Record] = OrderedDict()
        self._accounts: OrderedDict[str, _Record] = OrderedDict()

    # ------------------------------------------------------------------ queries

    def retry_after(self, address: str, account: str | None) -> float:
        """Seconds before an attempt on ``account`` from ``address`` may be checked (0: now)."""
        now = self._clock()
        wait = self._address_wait(address, now)
        if wait == 0 and account is not None:
            wait = self._account_wait(_key(account), address, now)
        return wait

    def _address_wait(self, address: str, now: float) -> float:
        record = self._addresses.get(address)
        if record is None:
            return 0.0
        if record.locked_until > now:
            return record.locked_until - now
        record.expire(now, self.window)
        if len(record.failures) + record.pending >= self.max_failures:
            return _PENDING_RETRY
        return 0.0

    def _account_wait(self, key: str, address: str, now: float) -> float:
        record = self._accounts.get(key)
        if record is None or address in record.known:
            return 0.0
        record.expire(now, self.window)
        over = len(record.failures) + record.pending - self.account_max_failures
        if over < 0:
            return 0.0
        if over < len(record.failures):
            # Free again once enough of the failures have left the window.
            return max(record.failures[over] + self.window - now, 0.001)
        return _PENDING_RETRY

    # ------------------------------------------------------------------ attempts

    def reserve(self, address: str, account: str | None) -> Attempt:
        """Reserve one attempt, or refuse it (``retry_after`` > 0) without any check."""
        wait = self.retry_after(address, account)
        if wait == 0:
            self._record(self._addresses, address).pending += 1
            if account is not None:
                self._record(self._accounts, _key(account)).pending += 1
        return Attempt(self, address, account, wait)

    def note_success(self, address: str, account: str | None) -> None:
        """A login that needed no reservation (cached credentials) or a settled success: the
        account now knows ``address``. Nobody's failures are cleared."""
        if account is None:
            return
        record = self._record(self._accounts, _key(account))
        record.known[address] = None
        record.known.move_to_end(address)
        while len(record.known) > KNOWN_ADDRESSES:
            record.known.popitem(last=False)

    def _release(self, address: str, account: str | None) -> None:
        records = [self._addresses.get(address)]
        if account is not None:
            records.append(self._accounts.get(_key(account)))
        for record in records:
            if record is not None and record.pending > 0:
                record.pending -= 1

    def _failure(self, address: str, account: str | None) -> None:
        now = self._clock()
        record = self._record(self._addresses, address)
        record.expire(now, self.window)
        record.failures.append(now)
        if len(record.failures) >= self.max_failures:
            record.locked_until = now + self.lockout
            record.failures.clear()
        if account is not None:
            self._record(self._accounts, _key(account)).failures.append(now)

    def _record(self, records: OrderedDict[str, _Record], key: str) -> _Record:
        record = records.get(key)
        if record is None:
            record = records[key] = _Record()
            if len(records) > self._max_records:
                self._forget(records)
        else:
            records.move_to_end(key)
        return record

    def _forget(self, records: OrderedDict[str, _Record]) -> None:
        """Bound the table: drop idle records, then the least recently used ones."""
        now = self._clock()
        for key, record in list(records.items()):
            record.expire(now, self.window)
            if record.idle(now) and not record.known:
                del records[key]
        while len(records) > self._max_records:
            records.popitem(last=False)


def _key(account: str) -> str:
    """Names are unique whatever their case, so ``ROOT`` and ``root`` share one count."""
    return account.casefold()
