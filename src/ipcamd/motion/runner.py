"""Motion detection on one camera: an internal consumer of its grey pictures while it has an
include window.

The runner takes the camera's small grey pictures at the analysis rate (never counted as a
viewer), measures them in the motion thread pool (numpy, off the event loop) and, back on the
loop, publishes a :class:`~ipcamd.events.MotionLevel` per include window and a
:class:`~ipcamd.events.MotionState` whenever a window's state changes (and once when a window
appears). A window that goes away has an active state ended, then its state forgotten.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import Executor
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ipcamd.errors import NotFound, StreamClosed
from ipcamd.events import EventBus, MotionLevel, MotionState
from ipcamd.motion.detector import FEED_SIZE, BackgroundDetector, Detector
from ipcamd.motion.hysteresis import Hysteresis
from ipcamd.motion.streams import Probe
from ipcamd.motion.windows import MotionWindow
from ipcamd.notices import OncePer

_LOGGER = logging.getLogger(__name__)
#: Seconds between two log lines about a picture that could not be measured.
FAILURE_LOG_INTERVAL = 60.0


class Picture(Protocol):
    """One grey picture of a camera, as the video pipeline hands it out."""

    @property
    def seq(self) -> int:
        """The camera view's frame number."""

    @property
    def time(self) -> float:
        """When it was captured (wall-clock seconds)."""

    @property
    def pixels(self) -> npt.NDArray[np.uint8]:
        """(height, width) luma."""


class Feed(Protocol):
    """A camera's grey pictures, newest first (``VideoService.open_frames`` makes them)."""

    async def next(self) -> Picture:
        """The next picture; raises StreamClosed at shutdown, Disabled for a channel off."""

    def close(self) -> None:
        """Detach from the camera."""


class OpenFrames(Protocol):
    """``VideoService.open_frames``, as the device hands it to the motion service."""

    def __call__(self, camera: str, *, name: str, size: tuple[int, int], fps: float) -> Feed:
        """An internal consumer's feed of ``camera`` (NotFound, Disabled when it has none)."""


def measure(
    detector: Detector,
    picture: Picture,
    histories: Collection[int],
    window_sets: Sequence[Sequence[MotionWindow]],
) -> list[list[int]]:
    """Runs in the motion thread pool: one picture in, the levels of each window set out."""
    detector.update(picture.pixels, picture.time, histories)
    return [detector.levels(windows) for windows in window_sets]


class CameraMotion:
    """The detector of camera ``camera`` (1-based) and the state of its windows."""

    def __init__(
        self,
        camera: int,
        *,
        open_frames: OpenFrames,
        executor: Executor,
        bus: EventBus,
        fps: float,
        windows: Callable[[int], list[MotionWindow]],
        probes: Callable[[], Iterable[Probe]],
        detector: Callable[[], Detector] = BackgroundDetector,
    ) -> None:
        self.camera = camera
        self._open_frames = open_frames
        self._executor = executor
        self._bus = bus
        self._fps = fps
        self._windows = windows
        self._probes = probes
        self._detector = detector
        self._states: dict[int, Hysteresis] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failures = OncePer(FAILURE_LOG_INTERVAL)
        #: Pictures measured since the runner started (diagnostics, benchmarks).
        self.analysed = 0

    @property
    def running(self) -> bool:
        """True until :meth:`stop` (or the unit's shutdown) ended the runner."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start taking pictures (loop only)."""
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"motion camera {self.camera}"
        )
        _LOGGER.info("Motion detection on camera %d started", self.camera)

    def configuration_changed(self) -> None:
        """Look again at the camera (a channel switched back on) and the windows."""
        self._changed.set()

    def stop_soon(self) -> asyncio.Task[None] | None:
        """Stop taking pictures (loop only): every window's state ends now (active ones become
        inactive); returns the runner's task, which ends once its feed is closed."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            _LOGGER.info("Motion detection on camera %d stopped", self.camera)
        self._retire(list(self._states))
        return task

    async def stop(self) -> None:
        """:meth:`stop_soon`, and wait until the runner has let go of the camera."""
        task = self.stop_soon()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            self._changed.clear()
            try:
                feed = self._open_frames(
                    str(self.camera), name=f"motion {self.camera}", size=FEED_SIZE, fps=self._fps
                )
            except StreamClosed:
                return
            except NotFound:  # the channel is switched off: wait until something changes
                await self._changed.wait()
                continue
            try:
                if await self._follow(feed):
                    return
            finally:
                feed.close()
            await self._changed.wait()

    async def _follow(self, feed: Feed) -> bool:
        """Analyse the feed's pictures until it ends: False when the channel was switched
        off (NotFound), True when the unit shuts down."""
        detector = self._detector()
        while True:
            try:
                picture = await feed.next()
            except NotFound:
                return False
            except StreamClosed:
                return True
            try:
                await self._analyse(detector, picture)
            except Exception:
                # A bug in a detector must not end motion detection: the next picture is tried.
                if self._failures.due(self.camera):
                    _LOGGER.exception("Motion detection on camera %d failed", self.camera)

    async def _analyse(self, detector: Detector, picture: Picture) -> None:
        windows = self._windows(self.camera)
        includes = [w for w in windows if w.include]
        probed = [(probe, probe.windows(windows)) for probe in self._probes()]
        histories = {w.history for w in includes}
        histories.update(w.history for _, ws in probed for w in ws if w.include)
        loop = asyncio.get_running_loop()
        results = await loop.run_in_executor(
            self._executor,
            measure,
            detector,
            picture,
            histories,
            [windows, *(ws for _, ws in probed)],
        )
        self.analysed += 1
        self._publish(includes, results[0])
        for (probe, probe_windows), levels in zip(probed, results[1:], strict=True):
            measured = [w for w in probe_windows if w.include]
            probe.publish(
                [
                    MotionLevel(self.camera, w.number, level, w.threshold)
                    for w, level in zip(measured, levels, strict=True)
                ]
            )

    def _publish(self, includes: Sequence[MotionWindow], levels: Sequence[int]) -> None:
        """Levels, then state changes, of one picture (all on the loop, in one go)."""
        self._retire([n for n in self._states if n not in {w.number for w in includes}])
        for window, level in zip(includes, levels, strict=True):
            self._bus.publish(MotionLevel(self.camera, window.number, level, window.threshold))
        for window, level in zip(includes, levels, strict=True):
            state = self._states.get(window.number)
            if state is None:
                state = self._states[window.number] = Hysteresis()
                self._bus.publish(MotionState(self.camera, window.number, active=False))
            if state.update(level, window.threshold):
                self._bus.publish(MotionState(self.camera, window.number, state.active))

    def _retire(self, numbers: Sequence[int]) -> None:
        """Windows gone from this camera: an active state ends, then the state is forgotten."""
        for number in numbers:
            state = self._states.pop(number)
            if state.active:
                self._bus.publish(MotionState(self.camera, number, active=False))
            self._bus.forget(MotionState, (self.camera, number))
