"""The producer side of the hot path: something that publishes frames while it has users.

A producer keeps only its latest frame. Consumers wait for a frame newer than the one they
have; whoever is slow simply gets the newest one next time (no queue to grow). It runs while
anyone uses it: each user (a consumer handle, a camera's view, the quad view) attaches by
name, the first one starts it and the last one to leave stops it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING

from ipcamd.errors import StreamClosed
from ipcamd.video.frame import Frame, Picture

if TYPE_CHECKING:
    from ipcamd.video.handover import Handover

# StreamClosed is re-exported: a producer's consumers know it by this module.
__all__ = ["Producer", "StreamClosed", "VideoStatus"]


class VideoStatus(StrEnum):
    """What videostatus.cgi reports for an input."""

    VIDEO = "video"
    NO_VIDEO = "no video"


class Producer:
    """Publishes frames to waiting consumers; subclasses start and stop the actual work."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.latest: Frame | None = None
        self._seq = 0
        self._event = asyncio.Event()
        self._closed = False
        self._listeners: list[Callable[[], None]] = []
        self._users: dict[object, int] = {}  # user → how many times it attached
        #: The number of the first frame that shows what this producer shows now: frames
        #: before it show an earlier view window (a snapshot asks for one from here on).
        self.fresh_from = 1

    def __str__(self) -> str:
        return self.name

    def attach(self, user: object) -> None:
        """``user`` starts using this producer (the first user of all starts it).

        A user may attach more than once (a consumer moving between two profiles of one
        camera); it counts as gone after as many :meth:`detach` calls.
        """
        count = self._users.get(user, 0)
        self._users[user] = count + 1
        if count == 0 and len(self._users) == 1:
            self._start()

    def detach(self, user: object) -> None:
        """``user`` stops using this producer (the last user of all stops it)."""
        count = self._users.get(user, 0)
        if count > 1:
            self._users[user] = count - 1
        elif count == 1:
            del self._users[user]
            if not self._users:
                self._stop()

    @property
    def users(self) -> list[str]:
        """The names of who uses this producer now (diagnostics)."""
        return [str(user) for user in self._users]

    def _start(self) -> None:
        """The first user arrived: start producing (frames published from outside here)."""

    def _stop(self) -> None:
        """The last user left: stop producing."""

    @property
    def handover(self) -> Handover | None:
        """Where the parts of this producer's frames may wait for its next frame instead of
        waking the loop (handover.py); None: they are sent as soon as they are encoded."""
        return None

    @property
    def next_seq(self) -> int:
        """The number the next published frame will have."""
        return self._seq + 1

    def add_listener(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` after each published frame; returns a function that removes it."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def publish(self, planes: Picture, when: float | None = None) -> Frame:
        """Make ``planes`` the latest frame and wake every waiting consumer (event loop only)."""
        self._seq += 1
        return self._show(Frame(planes, self._seq, time.time() if when is None else when))

    def publish_again(self, planes: Picture, when: float) -> Frame:
        """Publish ``planes`` under the number of the last frame published, for a producer
        that stopped and started again with nothing new to show (they *are* that frame): a
        consumer that had it encoded takes it as it is, so a snapshot after an idle gap costs
        no second encode of a frame shown before."""
        return self._show(Frame(planes, self._seq, when))

    def _show(self, frame: Frame) -> Frame:
        """Make ``frame`` the latest and wake every waiting consumer and listener."""
        self.latest = frame
        event, self._event = self._event, asyncio.Event()
        event.set()
        for listener in list(self._listeners):
            listener()
        return frame

    async def wait_newer(self, seq: int) -> Frame:
        """The latest frame once its number is above ``seq``; raises StreamClosed on shutdown."""
        while True:
            if self._closed:
                raise StreamClosed(self.name)
            frame = self.latest
            if frame is not None and frame.seq > seq:
                return frame
            await self._event.wait()

    def close(self) -> None:
        """Stop for good: every waiting consumer gets StreamClosed."""
        self._closed = True
        self._event.set()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran: nothing more will be published."""
        return self._closed
