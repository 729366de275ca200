"""Throttling of repeated failed logins from one address."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Record:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0


class LoginThrottle:
    """After ``max_failures`` failed logins within ``window`` seconds, lock the address out.

    While locked, every authenticated request from that address is refused without checking the
    credentials (so a brute force learns nothing), for ``lockout`` seconds.
    """

    def __init__(
        self,
        max_failures: int = 20,
        window: float = 60.0,
        lockout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self._clock = clock
        self._records: dict[str, _Record] = {}

    def retry_after(self, address: str) -> float:
        """Seconds the address remains locked out (0 when it may try)."""
        record = self._records.get(address)
        if record is None:
            return 0.0
        return max(0.0, record.locked_until - self._clock())

    def failure(self, address: str) -> None:
        """Count one failed login."""
        now = self._clock()
        record = self._records.setdefault(address, _Record())
        record.failures = [t for t in record.failures if now - t < self.window]
        record.failures.append(now)
        if len(record.failures) >= self.max_failures:
            record.locked_until = now + self.lockout
            record.failures.clear()
        if len(self._records) > 10_000:
            self._prune(now)

    def success(self, address: str) -> None:
        """A successful login clears the address's record."""
        self._records.pop(address, None)

    def _prune(self, now: float) -> None:
        for address in [
            a
            for a, r in self._records.items()
            if r.locked_until < now and all(now - t >= self.window for t in r.failures)
        ]:
            del self._records[address]
