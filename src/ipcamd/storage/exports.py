"""The exports running now: planning one, starting its thread, ending it (loop only).

Each export is an :class:`~ipcamd.storage.export.Export` (a thread and a pipe); this registry
bounds how many run at once, tells cleanup which recordings to leave alone, and ends them when a
recording is removed, the disk formatted or the unit stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial

from ipcamd.db import Database
from ipcamd.errors import NotFound, Unavailable
from ipcamd.storage import index
from ipcamd.storage.disk import Disk
from ipcamd.storage.export import (
    Export,
    ExportPart,
    ExportPlan,
    first_time,
    plan,
    readable_length,
)
from ipcamd.storage.matroska import part_path
from ipcamd.storage.model import Recording, RecordingStatus
from ipcamd.storage.recorder import Recorder

#: How many exports may run at once.
MAX_EXPORTS = 4


class Exports:
    """The running exports of one disk."""

    def __init__(
        self,
        db: Database,
        disk: Disk,
        recorder: Recorder,
        recording: Callable[[str], Awaitable[Recording]],
    ) -> None:
        self._db = db
        self._disk = disk
        self._recorder = recorder
        self._recording = recording
        self._running: dict[Export, None] = {}

    def ids(self) -> set[str]:
        """Recordings being exported now (cleanup leaves them alone)."""
        return {export.plan.recording.id for export in self._running}

    async def plan(
        self,
        recording_id: str,
        start: float | None,
        stop: float | None,
        filename: str | None,
    ) -> ExportPlan:
        """What an export of the recording (between ``start`` and ``stop``) would copy.

        Raises NotFound, InvalidParameter (a range without video), Unavailable (busy).
        """
        recording = await self._recording(recording_id)
        if len(self._running) >= MAX_EXPORTS:
            raise Unavailable(f"{MAX_EXPORTS} exports are running; try again later")
        segments = await self._db.async_call(partial(index.segments, rid=recording_id))
        parts = [
            ExportPart(
                self._disk.segment_path(recording_id, s.seq), s.start, s.stop, s.frames, size=s.size
            )
            for s in segments
        ]
        active = recording_id in self._recorder.sessions
        if active and recording.status is RecordingStatus.ACTIVE:
            parts += await asyncio.to_thread(self._open_part, recording_id, len(segments) + 1)
        if not parts:
            raise NotFound(f"Recording {recording_id} holds no video yet")
        return await asyncio.to_thread(plan, recording, parts, start, stop, filename)

    def _open_part(self, recording_id: str, seq: int) -> list[ExportPart]:
        """The segment an active recording is writing, as far as it is whole (thread)."""
        path = part_path(self._disk.segment_path(recording_id, seq))
        length = readable_length(path)
        if length is None:
            return []
        start = first_time(path, length)
        return [] if start is None else [ExportPart(path, start, length=length, size=length)]

    def open(self, export: ExportPlan) -> Export:
        """Start making the file of ``export``; iterate ``.pipe.chunks()``, then :meth:`close`."""
        running = Export(export, f"ipcamd-export-{export.recording.id[:8]}")
        self._running[running] = None
        running.start()
        return running

    async def close(self, running: Export) -> None:
        """End an export (finished or not) and wait for its thread."""
        running.close()
        await running.wait()
        self._running.pop(running, None)

    def close_all(self, recording_id: str | None = None) -> None:
        """End every export (of one recording): their downloads are cut."""
        for export in list(self._running):
            if recording_id is None or export.plan.recording.id == recording_id:
                export.close()

    async def wait_all(self) -> None:
        """Until every export's thread has ended."""
        await asyncio.gather(*(export.wait() for export in list(self._running)))
