"""Subscriptions: a consumer handle on one camera that keeps itself up to date.

:meth:`VideoService.open_stream` gives a viewer (or an internal consumer) a
:class:`Subscription`: the profile it watches follows the camera's ``Image.*`` settings and
setosd.cgi's overlay by itself (the service calls :meth:`Subscription.refresh` on every
change; a wait in progress moves to the new profile at once), and it ends when the channel is
switched off. Iterating it gives encoded frames; :meth:`Subscription.send_mjpeg` has its
profile push the parts of an MJPEG body (5.2.4.7) to a viewer's transport (``fanout.py``),
ending after ``nbrofframes`` or ``duration``; a snapshot is :meth:`Subscription.picture`. The
HTTP layer only hands over its transport.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from ipcamd.errors import Disabled, InvalidParameter, NotFound, SourceUnavailable, StreamClosed
from ipcamd.video.consumers import Consumer
from ipcamd.video.encoder import Encoded
from ipcamd.video.fanout import MjpegSender
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
        self._sender: MjpegSender | None = None

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
            if self._sender is not None:
                self._sender.finish("disabled")  # a pushed stream ends after its last part
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

    def send_mjpeg(self, transport: asyncio.WriteTransport) -> MjpegSender:
        """Push this subscription's MJPEG parts to ``transport``, which has the stream's head
        and opening delimiter (:data:`~ipcamd.video.mjpeg.DELIMITER`) already; await the
        sender's ``wait()`` until the stream is over.

        The profile writes each part to the transport when it is ready for it (a slow reader
        skips to the newest frame); a stream ends after ``nbrofframes`` parts or ``duration``
        seconds (its last part ending in the close-delimiter when it is known to be the last),
        when the channel is switched off, the client goes or stalls, or the device stops.
        """
        options = self.options
        sender = self.consumer.send(transport, frames=options.frames, duration=options.duration)
        self._sender = sender
        if self._ended is not None:
            sender.finish("disabled")
        else:
            self.watch()
        return sender

    def close(self) -> None:
        """Detach the consumer; no more refreshes."""
        self._forget(self)
        self.consumer.close()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
