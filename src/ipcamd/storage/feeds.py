"""What the recorder takes from the camera: one internal consumer per camera and options,
shared by every recording of them, with a short memory for pre-trigger frames.

The storage family does not import the video family: the device hands it a
:data:`FrameSource` (the video service's ``open_encoded`` behind it) that opens an internal
consumer of a camera's encoded JPEG frames, not counted as a viewer. A :class:`CameraFeed` reads
it on the event loop and passes each frame to its recordings' writers; while someone holds a
pre-trigger buffer on it (:meth:`CameraFeed.set_keep`) it also keeps the last seconds of frames in
memory, bounded in seconds and in bytes, so a triggered recording can start in the past.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Protocol

from ipcamd.storage.writer import Sample

_LOGGER = logging.getLogger(__name__)

#: The longest pre-trigger buffer (seconds) and its largest size (bytes), per feed.
MAX_PRE_TRIGGER = 30.0
MAX_PRE_TRIGGER_BYTES = 64 * 1024 * 1024


class Frame(Protocol):
    """An encoded frame as the video service gives it."""

    @property
    def time(self) -> float:
        """Host time it was taken."""

    @property
    def data(self) -> bytes:
        """The JPEG."""


class FrameStream(Protocol):
    """An internal consumer of one camera's encoded frames (a video ``Subscription``)."""

    def __aiter__(self) -> AsyncIterator[Frame]:
        """Frames until the camera is switched off or the unit stops."""

    def close(self) -> None:
        """Detach from the camera."""


#: ``open(camera, options, name)``: an internal consumer of ``camera`` (1-4) with stream
#: ``options`` over its settings. Raises NotFound, Disabled or InvalidParameter.
FrameSource = Callable[[int, Mapping[str, str], str], FrameStream]

FeedKey = tuple[int, tuple[tuple[str, str], ...]]


class FeedSink(Protocol):
    """A recording fed by a feed."""

    def put(self, sample: Sample) -> None:
        """One more frame (never blocks)."""

    def source_ended(self) -> None:
        """The camera stopped giving frames (switched off, or the unit stops)."""


class CameraFeed:
    """One camera with one set of options, read once for all its recordings (loop only)."""

    def __init__(
        self,
        key: FeedKey,
        stream: FrameStream,
        device_time: Callable[[float], float],
        on_idle: Callable[[CameraFeed], None],
        keep: float = 0.0,
    ) -> None:
        self.key = key
        self._stream = stream
        self._device_time = device_time
        self._on_idle = on_idle
        self._sinks: dict[FeedSink, None] = {}
        self._keep = min(max(keep, 0.0), MAX_PRE_TRIGGER)
        self._ring: deque[Sample] = deque()
        self._ring_bytes = 0
        self._ended = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"feed {key[0]}")

    @property
    def camera(self) -> int:
        """The camera this feed reads."""
        return self.key[0]

    @property
    def ended(self) -> bool:
        """True once the camera stopped giving frames."""
        return self._ended

    def attach(self, sink: FeedSink) -> None:
        """Feed ``sink`` from the next frame on."""
        self._sinks[sink] = None

    def detach(self, sink: FeedSink) -> None:
        """Stop feeding ``sink``; the feed closes once nobody uses it."""
        self._sinks.pop(sink, None)
        self._check_idle()

    @property
    def keep(self) -> float:
        """Seconds of past frames kept in memory (0: none)."""
        return self._keep

    def set_keep(self, seconds: float) -> None:
        """Keep the last ``seconds`` (at most :data:`MAX_PRE_TRIGGER`) of frames in memory;
        0 forgets them (and closes the feed if no recording uses it)."""
        self._keep = min(max(seconds, 0.0), MAX_PRE_TRIGGER)
        self._trim(None)
        self._check_idle()

    @property
    def buffered(self) -> float:
        """Seconds between the oldest and the newest frame kept in memory."""
        return self._ring[-1].when - self._ring[0].when if self._ring else 0.0

    def recent(self, seconds: float, now: float) -> list[Sample]:
        """The frames of the last ``seconds`` before ``now`` (device time) still in memory."""
        return [sample for sample in self._ring if sample.when >= now - seconds]

    def close(self) -> None:
        """Detach from the camera at once."""
        self._task.cancel()
        self._stream.close()

    async def wait_closed(self) -> None:
        """Until the reading task has ended."""
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def _trim(self, now: float | None) -> None:
        keep = self._keep
        newest = self._ring[-1].when if self._ring else 0.0
        horizon = (newest if now is None else now) - keep
        while self._ring and (
            self._ring[0].when < horizon or self._ring_bytes > MAX_PRE_TRIGGER_BYTES or not keep
        ):
            self._ring_bytes -= len(self._ring.popleft().jpeg)

    def _check_idle(self) -> None:
        if not self._sinks and not self._keep:
            self.close()
            self._on_idle(self)

    async def _run(self) -> None:
        try:
            async for frame in self._stream:
                sample = Sample(frame.data, self._device_time(frame.time))
                if self._keep:
                    self._ring.append(sample)
                    self._ring_bytes += len(sample.jpeg)
                    self._trim(sample.when)
                for sink in list(self._sinks):
                    sink.put(sample)
        finally:
            self._ended = True
            self._stream.close()
            for sink in list(self._sinks):
                sink.source_ended()
