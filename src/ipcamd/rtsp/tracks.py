"""What every RTSP feed and its tracks share.

A feed makes its packets once for all sessions (one SSRC, one sequence, one clock): a video
profile's frames (``feeds.py``), a camera's audio blocks (``audio.py``). A track is one
session's place on it and only decides whether this session is sent them (playing, or
paused, or its client too slow), counting what its sender reports give. A feed ends with its
last track, or under them (the source went away), and then tells each track.
"""

from __future__ import annotations

import asyncio
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Generic, Protocol, Self, TypeVar

from ipcamd.rtsp.sdp import CLOCK_RATE
from ipcamd.rtsp.sinks import Sink


class RtpClock:
    """An RTP clock (90 kHz for video and metadata, 8 kHz for PCMU) from wall-clock seconds,
    with a random start (RFC 3550)."""

    def __init__(self, rate: int = CLOCK_RATE) -> None:
        self.rate = rate
        self._offset = secrets.randbits(32)

    def at(self, unix: float) -> int:
        """The RTP time stamp of wall-clock time ``unix``."""
        return (self._offset + int(unix * self.rate)) & 0xFFFFFFFF


class TrackFeed(Protocol):
    """A feed as its tracks see it."""

    @property
    def ssrc(self) -> int:
        """The one SSRC of every session's packets."""
        ...

    @property
    def clock(self) -> RtpClock:
        """The clock of the packets' time stamps."""
        ...

    def leave(self, track: Any) -> None:
        """``track`` leaves (the feed closes with its last track)."""
        ...


F = TypeVar("F", bound=TrackFeed)
T = TypeVar("T", bound="FeedTrack[Any]")


class FeedTrack(Generic[F]):
    """One session's track on a feed."""

    def __init__(self, feed: F, sink: Sink) -> None:
        self.feed = feed
        self.sink = sink
        self.playing = False
        #: Packets and payload bytes sent (the sender reports say so).
        self.packets = 0
        self.octets = 0
        #: Frames or blocks not sent because the client was too slow.
        self.dropped = 0
        #: Called when the feed ends under the track (camera or audio switched off, shutting
        #: down).
        self.on_end: Callable[[], None] | None = None

    @property
    def ssrc(self) -> int:
        """The feed's SSRC (every session of a feed is sent the same packets)."""
        return self.feed.ssrc

    @property
    def clock(self) -> RtpClock:
        """The feed's RTP clock."""
        return self.feed.clock

    def play(self) -> None:
        """Start sending, from the feed's next frame or block."""
        self.playing = True

    def pause(self) -> None:
        """Stop sending (the track stays set up)."""
        self.playing = False

    def close(self) -> None:
        """Leave the feed (the feed closes with its last track)."""
        self.playing = False
        self.feed.leave(self)


class SharedFeed(ABC, Generic[T]):
    """The life of a feed: its tracks, its task, its end. A subclass makes its packets in
    :meth:`_run`, lets its source go in :meth:`_release`, makes its tracks in
    :meth:`_new_track`, and calls :meth:`_start` last in its constructor."""

    def __init__(self, on_closed: Callable[[Self], None]) -> None:
        self.tracks: set[T] = set()
        self._on_closed: Callable[[Self], None] = on_closed
        self._closed = False
        self._task: asyncio.Task[None] | None = None

    def _start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._running())

    @abstractmethod
    async def _run(self) -> None:
        """Make packets and offer them to the tracks until the source ends."""

    @abstractmethod
    def _release(self) -> None:
        """Let the source go (runs once, when the feed ends)."""

    @abstractmethod
    def _new_track(self, sink: Sink) -> T:
        """A track of this feed's kind."""

    async def _running(self) -> None:
        try:
            await self._run()
        finally:
            self._finish()

    def join(self, sink: Sink) -> T:
        """A new track of a session on this feed (not playing yet)."""
        track = self._new_track(sink)
        self.tracks.add(track)
        return track

    def leave(self, track: T) -> None:
        """``track`` is done; the feed closes when no track is left."""
        self.tracks.discard(track)
        if not self.tracks:
            self.close()

    def _finish(self: Self) -> None:
        if self._closed:
            return
        self._closed = True
        self._release()  # also when the task was cancelled before it started
        self._on_closed(self)
        for track in list(self.tracks):
            if track.on_end is not None:
                track.on_end()

    @property
    def closed(self) -> bool:
        """True once the feed ended (its last track left, its source went away, or the unit
        shuts down)."""
        return self._closed

    def close(self) -> None:
        """Stop: the source is let go."""
        if self._task is not None:
            self._task.cancel()
        self._finish()

    async def wait_closed(self) -> None:
        """Until the feed's task has ended."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
