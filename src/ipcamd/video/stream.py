"""Subscriptions: a consumer handle on one camera that keeps itself up to date.

:meth:`VideoService.open_stream` gives a viewer (or an internal consumer) a
:class:`Subscription`: the profile it watches follows the camera's ``Image.*`` settings and
setosd.cgi's overlay by itself (the service calls :meth:`Subscription.refresh` on every
change; a wait in progress moves to the new profile at once), and it ends when the channel is
switched off. Iterating it gives encoded frames; :meth:`Subscription.mjpeg` gives the bytes of
an MJPEG body (5.2.4.7), ending after ``nbrofframes`` or ``duration``; a snapshot is
:meth:`Subscription.picture`. The HTTP layer only writes what it gets.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from ipcamd.errors import Disabled, InvalidParameter, NotFound, SourceUnavailable, StreamClosed
from ipcamd.video.consumers import Consumer
from ipcamd.video.encoder import Encoded
from ipcamd.video.mjpeg import DELIMITER, last_part
from ipcamd.video.options import StreamOptions

#: Seconds a snapshot waits for a first frame (a network source may still be connecting).
SNAPSHOT_TIMEOUT = 15.0


class Subscription:
    """One consumer's pictures of one camera, following ``resolve()``: the options to use
    now (it raises Disabled once the channel is switched off).

    A context manager: leaving it closes the consumer handle (a viewer's slot is free at
    once). Frames come from the profile of :attr:`options`, which the handle joins on the
    first frame asked for (so a HEAD request starts no camera).
    """

    def __init__(
        self,
        consumer: Consumer,
        resolve: Callable[[], StreamOptions],
        options: StreamOptions,
        forget: Callable[[Subscription], None],
    ) -> None:
        self.consumer = consumer
        #: What this subscription renders now (the request's arguments over the settings).
        self.options = options
        self._resolve = resolve
        self._forget = forget
        self._ended: Disabled | None = None
        self._seq = 0

    def refresh(self) -> None:
        """The settings changed: watch what they say now (loop only; called by the service).

        A setting the request relies on that went away (a removed stream profile) keeps the
        options it had. A channel switched off ends the subscription after the frame it is
        waiting for, if any (the old stream handler's behaviour: "after its last picture").
        """
        if self._ended is not None or self.consumer.closed:
            return
        try:
            options = self._resolve()
        except Disabled as err:
            self._ended = err  # a frame already awaited still goes out; then it ends
            return
        except (InvalidParameter, NotFound):
            return
        self.options = options
        if self.consumer.profile is not None:
            with contextlib.suppress(StreamClosed):  # shutting down: the wait ends anyway
                self.consumer.use(options.spec)

    def watch(self) -> None:
        """Join the profile of :attr:`options` now (the first :meth:`next` does otherwise);
        the camera starts if it was idle."""
        if self._ended is None and self.consumer.profile is None:
            self.consumer.use(self.options.spec)

    def request_keyframe(self) -> None:
        """Ask the watched profile's encoder for a keyframe now: for a subscription shared by
        several clients (RTSP's sessions of one profile), when a client joins it."""
        profile = self.consumer.profile
        if profile is not None:
            profile.encoder.request_keyframe()

    async def next(self) -> Encoded:
        """The newest frame after the one this returned last, as the settings say now.

        Raises StreamClosed when the device shuts down, Disabled once the channel is off.
        """
        if self._ended is not None:
            self.consumer.leave()
            raise Disabled(str(self._ended))
        self.watch()
        encoded = await self.consumer.next(self._seq)
        self._seq = encoded.seq
        return encoded

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Encoded:
        try:
            return await self.next()
        except (StreamClosed, Disabled):
            raise StopAsyncIteration from None

    async def picture(self) -> Encoded:
        """A snapshot: the profile's newest frame that shows the camera's current view
        (shared with the profile's other consumers, encoded once).

        Raises SourceUnavailable when no picture comes within :data:`SNAPSHOT_TIMEOUT`,
        StreamClosed while shutting down, Disabled when the channel is switched off.
        """
        profile = self.consumer.use(self.options.spec)
        self._seq = max(self._seq, profile.producer.fresh_from - 1)
        try:
            return await asyncio.wait_for(self.next(), SNAPSHOT_TIMEOUT)
        except TimeoutError:
            raise SourceUnavailable("No picture from the video source yet") from None
        except StreamClosed:
            raise StreamClosed("Shutting down") from None

    def mjpeg(self) -> MjpegBody:
        """The bytes of this subscription's MJPEG body, part by part."""
        return MjpegBody(self)

    def close(self) -> None:
        """Detach the consumer; no more refreshes."""
        self._forget(self)
        self.consumer.close()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class MjpegBody:
    """The body of an MJPEG response (5.2.4.7): ``--myboundary\\r\\n``, then one part per frame,
    each ending in the boundary.

    A stream that ends on purpose ends its last part with the close-delimiter
    (``--myboundary--``): after ``nbrofframes`` frames, or with ``duration`` and a frame rate
    when the profile's next frame might come only after the end. A ``duration`` stream at the
    source's own rate ends after its last part's boundary (which frame is the last is not
    known in time); so does a stream whose channel is switched off, or the device stops.
    """

    def __init__(self, subscription: Subscription) -> None:
        self._subscription = subscription
        self._opened = self._done = False
        self._sent = 0
        self._deadline: float | None = None  # time.monotonic() when a duration runs out
        self._deadline_stamp: float | None = None  # the same on the frames' clock

    def __aiter__(self) -> MjpegBody:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            raise StopAsyncIteration
        subscription = self._subscription
        if not self._opened:
            self._opened = True
            duration = subscription.options.duration
            if duration:
                self._deadline = time.monotonic() + duration
                self._deadline_stamp = time.time() + duration
            return DELIMITER
        remaining = None if self._deadline is None else self._deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            self._done = True
            raise StopAsyncIteration
        try:
            if remaining is None:
                encoded = await subscription.next()
            else:
                encoded = await asyncio.wait_for(subscription.next(), remaining)
        except (TimeoutError, StreamClosed, Disabled):
            self._done = True
            raise StopAsyncIteration from None
        self._sent += 1
        frames = subscription.options.frames
        if (frames and self._sent >= frames) or self._ends_before_next():
            self._done = True
            return last_part(encoded.part)
        return encoded.part

    def _ends_before_next(self) -> bool:
        """True when a frame-rate profile's next frame might come only after the duration's
        end (then the frame just taken is the last: the stream ends a little early rather
        than without its close-delimiter)."""
        profile = self._subscription.consumer.profile
        if self._deadline_stamp is None or profile is None:
            return False
        expected = profile.next_expected()
        return expected is not None and expected >= self._deadline_stamp
