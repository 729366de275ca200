"""Rate-limited notices: tell the log about a (user, address) once per interval, not per request.

A client polling a snapshot twice a second would otherwise fill the bounded system log with
"accepted login" lines and push out everything that matters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class OncePer:
    """``due(key)`` is True the first time a key is seen and again after ``interval`` seconds."""

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._max_keys = max_keys
        self._last: dict[Hashable, float] = {}

    def due(self, key: Hashable) -> bool:
        """True when ``key`` should be reported now (and remember that it was)."""
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            return False
        if len(self._last) >= self._max_keys:
            self._last = {k: t for k, t in self._last.items() if now - t < self.interval}
            if len(self._last) >= self._max_keys:
                self._last.clear()
        self._last[key] = now
        return True
