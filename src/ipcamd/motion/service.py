"""The motion service: the unit's motion windows, a detector per camera that has an include
window, and the streams of ``motiondata.cgi``.

Windows are the ``Motion.M<n>`` groups of the parameter store (the service follows their
changes); a camera is analysed only while at least one include window names it, so a unit
without windows takes no picture for motion at all. The levels and states go out on the
device's event bus; a ``motiondata.cgi`` stream reads them there, or, with overrides, from a
probe of its own (:mod:`ipcamd.motion.streams`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import MappingProxyType

from ipcamd.errors import Busy, InvalidParameter
from ipcamd.events import EventBus, MotionLevel
from ipcamd.motion.runner import CameraMotion, OpenFrames
from ipcamd.motion.streams import STREAM_QUEUE, LevelStream, Probe, Selection
from ipcamd.motion.windows import OVERRIDABLE, MotionWindow
from ipcamd.params.plans import validated
from ipcamd.params.schema import split_instance
from ipcamd.params.store import ParamChange, ParamStore

#: The template of the windows (``param.cgi?action=add&group=Motion&template=motion``).
TEMPLATE = "motion"
PARENT = "Motion"


class MotionService:
    """Motion windows → detectors → levels and states on the bus → motiondata.cgi streams."""

    def __init__(
        self,
        params: ParamStore,
        bus: EventBus,
        open_frames: OpenFrames,
        *,
        cameras: int,
        fps: float,
        max_clients: int,
    ) -> None:
        self._params = params
        self._bus = bus
        self._open_frames = open_frames
        self._cameras = cameras
        self._fps = fps
        #: How many motiondata.cgi streams may run at once (0: no limit).
        self.max_clients = max_clients
        self._executor: ThreadPoolExecutor | None = None
        self._runners: dict[int, CameraMotion] = {}
        self._probes: dict[Probe, None] = {}
        self._streams: dict[LevelStream, None] = {}
        self._windows: list[MotionWindow] = []
        self._unsubscribe: list[Callable[[], None]] = []
        self._stopping: set[asyncio.Task[None]] = set()
        self._started = False

    # ----------------------------------------------------------------- lifetime

    async def start(self) -> None:
        """Follow the windows (and the cameras' Enabled switches); start the detectors due."""
        self._executor = ThreadPoolExecutor(
            max_workers=self._cameras, thread_name_prefix="ipcamd-motion"
        )
        self._unsubscribe = [
            self._params.subscribe(PARENT, self._on_change),
            self._params.subscribe("Image", self._on_change),
        ]
        self._started = True
        self._reload()

    async def stop(self) -> None:
        """Stop every detector (their windows' states end) and every stream."""
        self._started = False
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        runners, self._runners = list(self._runners.values()), {}
        await asyncio.gather(*(runner.stop() for runner in runners))
        await asyncio.gather(*self._stopping, return_exceptions=True)
        for probe in list(self._probes):
            probe.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    # ----------------------------------------------------------------- windows

    def windows(self) -> list[MotionWindow]:
        """Every motion window, include and exclude, in window order."""
        return list(self._windows)

    def analysed_cameras(self) -> list[int]:
        """The cameras a detector runs on now."""
        return sorted(self._runners)

    def _camera_windows(self, camera: int) -> list[MotionWindow]:
        return [w for w in self._windows if w.camera == camera]

    def _read_windows(self) -> list[MotionWindow]:
        windows = []
        for path in self._params.instances(PARENT):
            parts = split_instance(path)
            if parts is None or self._params.template_of(path) != TEMPLATE:
                continue
            windows.append(MotionWindow.from_values(parts[2], self._params.group(path)))
        return windows

    def _on_change(self, _change: ParamChange) -> None:
        self._reload()

    def _reload(self) -> None:
        """Windows as the store holds them now: detectors start and stop to match."""
        if not self._started:
            return
        assert self._executor is not None
        self._windows = self._read_windows()
        wanted = {w.camera for w in self._windows if w.include}
        for camera in sorted(set(self._runners) - wanted):
            task = self._runners.pop(camera).stop_soon()
            if task is not None:
                self._stopping.add(task)
                task.add_done_callback(self._stopping.discard)
        for camera in sorted(wanted - set(self._runners)):
            runner = CameraMotion(
                camera,
                open_frames=self._open_frames,
                executor=self._executor,
                bus=self._bus,
                fps=self._fps,
                windows=self._camera_windows,
                probes=self._probes.keys,
            )
            self._runners[camera] = runner
            runner.start()
        for runner in self._runners.values():
            runner.configuration_changed()
        for stream in list(self._streams):
            stream.refresh()

    # ----------------------------------------------------------------- motiondata.cgi

    def select(
        self, groups: Iterable[int] | None, overrides: Sequence[tuple[str, str]]
    ) -> Selection | None:
        """What a motiondata.cgi stream of windows ``groups`` (None: all) with ``overrides``
        (``("Sensitivity", "50")``…) reports; None when there is no include window to report
        (no window, or only exclude windows: the spec's 204).

        Raises InvalidParameter for an unknown or repeated override, a bad value, a window
        that does not exist, or overrides that turn a window inside out.
        """
        template = self._params.schema.templates[TEMPLATE]
        values: dict[str, str] = {}
        for name, raw in overrides:
            spec = template.param(name) if name in OVERRIDABLE else None
            if spec is None:
                raise InvalidParameter(
                    f"Unknown argument '{name}' (group, {', '.join(OVERRIDABLE)})"
                )
            if name in values:
                raise InvalidParameter(f"Argument '{name}' given more than once")
            values[name] = validated(spec, name, raw)
        includes = [w for w in self._windows if w.include]
        if not includes:
            return None
        chosen = None if groups is None else frozenset(groups)
        numbers = {w.number for w in self._windows}
        for number in sorted(chosen or ()):
            if number not in numbers:
                raise InvalidParameter(f"No motion window {number} (Motion.M{number})")
        selection = Selection(chosen, MappingProxyType(values))
        reported = [w for w in includes if selection.takes(w)]
        for window in reported:
            window.overridden(values)  # raises for overrides this window cannot take
        return selection if reported else None

    @property
    def clients(self) -> int:
        """How many motiondata.cgi streams run now."""
        return len(self._streams)

    def check_capacity(self) -> None:
        """Raise Busy when one more stream would exceed :attr:`max_clients`."""
        if self.max_clients and len(self._streams) >= self.max_clients:
            raise Busy(f"Too many motion data clients (at most {self.max_clients})")

    def open_levels(self, selection: Selection) -> LevelStream:
        """A stream of the levels ``selection`` reports (Busy beyond the client limit)."""
        self.check_capacity()
        probe: Probe | None = None
        if selection.overrides:
            probe = Probe(selection)
            self._probes[probe] = None
            subscription = probe.bus.subscribe(MotionLevel, maxsize=STREAM_QUEUE)
        else:
            groups = selection.groups
            subscription = self._bus.subscribe(
                MotionLevel,
                where=None if groups is None else (lambda e: e.window in groups),
                maxsize=STREAM_QUEUE,
            )

        def release() -> None:
            self._streams.pop(stream, None)
            if probe is not None:
                self._probes.pop(probe, None)
                probe.close()

        def current() -> list[MotionWindow]:
            chosen = [w for w in self._windows if selection.takes(w)]
            return chosen if probe is None else [w for w in probe.windows(chosen) if w.include]

        stream = LevelStream(subscription, current, release)
        self._streams[stream] = None
        return stream
