"""Stream profiles and their consumers: each frame is encoded at most once per profile.

A profile (``profile.py``) is a :class:`RenderSpec` (camera, size, compression, rotation,
mirror, OSD, frame rate, codec) with the encoder its codec gets; its consumers share the bytes
of each frame it chose, encoded once, and its MJPEG viewers get each part pushed to their
transports (``fanout.py``). The hub makes a profile when its first consumer comes and ends it
when the last one leaves, so idle profiles cost nothing; the last frame of a JPEG profile that
ended is kept for a snapshot that follows.

Every consumer attaches through a named handle (``consumers.py``): viewers count against
``Image.MaxViewers``, internal consumers (motion, recorder, RTSP) do not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from ipcamd.errors import Busy
from ipcamd.video.consumers import Consumer, ConsumerInfo, ConsumerKind
from ipcamd.video.encoder import ENCODERS, Encoded, EncoderFactory
from ipcamd.video.fanout import STALL_TIMEOUT, MjpegSender, StallSweep
from ipcamd.video.osd import TextPainter
from ipcamd.video.pool import FramePool
from ipcamd.video.producer import Producer, StreamClosed
from ipcamd.video.profile import Profile
from ipcamd.video.render import Codec, RenderSpec

_LOGGER = logging.getLogger(__name__)

#: How many ended JPEG profiles keep their last frame for a snapshot that follows.
RECENT_PROFILES = 16


class StreamHub:
    """All live profiles of the device, its consumers, and the viewer count that
    ``Image.MaxViewers`` caps."""

    def __init__(
        self,
        producers: Callable[[str], Producer],
        executor: FramePool,
        painter: TextPainter,
        max_viewers: Callable[[], int],
        encoders: Mapping[Codec, EncoderFactory] = ENCODERS,
        *,
        stall_timeout: float = STALL_TIMEOUT,
    ) -> None:
        self.executor = executor
        self._stall_timeout = stall_timeout
        self.painter = painter
        #: Viewers attached now (internal consumers are not counted).
        self.viewers = 0
        #: Frames encoded since start (all profiles): what the fan-out benchmark watches.
        self.encodes = 0
        self._producers = producers
        self._max_viewers = max_viewers
        self._encoders = encoders
        self._profiles: dict[RenderSpec, Profile] = {}
        self._consumers: dict[Consumer, None] = {}  # in order of arrival
        self._closed = False
        self._sweep = StallSweep(self._senders)
        #: The last frame of profiles that ended lately, by spec: a snapshot that comes when
        #: the previous one has gone (and its profile with it) still shares that encoding.
        self._recent: dict[RenderSpec, Encoded] = {}

    @property
    def stall_timeout(self) -> float:
        """Seconds an MJPEG viewer still sending an earlier part may take no frame before it
        is dropped (and its slot freed)."""
        return self._stall_timeout

    @stall_timeout.setter
    def stall_timeout(self, seconds: float) -> None:
        """Change it for every stream, running ones included (tests shorten it)."""
        self._stall_timeout = seconds
        senders = self._senders()
        for sender in senders:
            sender.stall_timeout = seconds
        if senders:
            self._sweep.kick(seconds)

    def profile(self, spec: RenderSpec) -> Profile | None:
        """The live profile of ``spec``, if it has consumers (diagnostics and tests)."""
        return self._profiles.get(spec)

    @property
    def profiles(self) -> int:
        """How many profiles have consumers right now."""
        return len(self._profiles)

    def attach(self, name: str, kind: ConsumerKind = ConsumerKind.VIEWER) -> Consumer:
        """A handle for a new consumer called ``name``.

        A viewer beyond ``Image.MaxViewers`` (0 = no limit) is refused with :class:`Busy`; an
        internal consumer never is. Both get StreamClosed while the device shuts down.
        """
        if self._closed:
            raise StreamClosed("shutting down")
        if kind is ConsumerKind.VIEWER:
            limit = self._max_viewers()
            if limit and self.viewers >= limit:
                raise Busy(f"Too many viewers (Image.MaxViewers={limit})")
            self.viewers += 1
        consumer = Consumer(self, name, kind)
        self._consumers[consumer] = None
        _LOGGER.debug(
            "Video consumer %s (%s) attached: %d viewers, %d consumers",
            name,
            kind,
            self.viewers,
            len(self._consumers),
        )
        return consumer

    def consumers(self) -> list[ConsumerInfo]:
        """Every attached consumer, oldest first (the video diagnostics)."""
        return [consumer.info() for consumer in self._consumers]

    def _senders(self) -> list[MjpegSender]:
        return [sender for profile in self._profiles.values() for sender in profile.senders]

    def _send(
        self, consumer: Consumer, transport: asyncio.WriteTransport, frames: int, duration: float
    ) -> MjpegSender:
        """``consumer``'s parts go to ``transport`` from now on, whatever profile it watches."""
        previous = consumer.sender
        sender = MjpegSender(
            transport,
            name=consumer.name,
            frames=frames,
            duration=duration,
            stall_timeout=self.stall_timeout,
        )
        consumer.sender = sender
        profile = consumer.profile
        if profile is not None:
            if previous is not None:
                profile.remove_sender(previous)
            profile.add_sender(sender)
        self._sweep.kick(sender.stall_timeout)
        return sender

    def _join(self, spec: RenderSpec, consumer: Consumer) -> Profile:
        if self._closed:
            raise StreamClosed("shutting down")
        profile = self._profiles.get(spec)
        if profile is None:
            encoder = self._encoders[spec.codec](spec)
            profile = Profile(self, spec, self._producers(spec.camera), encoder)
            profile.resume(self._recent.pop(spec, None))
            self._profiles[spec] = profile
        profile.consumers.add(consumer)
        profile.producer.attach(consumer)
        profile.encoder.request_keyframe()  # a newcomer can start from the next frame
        if consumer.sender is not None:
            profile.add_sender(consumer.sender)
        return profile

    def _leave(self, profile: Profile, consumer: Consumer) -> None:
        profile.consumers.discard(consumer)
        if consumer.sender is not None:
            profile.remove_sender(consumer.sender)
        profile.producer.detach(consumer)
        if not profile.consumers:
            if self._profiles.get(profile.spec) is profile:
                del self._profiles[profile.spec]
            profile.close()
            last = profile.last
            if last is not None and last.keyframe and profile.spec.codec is Codec.JPEG:
                self._recent[profile.spec] = last
                while len(self._recent) > RECENT_PROFILES:
                    del self._recent[next(iter(self._recent))]

    def _detach(self, consumer: Consumer) -> None:
        if consumer not in self._consumers:
            return
        del self._consumers[consumer]
        if consumer.kind is ConsumerKind.VIEWER:
            self.viewers -= 1
        _LOGGER.debug(
            "Video consumer %s (%s) detached: %d viewers, %d consumers",
            consumer.name,
            consumer.kind,
            self.viewers,
            len(self._consumers),
        )

    def close(self) -> None:
        """Refuse new consumers and end the running streams."""
        self._closed = True
        self._sweep.close()
        for profile in self._profiles.values():
            profile.close()
