"""A camera's stages without a source thread: a producer the test publishes to, the camera's
view over it, and a hub whose profiles take their frames from the view."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import numpy as np
import numpy.typing as npt

from ipcamd.video.frame import Planes
from ipcamd.video.hub import StreamHub
from ipcamd.video.osd import TextPainter
from ipcamd.video.pool import FramePool
from ipcamd.video.producer import Producer
from ipcamd.video.view import View

#: The size of :func:`picture`.
W, H = 128, 96

Stage = tuple[StreamHub, Producer, View]


def picture(shift: int = 0) -> Planes:
    """A source frame whose every luma pixel says where it is (row * 3 + column + shift,
    mod 256), so a crop or a scale shows in the pixels exactly."""
    rows, cols = np.mgrid[0:H, 0:W]
    y = ((rows * 3 + cols + shift) % 256).astype(np.uint8)
    u = np.full((H // 2, W // 2), 100, np.uint8)
    v = np.full((H // 2, W // 2), 150, np.uint8)
    return Planes(y, u, v)


def grey(data: bytes, width: int, height: int) -> npt.NDArray[np.uint8]:
    """A grey profile's frame as pixels."""
    return np.frombuffer(data, np.uint8).reshape(height, width)


@asynccontextmanager
async def view_stage(max_viewers: int = 0) -> AsyncIterator[Stage]:
    """``(hub, source, view)`` for camera 1 (``Image.MaxViewers`` is ``max_viewers``)."""
    source = Producer("camera 1")
    view = View(source, 1)
    executor = FramePool(2)
    hub = StreamHub(lambda _name: view, executor, TextPainter(), lambda: max_viewers)
    try:
        yield hub, source, view
    finally:
        hub.close()
        view.close()
        executor.shutdown()
