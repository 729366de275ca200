"""What the storage service does by itself: continuous recordings and cleanup.

One task on the event loop, woken at once by anything that may change what should happen (a
``Storage`` or ``Recording`` parameter, a recording that ended, a removal, a mount) and at least
once a second otherwise:

- each camera with ``Recording.Continuous.I<n>.Enabled=yes`` records while its channel is on
  and the disk takes recordings; a recording that stopped (the disk full, unmounted, locked,
  the camera switched off) starts again, as a new recording, once that is over; new options
  restart it;
- fifo cleanup runs when the disk is above its cleanup level, and by age once a minute;
- pre-trigger buffers whose camera went away are opened again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from ipcamd.errors import IpcamdError
from ipcamd.events import RecordingType
from ipcamd.params.store import ParamChange, ParamStore
from ipcamd.storage.options import parse_options
from ipcamd.storage.recorder import RecordingRequest
from ipcamd.storage.service import StorageService

_LOGGER = logging.getLogger(__name__)

#: Seconds between two rounds when nothing wakes the loop.
INTERVAL = 1.0
#: Seconds between two cleanups by age.
AGE_INTERVAL = 60.0
#: The event id of continuous recordings (Axis's default for them).
CONTINUOUS_EVENT = "continuous"


@dataclass(frozen=True, slots=True)
class _Running:
    recording_id: str
    options: dict[str, str]


class Maintenance:
    """The storage service's own work, one round at a time."""

    def __init__(self, service: StorageService, params: ParamStore, cameras: int) -> None:
        self._service = service
        self._params = params
        self._cameras = cameras
        self._wake = asyncio.Event()
        self._continuous: dict[int, _Running] = {}
        self._problems: dict[int, str] = {}
        self._last_age = float("-inf")
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe = params.subscribe("", self._on_params)
        service.on_change = self.wake

    def start(self) -> None:
        """Start the loop (after the service started)."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="storage")

    async def stop(self) -> None:
        """End the loop (before the service stops)."""
        self._unsubscribe()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def wake(self) -> None:
        """Run a round now."""
        self._wake.set()

    def _on_params(self, change: ParamChange) -> None:
        if change.touches("Storage"):
            self._last_age = float("-inf")  # new rules apply by age at once
        if change.touches("Recording") or change.touches("Storage") or change.touches("Image"):
            self.wake()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.round()
            except Exception:
                _LOGGER.exception("Storage maintenance failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), INTERVAL)

    async def round(self) -> None:
        """One round: continuous recordings, cleanup, pre-trigger buffers."""
        by_age = time.monotonic() - self._last_age >= AGE_INTERVAL
        if by_age:
            self._last_age = time.monotonic()
        await self._service.cleanup(by_age)
        for camera in range(1, self._cameras + 1):
            await self._keep_continuous(camera)
        self._service.recorder.reopen_held()

    async def _keep_continuous(self, camera: int) -> None:
        prefix = f"Recording.Continuous.I{camera - 1}"
        wanted = self._params.get_bool(f"{prefix}.Enabled")
        try:
            options = parse_options(self._params.get(f"{prefix}.Options"))
        except IpcamdError:
            options = {}  # a value an older schema accepted: the camera's own settings
        running = self._continuous.get(camera)
        if running is not None and running.recording_id not in self._service.recorder.sessions:
            del self._continuous[camera]
            running = None
        if running is not None and (not wanted or running.options != options):
            del self._continuous[camera]
            await self._service.recorder.stop(running.recording_id)
            running = None
        if running is not None or not wanted:
            if not wanted:
                self._problems.pop(camera, None)
            return
        problem = None
        if not self._params.get_bool(f"Image.I{camera - 1}.Enabled"):
            problem = f"camera {camera} is disabled"
        else:
            try:
                recording = await self._service.start_recording(
                    RecordingRequest(camera, RecordingType.CONTINUOUS, CONTINUOUS_EVENT, options)
                )
            except IpcamdError as err:
                problem = str(err)
        if problem is not None:
            if self._problems.get(camera) != problem:
                self._problems[camera] = problem
                _LOGGER.warning("Continuous recording of camera %s waits: %s", camera, problem)
            return
        if self._problems.pop(camera, None) is not None:
            _LOGGER.info("Continuous recording of camera %s resumed", camera)
        self._continuous[camera] = _Running(recording.id, options)
