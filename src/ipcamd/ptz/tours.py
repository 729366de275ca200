"""Guard tours: ``GuardTour.G<n>`` groups that visit presets with dwell times, in a loop.

A tour runs while its ``Running`` parameter is ``yes``: ``ptz.cgi?tour=on&tournum=<n>`` sets
it, ``tour=off`` or any manual move of the tour's camera clears it, and so does
``param.cgi?action=update&GuardTour.G0.Running=no``; a tour left running is resumed at the
next start, as the parameter says. Its stops are the ``GuardTour.G<n>.Tour.T<m>`` groups in
order of their ``Position``: go to preset ``PresetNbr`` (of the tour's ``CamNbr``) at
``MoveSpeed``, wait ``WaitTime`` seconds (or minutes), next; ``RandomEnabled`` shuffles each
round and ``TimeBetweenSequences`` pauses between rounds. Each running tour is one loop task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ipcamd.access import AccessLevel
from ipcamd.errors import IpcamdError, NotFound
from ipcamd.params.schema import split_instance
from ipcamd.params.selection import natural_key
from ipcamd.params.store import ParamChange, ParamStore
from ipcamd.ptz.driver import Position
from ipcamd.ptz.presets import Presets

_LOGGER = logging.getLogger(__name__)

PARENT = "GuardTour"
#: The shortest wait at a stop, so a tour of zero wait times still lets others run.
MIN_DWELL = 0.05
#: Seconds a tour waits before it tries a head that could not be moved again.
RETRY = 5.0

#: ``go(camera, position, speed)``: move a camera as a tour does (stops its continuous move).
Go = Callable[[int, Position, int], Awaitable[None]]


@dataclass(frozen=True)
class Stop:
    """One stop of a tour."""

    preset: int
    speed: int
    wait: float


class Tours:
    """Runs the guard tours whose ``Running`` is ``yes`` (loop-only)."""

    def __init__(self, params: ParamStore, presets: Presets, go: Go, cameras: set[int]) -> None:
        self._params = params
        self._presets = presets
        self._go = go
        self._cameras = cameras
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        """Follow ``GuardTour`` changes and start the tours left running."""
        self._unsubscribe = self._params.subscribe(PARENT, self._on_change)
        self._reconcile()

    async def stop(self) -> None:
        """Stop every tour's task (their ``Running`` stays as it is, for the next start)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        for path in list(self._tasks):
            await self._cancel(path)

    def path(self, number: int) -> str:
        """``GuardTour.G<number>``; NotFound when it does not exist."""
        path = f"{PARENT}.G{number}"
        if path not in self._params.instances(PARENT):
            raise NotFound(f"No guard tour {number} (GuardTour.G{number})")
        return path

    def camera_of(self, path: str) -> int:
        """The camera a tour moves."""
        return self._params.get_int(f"{path}.CamNbr")

    def running(self, camera: int) -> list[str]:
        """The tours running on ``camera``."""
        return [p for p in self._tasks if self._params.get(f"{p}.CamNbr") == str(camera)]

    async def set_running(self, path: str, on: bool, user: str | None) -> None:
        """Switch a tour on or off through its ``Running`` parameter (the unit's own change)."""
        await self._params.async_update(
            [(f"{path}.Running", "yes" if on else "no")], AccessLevel.ROOT, user
        )

    async def halt(self, camera: int, user: str | None) -> None:
        """A manual move of ``camera``: its running tours stop, now."""
        for path in self.running(camera):
            await self._cancel(path)
            await self.set_running(path, False, user)

    def _on_change(self, _change: ParamChange) -> None:
        self._reconcile()

    def _reconcile(self) -> None:
        tours = set(self._params.instances(PARENT))
        for path in list(self._tasks):
            if path not in tours or self._params.get(f"{path}.Running") != "yes":
                task = self._tasks.pop(path)
                task.cancel()
        for path in tours:
            if path in self._tasks or self._params.get(f"{path}.Running") != "yes":
                continue
            if self.camera_of(path) not in self._cameras:
                _LOGGER.warning(
                    "Guard tour %s: camera %s has no PTZ driver", path, self.camera_of(path)
                )
                continue
            self._tasks[path] = asyncio.create_task(self._run(path), name=f"ptz tour {path}")

    async def _cancel(self, path: str) -> None:
        task = self._tasks.pop(path, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def stops(self, path: str) -> list[Stop]:
        """The tour's stops in order (``Position``, then group number)."""
        entries = []
        for entry in sorted(self._params.instances(f"{path}.Tour"), key=natural_key):
            values = self._params.group(entry)
            unit = 60 if values["WaitTimeViewType"] == "Minutes" else 1
            parts = split_instance(entry)
            index = parts[2] if parts else 0
            entries.append(
                (
                    int(values["Position"]),
                    index,
                    Stop(
                        int(values["PresetNbr"]),
                        int(values["MoveSpeed"]),
                        int(values["WaitTime"]) * unit,
                    ),
                )
            )
        return [stop for _, _, stop in sorted(entries, key=lambda e: (e[0], e[1]))]

    async def _run(self, path: str) -> None:
        camera = self.camera_of(path)
        _LOGGER.info("Guard tour %s started on camera %d", path, camera)
        try:
            while True:
                stops = self.stops(path)
                if self._params.get(f"{path}.RandomEnabled") == "yes":
                    random.shuffle(stops)
                visited = 0
                for stop in stops:
                    try:
                        preset = self._presets.find(camera, number=stop.preset)
                    except NotFound:
                        _LOGGER.warning(
                            "Guard tour %s: preset %d does not exist", path, stop.preset
                        )
                        continue
                    try:
                        await self._go(camera, preset.position, stop.speed)
                    except IpcamdError as err:  # a head that went away: try again later
                        _LOGGER.warning("Guard tour %s: %s", path, err)
                        await asyncio.sleep(RETRY)
                        continue
                    visited += 1
                    await asyncio.sleep(max(stop.wait, MIN_DWELL))
                pause = self._params.get_int(f"{path}.TimeBetweenSequences")
                await asyncio.sleep(max(pause, MIN_DWELL if visited else 1.0))
        finally:
            _LOGGER.info("Guard tour %s stopped", path)
