"""A stream profile: the consumers of one :class:`RenderSpec`, the frames it chooses for them
and the latest one encoded, once.

It looks at every frame its camera publishes and chooses the ones it shows: all of them, or
with a frame rate those a :class:`FramePicker` takes, on one schedule shared by all its
consumers. It renders and encodes one frame at a time in the video pool (the encoder keeps
state from frame to frame), when the first consumer asks or as soon as a frame is chosen
while MJPEG viewers watch, and writes each part to every viewer that is ready for it
(``fanout.py``). :class:`~ipcamd.video.hub.StreamHub` makes and ends profiles.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ipcamd.video.consumers import Consumer, ProfileLeft
from ipcamd.video.encoder import Encoded, Encoder
from ipcamd.video.fanout import MjpegSender
from ipcamd.video.frame import Frame
from ipcamd.video.handover import Handover
from ipcamd.video.pacing import FramePicker
from ipcamd.video.producer import Producer, StreamClosed
from ipcamd.video.render import ProfileRenderer, RenderSpec

if TYPE_CHECKING:
    from ipcamd.video.hub import StreamHub

_LOGGER = logging.getLogger(__name__)


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
        #: How many of them end at a time (``duration``): their last part is due before it,
        #: so while there are any the parts do not wait for the producer's next frame.
        self._timed = 0
        self._hub = hub
        self._picker = FramePicker(spec.fps) if spec.fps > 0 else None
        self._chosen: Frame | None = None
        self._chosen_event = asyncio.Event()
        self._closed = False
        self._last: Encoded | None = None
        self._pending: _Job | None = None
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
            elif pending.seq <= after:
                # An older frame is in the encoder: one frame at a time (the encoder keeps
                # state from frame to frame), so this one is encoded once it is out.
                pending.hurry()
                await asyncio.wait({pending.future})
                continue
            break
        pending.hurry()  # awaited: it does not wait for the source's next tick
        encoded = await asyncio.shield(pending.future)
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
        if sender not in self.senders:
            self.senders[sender] = None
            self._timed += sender.timed
        sender.follow(self.next_expected)
        last, chosen = self._last, self._chosen
        if last is not None and (chosen is None or last.seq >= chosen.seq):
            sender.offer(last, time.monotonic())
        elif chosen is not None and self._pending is None:
            self._push(chosen)

    def remove_sender(self, sender: MjpegSender) -> None:
        """Stop pushing to ``sender`` (it left the profile, or its stream ended)."""
        if sender in self.senders:
            del self.senders[sender]
            self._timed -= sender.timed

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

    def _start_encode(self, frame: Frame, *, hold: bool = False) -> _Job:
        """Render and encode ``frame`` in the pool: one job, and one callback on the loop
        when it is done (no task, no futures between the threads: the per-frame floor,
        docs/video.md). With ``hold``, that callback may wait for the producer's next
        frame (its hand-over) instead of waking the loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Encoded] = loop.create_future()
        seq = frame.seq
        handover = self.producer.handover if hold else None
        job = self._pending = _Job(seq, future, handover)
        ticket = job.ticket

        def done(encoded: Encoded | None, error: BaseException | None) -> None:
            if handover is None or error is not None:
                _call_on(loop, self._encoded, seq, future, encoded, error)
            else:
                handover.hand(ticket, self._encoded, seq, future, encoded, error)

        try:
            self._hub.executor.post(self._render, frame, done)
        except RuntimeError:  # the pool is shut down: the server is stopping
            self._pending = None
            future.set_exception(StreamClosed(self.producer.name))
            future.exception()
        return job

    def _push(self, frame: Frame) -> None:
        """Encode ``frame`` for the senders; :meth:`_encoded` hands it out when it is done,
        at the producer's next frame if it has a hand-over (nobody else awaits it)."""
        self._start_encode(frame, hold=not self._timed)

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
        if self._pending is not None and self._pending.seq == seq:
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


@dataclass(slots=True)
class _Job:
    """The frame in the encoder: its number, its outcome to come, and the hand-over (if
    any) where that outcome may wait for the producer's next frame."""

    seq: int
    future: asyncio.Future[Encoded]
    handover: Handover | None = None
    ticket: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if self.handover is not None:
            self.ticket = self.handover.ticket()

    def hurry(self) -> None:
        """Someone awaits this frame: its outcome does not wait for the next frame."""
        if self.handover is not None:
            self.handover.hurry(self.ticket)


def _call_on(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: object) -> None:
    """From a pool thread: run ``callback(*args)`` on ``loop`` (nothing once it is closed:
    the server is gone)."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)
