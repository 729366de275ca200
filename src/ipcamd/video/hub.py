"""Stream profiles and their consumers: each frame is encoded at most once per profile.

A profile is a :class:`RenderSpec` (camera, size, compression, rotation, mirror, OSD, frame
rate, codec) with the encoder its codec gets. It looks at every frame its camera publishes
and chooses the ones it shows: all of them, or with a frame rate those a
:class:`FramePicker` takes, on one schedule shared by all its consumers. They share the
bytes of its latest chosen frame, encoded once: when the first of them asks (a snapshot, an
internal consumer asks for "the next frame after the one I had", so a slow one gets the newest
frame and nothing queues up), or as soon as it is chosen while MJPEG viewers watch. Those are
pushed to (``fanout.py``): the profile writes each part to every viewer's transport that is
ready for it, in one loop, and skips the others. A profile exists only while it has
consumers, so idle profiles cost nothing.

Every consumer attaches through a named handle (``consumers.py``): viewers count against
``Image.MaxViewers``, internal consumers (motion, recorder, RTSP) do not.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import time
from collections.abc import Callable, Mapping

from ipcamd.errors import Busy
from ipcamd.video.consumers import Consumer, ConsumerInfo, ConsumerKind, ProfileLeft
from ipcamd.video.encoder import ENCODERS, Encoded, Encoder, EncoderFactory
from ipcamd.video.fanout import STALL_TIMEOUT, MjpegSender, StallSweep
from ipcamd.video.frame import Frame
from ipcamd.video.osd import TextPainter
from ipcamd.video.pacing import FramePicker
from ipcamd.video.pool import FramePool
from ipcamd.video.producer import Producer, StreamClosed
from ipcamd.video.render import Codec, ProfileRenderer, RenderSpec

_LOGGER = logging.getLogger(__name__)

#: How many ended JPEG profiles keep their last frame for a snapshot that follows.
RECENT_PROFILES = 16


class Profile:
    """The consumers of one RenderSpec, the frames chosen for them, the latest one encoded."""

    def __init__(
        self, hub: StreamHub, spec: RenderSpec, producer: Producer, encoder: Encoder
    ) -> None:
        self.spec = spec
        self.producer = producer
        self.encoder = encoder
        self._renderer = ProfileRenderer(spec, hub.painter)
        self.consumers: set[Consumer] = set()
        #: The MJPEG viewers among them, fed by :meth:`_fan_out` (in order of arrival).
        self.senders: dict[MjpegSender, None] = {}
        self._hub = hub
        self._picker = FramePicker(spec.fps) if spec.fps > 0 else None
        self._chosen: Frame | None = None
        self._chosen_event = asyncio.Event()
        self._closed = False
        self._last: Encoded | None = None
        self._pending: tuple[int, asyncio.Future[Encoded]] | None = None
        self._unlisten: Callable[[], None] | None = producer.add_listener(self._on_frame)
        self._on_frame()  # a running camera's current frame is the first one

    @property
    def users(self) -> int:
        """How many consumers watch this profile."""
        return len(self.consumers)

    def _on_frame(self) -> None:
        """Runs on every frame the camera publishes: take it or let it pass."""
        frame = self.producer.latest
        if frame is None or (self._chosen is not None and frame.seq <= self._chosen.seq):
            return
        if self._picker is None or self._picker.take(frame.time):
            self._chosen = frame
            self.wake()
            if self.senders and self._pending is None:
                self._push(frame)

    def wake(self) -> None:
        """Wake every consumer waiting here, to look again (a new frame, or one that moved)."""
        event, self._chosen_event = self._chosen_event, asyncio.Event()
        event.set()

    @property
    def chosen_seq(self) -> int:
        """The number of the newest frame this profile chose (0 before the first)."""
        return 0 if self._chosen is None else self._chosen.seq

    def next_expected(self) -> float | None:
        """The time stamp by which this frame-rate profile's next frame should have come
        (None without a frame rate: then it comes whenever the source's does)."""
        return None if self._picker is None else self._picker.expected

    async def next(self, after: int, consumer: Consumer | None = None) -> Encoded:
        """The newest frame chosen for this profile whose number is above ``after``.

        Raises StreamClosed when the profile or its camera shuts down, and ProfileLeft when
        ``consumer`` no longer watches this profile (it moved while it waited).
        """
        while True:
            if consumer is not None and consumer.profile is not self:
                raise ProfileLeft
            if self._closed or self.producer.closed:
                raise StreamClosed(self.producer.name)
            frame = self._chosen
            if frame is None or frame.seq <= after:
                await self._chosen_event.wait()
                continue
            last = self._last
            if last is not None and last.seq >= frame.seq:
                return last
            pending = self._pending
            if pending is None:
                pending = self._start_encode(frame)
            elif pending[0] <= after:
                # An older frame is in the encoder: one frame at a time (the encoder keeps
                # state from frame to frame), so this one is encoded once it is out.
                await asyncio.wait({pending[1]})
                continue
            break
        encoded = await asyncio.shield(pending[1])
        if consumer is not None and consumer.profile is not self:
            raise ProfileLeft  # moved during the encode: the next frame has the new settings
        return encoded

    @property
    def last(self) -> Encoded | None:
        """The newest frame this profile encoded."""
        return self._last

    def resume(self, last: Encoded | None) -> None:
        """Start from the last frame an earlier profile of the same spec encoded (the same
        producer's numbering, the same rendering): asking for that frame again costs no
        encode."""
        if last is not None and self._last is None:
            self._last = last

    def add_sender(self, sender: MjpegSender) -> None:
        """Push every part from now on to ``sender`` (an MJPEG viewer); its first part is the
        newest frame, at once if it is encoded already."""
        self.senders[sender] = None
        sender.follow(self.next_expected)
        last, chosen = self._last, self._chosen
        if last is not None and (chosen is None or last.seq >= chosen.seq):
            sender.offer(last, time.monotonic())
        elif chosen is not None and self._pending is None:
            self._push(chosen)

    def remove_sender(self, sender: MjpegSender) -> None:
        """Stop pushing to ``sender`` (it left the profile, or its stream ended)."""
        self.senders.pop(sender, None)

    def close(self) -> None:
        """Stop looking at frames; waiting consumers get StreamClosed, streams end."""
        self._closed = True
        if self._unlisten is not None:
            # Dropped once called: it holds our bound method, so kept it would make this
            # profile (its pictures, its encoder's rows) a cycle that waits for the collector.
            unlisten, self._unlisten = self._unlisten, None
            unlisten()
        self.wake()
        self.encoder.close()
        for sender in self.senders:
            sender.finish("closed")

    def _render(self, frame: Frame) -> Encoded:
        """Runs in the thread pool: the frame as this profile shows and encodes it."""
        planes = self._renderer.render(frame.planes, frame.time)
        return self.encoder.encode(planes, frame.seq, frame.time)

    def _start_encode(self, frame: Frame) -> tuple[int, asyncio.Future[Encoded]]:
        """Render and encode ``frame`` in the pool: one job, and one callback on the loop
        when it is done (no task, no futures between the threads: the per-frame floor,
        docs/video.md)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Encoded] = loop.create_future()
        self._pending = (frame.seq, future)
        seq = frame.seq

        def done(encoded: Encoded | None, error: BaseException | None) -> None:
            _call_on(loop, self._encoded, seq, future, encoded, error)

        try:
            self._hub.executor.post(self._render, frame, done)
        except RuntimeError:  # the pool is shut down: the server is stopping
            self._pending = None
            future.set_exception(StreamClosed(self.producer.name))
            future.exception()
            return frame.seq, future
        return self._pending

    def _push(self, frame: Frame) -> None:
        """Encode ``frame`` for the senders; :meth:`_encoded` hands it out when it is done."""
        self._start_encode(frame)

    def _encoded(
        self,
        seq: int,
        future: asyncio.Future[Encoded],
        encoded: Encoded | None,
        error: BaseException | None,
    ) -> None:
        """Runs on the loop when the pool has encoded frame ``seq`` (or failed to, or dropped
        it at shutdown): keep it, give it to whoever awaits it, write it to the senders (and
        encode a newer frame chosen meanwhile)."""
        if self._pending is not None and self._pending[0] == seq:
            self._pending = None
        if encoded is None or error is not None:
            if not future.done():
                if error is None or isinstance(error, concurrent.futures.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(error)
                    future.exception()  # retrieved: logged here once, raised to its awaiters
            cancelled = isinstance(error, concurrent.futures.CancelledError)
            if error is not None and not cancelled and self.senders:
                _LOGGER.error("Encoding a frame failed: %s", error, exc_info=error)
            return
        self._hub.encodes += 1
        if self._last is None or encoded.seq > self._last.seq:
            self._last = encoded
        if not future.done():
            future.set_result(encoded)
        if self.senders and not self._closed:
            self._fan_out(encoded)
            chosen = self._chosen
            if chosen is not None and chosen.seq > encoded.seq and self._pending is None:
                self._push(chosen)  # a newer frame came while this one was encoded

    def _fan_out(self, encoded: Encoded) -> None:
        """The hot loop: every ready viewer gets the same part, the others skip it."""
        now = time.monotonic()
        for sender in list(self.senders):
            sender.offer(encoded, now)


def _call_on(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: object) -> None:
    """From a pool thread: run ``callback(*args)`` on ``loop`` (nothing once it is closed:
    the server is gone)."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)


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
