"""Raw pictures for the unit's own analysis: a camera as small grey arrays at a bounded rate.

The motion detector (and anything else that looks at pictures rather than sending them)
subscribes as an *internal* consumer, never a viewer. Its pictures come from an ordinary
stream profile whose encoder is :class:`~ipcamd.video.encoder.GreyEncoder`: the same
schedule (the profile's frame rate), thread pool, scaling and sharing as every profile, so
two detectors asking for the same size and rate cost one scaled picture per frame. They show
what the camera's view shows (a digital PTZ window included), as every consumer does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ipcamd.errors import Disabled, StreamClosed
from ipcamd.video.consumers import Consumer
from ipcamd.video.stream import Subscription


@dataclass(frozen=True, slots=True)
class GreyPicture:
    """One picture of a camera: ``pixels`` is (height, width) luma, read-only (shared)."""

    #: The camera view's frame number (grows by one per frame; gaps are frames not taken).
    seq: int
    #: When the source captured it (wall-clock seconds).
    time: float
    pixels: npt.NDArray[np.uint8]


class FrameFeed:
    """A camera's pictures as :class:`GreyPicture`, newest first: a slow reader skips frames,
    nothing queues. An async iterator (it ends when the channel is switched off or the
    device stops) and a context manager (leaving it detaches the consumer)."""

    def __init__(self, subscription: Subscription) -> None:
        self._subscription = subscription
        self.width, self.height = subscription.options.spec.output_size

    @property
    def consumer(self) -> Consumer:
        """The handle this feed holds (its name and kind show in the video diagnostics)."""
        return self._subscription.consumer

    async def next(self) -> GreyPicture:
        """The newest picture after the one this returned last (waits for it).

        Raises StreamClosed when the device shuts down, Disabled once the channel is off.
        """
        encoded = await self._subscription.next()
        pixels = np.frombuffer(encoded.data, np.uint8).reshape(self.height, self.width)
        return GreyPicture(encoded.seq, encoded.time, pixels)

    def __aiter__(self) -> FrameFeed:
        return self

    async def __anext__(self) -> GreyPicture:
        try:
            return await self.next()
        except (StreamClosed, Disabled):
            raise StopAsyncIteration from None

    def close(self) -> None:
        """Detach the consumer."""
        self._subscription.close()

    def __enter__(self) -> FrameFeed:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
