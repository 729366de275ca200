"""``quad``: the four inputs' views tiled 2x2, as a producer of its own while anyone watches it.

It tiles what each camera's view shows (a digital PTZ window included), after the view and
before the profiles, so ``quad`` streams are profiles like any other.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor

from ipcamd.video.imaging import tile
from ipcamd.video.producer import Producer
from ipcamd.video.view import View

_LOGGER = logging.getLogger(__name__)

WIDTH, HEIGHT = 1280, 960
MAX_FPS = 30.0


class QuadCamera(Producer):
    """Composes the latest frame of each input's view whenever one publishes (up to 30 fps).

    An input that ``enabled(number)`` says is switched off stays a black tile: a disabled
    channel's picture is never shown, not even in the quad view.
    """

    def __init__(
        self, cameras: Sequence[View], executor: Executor, enabled: Callable[[int], bool]
    ) -> None:
        super().__init__("quad")
        self._cameras = list(cameras)
        self._executor = executor
        self._enabled = enabled
        self._task: asyncio.Task[None] | None = None
        self._dirty = asyncio.Event()
        self._unlisten: list[Callable[[], None]] = []

    def _start(self) -> None:
        """The first user starts every input camera and the composing task."""
        for camera in self._cameras:
            camera.attach(self)
            self._unlisten.append(camera.add_listener(self._dirty.set))
        self._task = asyncio.get_running_loop().create_task(self._run())

    def _stop(self) -> None:
        """The last user left (or shutdown): stop composing and let the inputs go."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        for unlisten in self._unlisten:
            unlisten()
        if self._unlisten:
            for camera in self._cameras:
                camera.detach(self)
        self._unlisten = []
        self.latest = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            started = time.monotonic()
            pictures = [
                c.latest.planes if c.latest is not None and self._enabled(c.number) else None
                for c in self._cameras
            ]
            planes = await loop.run_in_executor(self._executor, tile, pictures, WIDTH, HEIGHT)
            self.publish(planes)
            await asyncio.sleep(max(0.0, 1 / MAX_FPS - (time.monotonic() - started)))

    def close(self) -> None:
        """Stop for good (server shutdown)."""
        self._stop()
        super().close()
