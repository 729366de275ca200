"""Finished frames that leave with their source's next tick instead of waking the loop.

A computed source (the test pattern) makes its frames on an event-loop timer, and each
profile renders and encodes them in the video pool in well under a frame interval. Waking the
loop for that result (a byte through the self-pipe, one more pass of ``epoll_wait``, the
callbacks run cold) was a third of the event loop's cost of a 30 fps viewer (docs/video.md).
So the part for a profile's MJPEG viewers waits here and is written at the source's next tick,
which wakes the loop anyway: one wake-up per frame instead of two, for one frame interval
more latency (33 ms at 30 fps).

Nothing that must not wait does: a consumer that awaits the encode (a snapshot) hurries it,
a failed job is never held, a job still running when the next tick came wakes the loop when
it ends (as without a hand-over), and a closed hand-over holds nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

_LOGGER = logging.getLogger(__name__)

_Held = tuple[int, Callable[..., None], tuple[Any, ...]]


class Handover:
    """Completions of pool jobs, held until the tick of the source their frames came from.

    A job takes a :meth:`ticket` when it is posted (loop), hands its completion over with
    :meth:`hand` (pool thread), and the source calls :meth:`release` at each tick (loop).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()  # hand() on a pool thread against the loop's calls
        #: How many times :meth:`release` ran: the ticket of the jobs posted since.
        self._ticks = 0
        self._held: list[_Held] = []
        self._hurried: set[int] = set()
        self._closed = False

    @property
    def held(self) -> int:
        """How many completions wait for the next tick (diagnostics, tests)."""
        with self._lock:
            return len(self._held)

    def ticket(self) -> int:
        """Loop: the ticket of a job posted now (its completion may wait for the next tick)."""
        return self._ticks

    def hand(self, ticket: int, callback: Callable[..., None], *args: object) -> None:
        """Pool thread: run ``callback(*args)`` on the loop at the next tick; at once (waking
        the loop) if that tick has come already, the ticket was hurried or this hand-over is
        closed."""
        with self._lock:
            hold = ticket == self._ticks and ticket not in self._hurried and not self._closed
            if hold:
                self._held.append((ticket, callback, args))
        if not hold:
            with contextlib.suppress(RuntimeError):  # the loop is closed: the server is gone
                self._loop.call_soon_threadsafe(callback, *args)

    def hurry(self, ticket: int) -> None:
        """Loop: someone awaits the jobs of ``ticket``: their completions held now run on the
        next pass of the loop, and those still to come wake it."""
        with self._lock:
            self._hurried.add(ticket)
            ready = [held for held in self._held if held[0] == ticket]
            if ready:
                self._held = [held for held in self._held if held[0] != ticket]
        for _ticket, callback, args in ready:
            self._loop.call_soon(callback, *args)

    def release(self) -> None:
        """Loop, at the source's tick (or when no tick comes soon): run every completion
        held; a job posted before this call wakes the loop when it ends."""
        with self._lock:
            self._ticks += 1
            held, self._held = self._held, []
            self._hurried.clear()  # every ticket hurried is older than the next one now
        for _ticket, callback, args in held:
            try:
                callback(*args)
            except Exception:  # one profile's bug must not stop the source's tick
                _LOGGER.exception("A frame's completion failed")

    def close(self) -> None:
        """Loop: the source stops: run what is held; hold nothing from now on."""
        with self._lock:
            self._closed = True
        self.release()
