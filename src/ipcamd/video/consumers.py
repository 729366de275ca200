"""Consumer handles: everything that takes pictures from the video pipeline says what it is.

A *viewer* (an MJPEG stream or a snapshot being served) is counted against
``Image.MaxViewers`` and refused with :class:`~ipcamd.errors.Busy` beyond it. An *internal*
consumer (the motion detector, the recorder, an RTSP session's encoder) is never counted and
never refused: the unit's own work does not take a viewer's slot. Each handle has a name
("viewer 127.0.0.1:5555", "motion 1", "recorder"), is listed by
:meth:`StreamHub.consumers` and logged at debug when it comes and goes.

A handle watches at most one stream profile at a time (:meth:`Consumer.use`); switching
profiles (new settings) moves a wait in progress to the new profile at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from ipcamd.errors import StreamClosed

if TYPE_CHECKING:
    from ipcamd.video.encoder import Encoded
    from ipcamd.video.fanout import MjpegSender
    from ipcamd.video.hub import StreamHub
    from ipcamd.video.profile import Profile
    from ipcamd.video.render import RenderSpec

_LOGGER = logging.getLogger(__name__)


class ConsumerKind(StrEnum):
    """What a consumer is, which decides whether it takes a viewer slot."""

    #: A client being served pictures: counted against ``Image.MaxViewers``.
    VIEWER = "viewer"
    #: The unit's own use (motion, recorder, RTSP encoder): never counted, never refused.
    INTERNAL = "internal"


class ProfileLeft(Exception):
    """Raised inside :meth:`Profile.next` to a consumer that moved to another profile while it
    waited there; :meth:`Consumer.next` resumes on the new one. Never leaves the package."""


@dataclass(frozen=True, slots=True)
class ConsumerInfo:
    """One line of the video diagnostics: who consumes what, since when."""

    name: str
    kind: ConsumerKind
    #: The profile it watches (None between profiles, or for a handle that watches none yet).
    spec: RenderSpec | None
    #: Wall-clock time it attached.
    since: float

    def describe(self) -> str:
        """``viewer 127.0.0.1:5555 (viewer): camera 1 jpeg 640x480 compression 30``."""
        watching = self.spec.describe() if self.spec is not None else "nothing"
        return f"{self.name} ({self.kind}): {watching}"


class Consumer:
    """A handle on the video pipeline for one consumer, from attach until :meth:`close`.

    Made by :meth:`StreamHub.attach`; a context manager (leaving it closes the handle and
    frees a viewer's slot at once). Loop only.
    """

    def __init__(self, hub: StreamHub, name: str, kind: ConsumerKind) -> None:
        self.name = name
        self.kind = kind
        self.since = time.time()
        self._hub = hub
        self._profile: Profile | None = None
        self._closed = False
        #: Where the profile pushes this consumer's MJPEG parts (None: it asks, :meth:`next`).
        self.sender: MjpegSender | None = None

    def __str__(self) -> str:
        return self.name

    @property
    def profile(self) -> Profile | None:
        """The profile this consumer watches now."""
        return self._profile

    @property
    def closed(self) -> bool:
        """True once :meth:`close` ran."""
        return self._closed

    def use(self, spec: RenderSpec) -> Profile:
        """Watch the profile of ``spec`` (switching from the previous one, if different).

        A consumer waiting in :meth:`next` on the previous profile is moved: its next frame
        comes from the new one.
        """
        if self._closed:
            raise StreamClosed(self.name)
        current = self._profile
        if current is not None and current.spec == spec:
            return current
        profile = self._hub._join(spec, self)
        self._profile = profile
        if current is not None:
            self._hub._leave(current, self)
            current.wake()
        _LOGGER.debug("Video consumer %s watches %s", self.name, spec.describe())
        return profile

    def send(
        self, transport: asyncio.WriteTransport, *, frames: int = 0, duration: float = 0.0
    ) -> MjpegSender:
        """Have every profile this consumer watches, now and after a move, write its MJPEG
        parts to ``transport`` instead of waiting for :meth:`next` (``frames`` and
        ``duration``: when the stream ends; 0 = never). Await the sender's ``wait()``."""
        if self._closed:
            raise StreamClosed(self.name)
        self.sender = self._hub._send(self, transport, frames, duration)
        return self.sender

    def leave(self) -> None:
        """Stop watching (the handle stays attached); a wait in :meth:`next` ends with
        StreamClosed."""
        current, self._profile = self._profile, None
        if current is not None:
            self._hub._leave(current, self)
            current.wake()

    async def next(self, after: int) -> Encoded:
        """The newest frame of the watched profile numbered above ``after`` (encoded once for
        all its consumers). Raises StreamClosed when the handle, its profile or its camera
        ends, or when it watches nothing."""
        while True:
            profile = self._profile
            if profile is None:
                raise StreamClosed(self.name)
            try:
                return await profile.next(after, self)
            except ProfileLeft:
                continue  # moved to another profile meanwhile: wait there

    def info(self) -> ConsumerInfo:
        """What the diagnostics show of this consumer."""
        spec = self._profile.spec if self._profile is not None else None
        return ConsumerInfo(self.name, self.kind, spec, self.since)

    def close(self) -> None:
        """Detach: leave the profile and give a viewer's slot back (at once: a disconnected
        client frees it immediately). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        current, self._profile = self._profile, None
        if current is not None:
            self._hub._leave(current, self)
        self._hub._detach(self)

    def __enter__(self) -> Consumer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
