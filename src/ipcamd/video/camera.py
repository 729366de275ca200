"""One video input: runs its source on a reader thread while anyone watches.

The source is opened on the first attach and closed a little after the last detach (so a burst
of snapshots does not reopen a file or an RTSP session each time). A source that fails or ends
keeps the camera alive: it reports ``no video``, publishes a "no video" picture once a second,
and is reopened with exponential backoff.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable

from ipcamd.errors import SourceUnavailable
from ipcamd.video.frame import Planes, solid
from ipcamd.video.osd import TextPainter
from ipcamd.video.producer import Producer, VideoStatus
from ipcamd.video.sources.base import Source

_LOGGER = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
#: Seconds the source stays open after the last viewer leaves.
LINGER = 3.0
#: Seconds a start-up probe may take before the input counts as ``no video``.
PROBE_TIMEOUT = 15.0

SourceFactory = Callable[[], Source]


def no_video_picture(painter: TextPainter, camera: int) -> Planes:
    """The picture served while a source is down."""
    planes = solid(640, 480, 40)
    painter.draw(planes, "NO VIDEO", 128, 200, scale=8)
    painter.draw(planes, f"camera {camera}", 224, 300, scale=4)
    return planes


class Camera(Producer):
    """Input ``number`` (1-4) fed by the sources ``factory`` makes."""

    def __init__(
        self,
        number: int,
        factory: SourceFactory,
        painter: TextPainter,
        *,
        always_video: bool = False,
        linger: float = LINGER,
    ) -> None:
        super().__init__(str(number))
        self.number = number
        self._factory = factory
        self._no_video = no_video_picture(painter, number)
        self._always_video = always_video
        self.linger = linger
        self._users = 0
        self._status: VideoStatus | None = VideoStatus.VIDEO if always_video else None
        self._reader: _Reader | None = None
        self._linger_handle: asyncio.TimerHandle | None = None
        self._probe: asyncio.Task[None] | None = None
        self._threads: list[threading.Thread] = []

    # ----------------------------------------------------------------- consumers

    def attach(self) -> None:
        self._users += 1
        if self._linger_handle is not None:
            self._linger_handle.cancel()
            self._linger_handle = None
        if self._reader is None and not self.closed:
            self._start_reader()

    def detach(self) -> None:
        self._users -= 1
        if self._users == 0 and self._reader is not None:
            loop = asyncio.get_running_loop()
            self._linger_handle = loop.call_later(self.linger, self._stop_reader)

    @property
    def running(self) -> bool:
        """True while the source is open (or being reopened)."""
        return self._reader is not None

    # ----------------------------------------------------------------- status

    def start_probe(self) -> None:
        """Find out once, in the background, whether the source gives video (for videostatus)."""
        if self._status is None and self._probe is None:
            self._probe = asyncio.get_running_loop().create_task(self._run_probe())

    async def _run_probe(self) -> None:
        try:
            ok = await asyncio.wait_for(asyncio.to_thread(self._probe_once), PROBE_TIMEOUT)
        except TimeoutError:
            ok = False
        if self._status is None:
            self._status = VideoStatus.VIDEO if ok else VideoStatus.NO_VIDEO

    def _probe_once(self) -> bool:
        source = self._factory()
        try:
            source.open()
            source.read()
        except SourceUnavailable as err:
            _LOGGER.warning("Camera %d: %s", self.number, err)
            return False
        finally:
            source.close()
        return True

    async def status(self) -> VideoStatus:
        """``video`` or ``no video``; waits for the start-up probe if it has not finished."""
        if self._status is None and self._probe is not None:
            await asyncio.shield(self._probe)
        return self._status or VideoStatus.NO_VIDEO

    # ----------------------------------------------------------------- reader thread

    def _start_reader(self) -> None:
        reader = _Reader(self, asyncio.get_running_loop())
        self._reader = reader
        thread = threading.Thread(
            target=reader.run, name=f"ipcamd-camera{self.number}", daemon=True
        )
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def _stop_reader(self) -> None:
        self._linger_handle = None
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.stop.set()
        self.latest = None  # a later viewer must not get a stale picture

    def _deliver(self, reader: _Reader, planes: Planes, status: VideoStatus) -> None:
        """Runs on the event loop: publish what the reader thread produced."""
        if reader is not self._reader or self.closed:
            return  # a reader that was stopped meanwhile
        if self._status is not status and not self._always_video:
            _LOGGER.info("Camera %d: %s", self.number, status)
        if not self._always_video:
            self._status = status
        self.publish(planes)

    def close(self) -> None:
        if self._linger_handle is not None:
            self._linger_handle.cancel()
            self._linger_handle = None
        self._stop_reader()
        if self._probe is not None:
            self._probe.cancel()
        super().close()

    async def join(self, grace: float = 5.0) -> None:
        """Wait (off the loop) for reader threads to end after :meth:`close`."""
        deadline = time.monotonic() + grace
        for thread in self._threads:
            remaining = deadline - time.monotonic()
            if remaining > 0:
                await asyncio.to_thread(thread.join, remaining)

    def no_video_picture(self) -> Planes:
        return self._no_video


class _Reader:
    """The loop of one reader thread; ``stop`` ends it."""

    def __init__(self, camera: Camera, loop: asyncio.AbstractEventLoop) -> None:
        self.camera = camera
        self.loop = loop
        self.stop = threading.Event()

    def _post(self, planes: Planes, status: VideoStatus) -> bool:
        try:
            self.loop.call_soon_threadsafe(self.camera._deliver, self, planes, status)
        except RuntimeError:  # the loop is closed: the server is gone
            self.stop.set()
            return False
        return True

    def run(self) -> None:
        camera = self.camera
        backoff = 1.0
        while not self.stop.is_set():
            source = camera._factory()
            try:
                source.open()
                while not self.stop.is_set():
                    if not self._post(source.read(), VideoStatus.VIDEO):
                        return
                    backoff = 1.0
            except SourceUnavailable as err:
                _LOGGER.warning("Camera %d: %s; retrying in %.0f s", camera.number, err, backoff)
            except Exception:
                # A bug in a source must not take the camera down with it.
                _LOGGER.exception("Camera %d: source failed", camera.number)
            finally:
                source.close()
            deadline = time.monotonic() + backoff
            while not self.stop.is_set():
                if not self._post(camera.no_video_picture(), VideoStatus.NO_VIDEO):
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.stop.wait(min(1.0, remaining))
            backoff = min(backoff * 2, MAX_BACKOFF)
