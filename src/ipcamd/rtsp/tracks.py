"""What every feed-backed RTSP track shares: a session's place on a feed whose packets it is
handed (video frames, audio blocks), and the counts its sender reports give.

A feed makes its packets once for all sessions (one SSRC, one sequence, one clock); a track
only decides whether this session is sent them (playing, or paused, or its client too slow).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

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
