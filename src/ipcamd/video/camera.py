"""One video input: runs its source on a reader thread while anyone watches (a computed source,
the test pattern, on an event-loop timer instead: no reader thread, and the parts its profiles
encode leave with its next tick, ``handover.py``).

The source is opened when the first user attaches and closed a little after the last one
leaves (so a burst of snapshots does not reopen a file or an RTSP session each time). A source
that fails or ends keeps the camera alive: it reports ``no video``, publishes a "no video"
picture once a second, and is reopened with exponential backoff. While nobody watches,
``videostatus.cgi`` learns the state of the source by opening it briefly, at most once per
:data:`STATUS_MAX_AGE`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ipcamd.errors import SourceUnavailable
from ipcamd.video.frame import Picture, Planes, solid
from ipcamd.video.handover import Handover
from ipcamd.video.osd import TextPainter
from ipcamd.video.producer import Producer, VideoStatus
from ipcamd.video.sources.base import ComputedSource, Source

_LOGGER = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
#: Seconds a source must have delivered pictures before a failure retries quickly again.
STABLE_AFTER = 10.0
#: Seconds the source stays open after the last viewer leaves.
LINGER = 3.0
#: Seconds a status probe may take before the input counts as ``no video``.
PROBE_TIMEOUT = 15.0
#: Seconds a status learnt while nobody watched stays true; an older one is probed again.
STATUS_MAX_AGE = 10.0
#: Seconds a computed source's part may wait for its next tick (handover.py); a source whose
#: next frame is farther away has its parts sent as soon as they are encoded.
MAX_HOLD = 0.1
#: Seconds videostatus waits for such a new probe before it answers with the previous status.
REFRESH_WAIT = 3.0

SourceFactory = Callable[[], Source]


def no_video_picture(painter: TextPainter, camera: int) -> Planes:
    """The picture served while a source is down."""
    planes = solid(640, 480, 40)
    painter.draw(planes, "NO VIDEO", 128, 200, scale=8)
    painter.draw(planes, f"camera {camera}", 224, 300, scale=4)
    return planes


@dataclass
class Backoff:
    """Delays before reopening a failed source: 1, 2, 4… up to ``maximum`` seconds.

    The delays start over only after a source ran ``stable`` seconds, so a feed that accepts
    the connection and drops it again at once is retried ever more slowly, not every second.
    """

    first: float = 1.0
    maximum: float = MAX_BACKOFF
    stable: float = STABLE_AFTER
    _next: float = 0.0

    def delay(self, ran_for: float) -> float:
        """Seconds to wait after a source that delivered pictures for ``ran_for`` seconds."""
        if not self._next or ran_for >= self.stable:
            self._next = self.first
        delay, self._next = self._next, min(self._next * 2, self.maximum)
        return delay


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
        self._status: VideoStatus | None = VideoStatus.VIDEO if always_video else None
        self._status_at = 0.0  # time.monotonic() when _status was last learnt
        self._reader: _Reader | _Ticker | None = None
        self._linger_handle: asyncio.TimerHandle | None = None
        self._probe: asyncio.Task[None] | None = None
        self._threads: list[threading.Thread] = []

    # ----------------------------------------------------------------- consumers

    def _start(self) -> None:
        """The first user arrived: start reading the source (or keep the lingering reader)."""
        if self._linger_handle is not None:
            self._linger_handle.cancel()
            self._linger_handle = None
        if self._reader is None and not self.closed:
            self._start_reader()

    def _stop(self) -> None:
        """The last user left: the reader lingers a little before it stops."""
        if self._reader is not None:
            loop = asyncio.get_running_loop()
            self._linger_handle = loop.call_later(self.linger, self._stop_reader)

    @property
    def handover(self) -> Handover | None:
        """Where parts of this camera's frames may wait for its next tick: a computed
        source's, while it runs (None for a reader thread's: its frames come when they
        come)."""
        reader = self._reader
        return reader.handover if isinstance(reader, _Ticker) else None

    @property
    def running(self) -> bool:
        """True while the source is open (or being reopened)."""
        return self._reader is not None

    # ----------------------------------------------------------------- status

    @property
    def probing(self) -> bool:
        """True while a status probe has the source open (videostatus asked)."""
        return self._probe is not None and not self._probe.done()

    def start_probe(self) -> None:
        """Find out in the background whether the source gives video (for videostatus)."""
        if self._always_video or self.closed:
            return
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(self._run_probe())

    async def _run_probe(self) -> None:
        try:
            ok = await asyncio.wait_for(asyncio.to_thread(self._probe_once), PROBE_TIMEOUT)
        except TimeoutError:
            ok = False
        if self._reader is None or self._status is None:  # a running reader knows better
            self._set_status(VideoStatus.VIDEO if ok else VideoStatus.NO_VIDEO)

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
        """``video`` or ``no video``: what the running source delivers, else what a probe
        finds: the first one (awaited), or a new one when the last status is older than
        STATUS_MAX_AGE (awaited at most REFRESH_WAIT; the previous status answers meanwhile).
        Nothing probes a source before someone asks."""
        stale = time.monotonic() - self._status_at > STATUS_MAX_AGE
        if self._reader is None and (self._status is None or stale):
            self.start_probe()
        probe = self._probe
        if self._reader is None and probe is not None and not probe.done():
            # asyncio.wait neither cancels the probe on a timeout nor when this request ends.
            await asyncio.wait({probe}, timeout=None if self._status is None else REFRESH_WAIT)
        return self._status or VideoStatus.NO_VIDEO

    def _set_status(self, status: VideoStatus) -> None:
        if self._status is not status:
            _LOGGER.info("Camera %d: %s", self.number, status)
        self._status, self._status_at = status, time.monotonic()

    # ----------------------------------------------------------------- reader thread

    def _start_reader(self) -> None:
        loop = asyncio.get_running_loop()
        source = self._factory()  # making one opens nothing
        if isinstance(source, ComputedSource):
            self._reader = _Ticker(self, source, loop)
            return
        reader = _Reader(self, loop)
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
            reader.halt()
        self.latest = None  # a later viewer must not get a stale picture

    def _deliver(self, reader: _Reader | _Ticker, planes: Picture, status: VideoStatus) -> None:
        """Runs on the event loop: publish what the reader produced."""
        if reader is not self._reader or self.closed:
            return  # a reader that was stopped meanwhile
        if not self._always_video:
            self._set_status(status)
        self.publish(planes)

    def close(self) -> None:
        """Stop for good (server shutdown): reader, linger timer and status probe."""
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
        """What viewers see while the source gives nothing (the spec's no-video image)."""
        return self._no_video


class _Ticker:
    """Makes a computed source's pictures on the event loop, one timer per frame.

    A frame that comes late is not caught up (as a reader thread does not); a source that
    raises shows the "no video" picture and is asked again a second later. Each tick first
    releases its :class:`Handover`: the parts encoded of the frame before leave then.
    """

    def __init__(
        self, camera: Camera, source: ComputedSource, loop: asyncio.AbstractEventLoop
    ) -> None:
        self.camera = camera
        self.source = source
        self.loop = loop
        self._interval = 1.0 / source.fps
        #: Where the profiles' parts of one frame wait for the next tick (handover.py).
        self.handover = Handover(loop)
        source.open()
        self._due = loop.time()
        self._handle: asyncio.Handle | None = loop.call_soon(self._tick)

    def _tick(self) -> None:
        camera = self.camera
        self.handover.release()  # the parts of the frame before leave now
        try:
            picture, status, pause = self.source.make(), VideoStatus.VIDEO, 0.0
        except Exception:
            # A bug in a source must not take the camera down with it.
            _LOGGER.exception("Camera %d: source failed", camera.number)
            picture, status, pause = camera.no_video_picture(), VideoStatus.NO_VIDEO, 1.0
        camera._deliver(self, picture, status)
        now = self.loop.time()
        self._due = max(self._due + self._interval, now) + pause
        if self._due - now > MAX_HOLD:
            self.handover.release()  # no tick soon: this frame's parts do not wait for it
        self._handle = self.loop.call_at(self._due, self._tick)

    def halt(self) -> None:
        """Stop making pictures (loop only)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self.handover.close()
        self.source.close()


class _Reader:
    """The loop of one reader thread; ``stop`` (or :meth:`halt`) ends it."""

    def __init__(self, camera: Camera, loop: asyncio.AbstractEventLoop) -> None:
        self.camera = camera
        self.loop = loop
        self.stop = threading.Event()

    def halt(self) -> None:
        """Ask the thread to end (it does after the read in progress)."""
        self.stop.set()

    def _post(self, planes: Picture, status: VideoStatus) -> bool:
        try:
            self.loop.call_soon_threadsafe(self.camera._deliver, self, planes, status)
        except RuntimeError:  # the loop is closed: the server is gone
            self.stop.set()
            return False
        return True

    def run(self) -> None:
        camera = self.camera
        backoff = Backoff()
        while not self.stop.is_set():
            source = camera._factory()
            first_picture: float | None = None
            try:
                source.open()
                while not self.stop.is_set():
                    if not self._post(source.read(), VideoStatus.VIDEO):
                        return
                    if first_picture is None:
                        first_picture = time.monotonic()
            except SourceUnavailable as err:
                _LOGGER.warning("Camera %d: %s", camera.number, err)
            except Exception:
                # A bug in a source must not take the camera down with it.
                _LOGGER.exception("Camera %d: source failed", camera.number)
            finally:
                source.close()
            if self.stop.is_set():
                return
            ran_for = 0.0 if first_picture is None else time.monotonic() - first_picture
            delay = backoff.delay(ran_for)
            _LOGGER.info("Camera %d: reopening the source in %.0f s", camera.number, delay)
            deadline = time.monotonic() + delay
            while not self.stop.is_set():
                if not self._post(camera.no_video_picture(), VideoStatus.NO_VIDEO):
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.stop.wait(min(1.0, remaining))
