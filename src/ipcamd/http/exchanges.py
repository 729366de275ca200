"""The requests being served, so that a restart changes state only once they are done.

A restart (restore, factory defaults, restart.cgi) must not race a request still writing, and
the CGI that asked for it must answer with the outcome of its state change, which exists only
after every service has stopped. So a restart first *closes* the exchanges (every new request
gets a 503), lets the running ones finish within a bound (cancelling the rest), then changes
state, and only then closes the connections; the one request that waits for the outcome is
*kept* out of that wait.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from ipcamd.http.replies import text

_LOGGER = logging.getLogger(__name__)

RESTARTING = "503 Service Unavailable: the unit is restarting\n"


class Exchanges:
    """Tracks the task of every request in flight; refuses new ones once closed."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[object]] = set()
        self._kept: set[asyncio.Task[object]] = set()
        self.closed = False

    @property
    def running(self) -> int:
        """How many requests are being served (diagnostics and tests)."""
        return len(self._running)

    def middleware(self) -> Middleware:
        """The outermost middleware: registers each request, or refuses it once closed."""

        @web.middleware
        async def middleware(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            if self.closed:
                refused = text(RESTARTING, status=503, headers={"Retry-After": "5"})
                refused.force_close()
                return refused
            task = asyncio.current_task()
            if task is None:  # pragma: no cover - aiohttp runs every request in a task
                return await handler(request)
            self._running.add(task)
            try:
                return await handler(request)
            finally:
                self._running.discard(task)
                self._kept.discard(task)

        return middleware

    def keep(self) -> None:
        """The current request waits for the restart it asked for: a drain does not wait for it."""
        task = asyncio.current_task()
        if task is not None:
            self._kept.add(task)

    def close(self) -> None:
        """From now on every new request is answered 503 (the unit is restarting)."""
        self.closed = True

    async def async_drain(self, grace: float) -> None:
        """Close, then wait up to ``grace`` s for the requests in flight (except kept ones);
        cancel those still running after it."""
        self.close()
        others = self._running - self._kept
        if not others:
            return
        _done, pending = await asyncio.wait(others, timeout=grace)
        if pending:
            _LOGGER.warning("Cancelling %d request(s) still running at the restart", len(pending))
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=grace)
