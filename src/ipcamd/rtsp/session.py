"""An RTSP session: a small state machine (INIT → READY → PLAYING ⇄ READY → closed) over its
tracks, the RTCP sender reports of the tracks that play, and its liveness.

Tracks are SETUP one by one (the first SETUP makes the session); PLAY and PAUSE act on all of
them. A session over UDP lives while its client shows signs of life within the timeout (any
request naming the session, GET_PARAMETER and OPTIONS included, or an RTCP packet from it); a
session whose tracks are interleaved lives as long as its connection, whose end closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable, Hashable
from enum import StrEnum

from ipcamd.auth.users import User
from ipcamd.events import Event, EventBus, Missed, MotionState
from ipcamd.rtsp import metadata
from ipcamd.rtsp.audio import AudioTrack
from ipcamd.rtsp.feeds import VideoTrack
from ipcamd.rtsp.media import Media, Track
from ipcamd.rtsp.rtcp import REPORT_INTERVAL, sender_report
from ipcamd.rtsp.rtp import rtp_header
from ipcamd.rtsp.sinks import Sink
from ipcamd.rtsp.tracks import RtpClock

#: Seconds a session lives without a sign of life (``Session: <id>;timeout=60``).
SESSION_TIMEOUT = 60


class State(StrEnum):
    """Where a session is (RFC 2326 appendix A.2)."""

    INIT = "init"
    READY = "ready"
    PLAYING = "playing"
    CLOSED = "closed"


class MetadataTrack:
    """The ONVIF event stream of one session: the bus's retained state as ``Initialized``
    messages when it starts playing, then each event as ``Changed``; one document a packet.

    A key the stream has not reported yet (a motion window added while it plays) is
    ``Initialized`` too, as ONVIF words a property's creation. Nothing else is sent: no empty
    document first (the ``axis`` library v60 raises on a ``MetadataStream`` without a
    notification, in its datagram callback)."""

    def __init__(self, bus: EventBus, sink: Sink, producer: str) -> None:
        self.sink = sink
        self.ssrc = secrets.randbits(32)
        self.clock = RtpClock()
        self.packets = 0
        self.octets = 0
        self._bus = bus
        self._producer = producer
        self._seq = secrets.randbits(16)
        self._task: asyncio.Task[None] | None = None
        #: Each camera's ``ProfileANY`` state, as this stream has reported it.
        self._motion_any = metadata.MotionAny()
        #: The keys (event type, key) this stream has reported since it started playing.
        self._reported: set[tuple[type[Event], Hashable]] = set()

    @property
    def playing(self) -> bool:
        """True while events are being sent."""
        return self._task is not None

    def play(self) -> None:
        """Subscribe to the bus and send the current state, then every change."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def pause(self) -> None:
        """Stop sending (a later PLAY starts again from the current state)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()

    def close(self) -> None:
        """Stop for good."""
        self.pause()

    def _send(self, document: bytes) -> None:
        now = time.time()
        packet = rtp_header(metadata.PAYLOAD_TYPE, self._seq, self.clock.at(now), self.ssrc, True)
        self._seq = (self._seq + 1) & 0xFFFF
        self.sink.send_rtp(packet + document)
        self.packets += 1
        self.octets += len(document)

    def _event(self, event: Event, operation: metadata.Operation, now: float) -> None:
        """The documents of one bus event: its own, and a camera's ANY after a motion change
        (each ``Initialized`` when its key is new to the stream)."""
        identity = (type(event), event.key)
        if identity not in self._reported:
            self._reported.add(identity)
            operation = metadata.Operation.INITIALIZED
        document = metadata.document(event, operation, now, self._producer)
        if document is not None:
            self._send(document)
        if isinstance(event, MotionState):
            new = not self._motion_any.knows(event.camera)
            active = self._motion_any.update(event)
            if active is not None:
                any_operation = metadata.Operation.INITIALIZED if new else operation
                self._send(
                    self._motion_any.document(
                        event.camera, active, any_operation, now, self._producer
                    )
                )

    async def _run(self) -> None:
        with self._bus.subscribe(*metadata.EVENT_TYPES) as subscription:
            now = time.time()
            self._motion_any = metadata.MotionAny()
            self._reported = set()
            for event in subscription.initial:
                self._event(event, metadata.Operation.INITIALIZED, now)
            async for item in subscription:
                if isinstance(item, Missed):
                    # Events were lost: the current state of every key, as changes.
                    for types in metadata.EVENT_TYPES:
                        for event in self._bus.state(types):
                            self._event(event, metadata.Operation.CHANGED, time.time())
                    continue
                self._event(item, metadata.Operation.CHANGED, time.time())


class Session:
    """One client's session (see the module docstring)."""

    def __init__(
        self,
        media: Media,
        url: str,
        user: User,
        *,
        peer: str,
        interleaved: bool,
        on_closed: Callable[[Session], None],
    ) -> None:
        self.id = secrets.token_hex(8).upper()
        self.media = media
        #: The presentation URL the session was set up with (its aggregate control).
        self.url = url
        self.user = user
        #: The address that made the session: only it may use the session.
        self.peer = peer
        #: True when the tracks travel on the RTSP connection (the session ends with it).
        self.interleaved = interleaved
        self.state = State.INIT
        self.video: VideoTrack | None = None
        self.audio: AudioTrack | None = None
        self.metadata: MetadataTrack | None = None
        self.last_seen = time.monotonic()
        self._on_closed = on_closed
        self._reports: asyncio.Task[None] | None = None
        self._cname = f"ipcamd-{self.id.lower()}"

    @property
    def header(self) -> str:
        """The ``Session`` header's value: ``<id>;timeout=60``."""
        return f"{self.id};timeout={SESSION_TIMEOUT}"

    def touch(self) -> None:
        """A sign of life: the timeout starts again."""
        self.last_seen = time.monotonic()

    def expired(self, now: float) -> bool:
        """True for a UDP session silent for longer than the timeout."""
        return not self.interleaved and now - self.last_seen > SESSION_TIMEOUT

    def has(self, track: Track) -> bool:
        """True when ``track`` is set up already."""
        tracks = {Track.VIDEO: self.video, Track.AUDIO: self.audio, Track.METADATA: self.metadata}
        return tracks[track] is not None

    def _tracks(self) -> list[VideoTrack | AudioTrack | MetadataTrack]:
        return [t for t in (self.video, self.audio, self.metadata) if t is not None]

    def add_video(self, video: VideoTrack) -> None:
        """The video track (SETUP of trackID=1)."""
        self.video = video
        video.on_end = self.close
        self.state = State.READY if self.state is State.INIT else self.state
        if self.state is State.PLAYING:
            video.play()

    def add_audio(self, audio: AudioTrack) -> None:
        """The audio track (SETUP of trackID=2)."""
        self.audio = audio
        audio.on_end = self.close
        self.state = State.READY if self.state is State.INIT else self.state
        if self.state is State.PLAYING:
            audio.play()

    def add_metadata(self, track: MetadataTrack) -> None:
        """The metadata track (SETUP of trackID=3)."""
        self.metadata = track
        self.state = State.READY if self.state is State.INIT else self.state
        if self.state is State.PLAYING:
            track.play()

    def play(self) -> None:
        """Every track plays (video from its next keyframe); sender reports start."""
        self.state = State.PLAYING
        for track in self._tracks():
            if not track.playing:
                track.play()
        if self._reports is None:
            self._reports = asyncio.get_running_loop().create_task(self._send_reports())

    def pause(self) -> None:
        """Every track stops sending; the session stays."""
        self.state = State.READY
        for track in self._tracks():
            track.pause()
        self._stop_reports()

    def _stop_reports(self) -> None:
        task, self._reports = self._reports, None
        if task is not None:
            task.cancel()

    async def _send_reports(self) -> None:
        """A sender report per playing track, one interval after PLAY and every one after."""
        while True:
            await asyncio.sleep(REPORT_INTERVAL)
            now = time.time()
            for track in self._tracks():
                if not track.playing:
                    continue
                report = sender_report(
                    track.ssrc,
                    now,
                    track.clock.at(now),
                    packets=track.packets,
                    octets=track.octets,
                    cname=self._cname,
                )
                with contextlib.suppress(OSError):
                    track.sink.send_rtcp(report)

    def close(self) -> None:
        """TEARDOWN, timeout, connection lost or shutdown: every track stops. Safe twice."""
        if self.state is State.CLOSED:
            return
        self.state = State.CLOSED
        self._stop_reports()
        video, self.video = self.video, None
        if video is not None:
            video.on_end = None
            video.close()
        audio, self.audio = self.audio, None
        if audio is not None:
            audio.on_end = None
            audio.close()
        meta, self.metadata = self.metadata, None
        if meta is not None:
            meta.close()
        self._on_closed(self)
