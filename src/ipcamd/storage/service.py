"""The storage service: the SD_DISK's state, its recordings, and what may be done with them.

What the storage CGIs call (loop only). The disk is mounted when the unit starts (its index
and files reconciled first, :mod:`ipcamd.storage.recovery`); ``umount`` stops the recordings and
makes the disk unavailable until ``mount`` (the recordings stay on it); ``format`` stops them and
deletes everything on the disk, its progress in the system log. Recording needs a mounted disk
that is neither locked (``Storage.S0.Locked``), read-only (``Storage.S0.ReadOnly``, or a
read-only file system) nor full; when one of those changes under a recording, it is stopped.
The maintenance loop (:mod:`ipcamd.storage.maintenance`) applies the cleanup rules and keeps the
continuous recordings going.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from ipcamd.db import Database
from ipcamd.errors import Conflict, IpcamdError, NotFound, Unavailable
from ipcamd.events import EventBus
from ipcamd.params.store import ParamChange, ParamStore
from ipcamd.storage import cleanup, index
from ipcamd.storage.disk import Disk
from ipcamd.storage.exports import Exports
from ipcamd.storage.feeds import FrameSource
from ipcamd.storage.index import RecordingPage, RecordingQuery
from ipcamd.storage.model import (
    DISK_ID,
    CleanupPolicy,
    DiskInfo,
    DiskStatus,
    Recording,
)
from ipcamd.storage.recorder import PreTriggerHold, Recorder, RecordingRequest
from ipcamd.storage.recovery import recover
from ipcamd.storage.writer import StopReason, WriterResult

_LOGGER = logging.getLogger(__name__)

#: Jobs (mount, unmount, format) remembered for ``job.cgi``.
MAX_JOBS = 16


@dataclass(frozen=True, slots=True)
class Job:
    """A disk job as ``job.cgi`` reports it (jobs run to completion before their CGI answers)."""

    jobid: int
    action: str
    progress: int
    error: str = ""


@dataclass(frozen=True, slots=True)
class DeviceTime:
    """The device clock as storage needs it: a host timestamp in device time, and an instant
    (device time) in the device's local time zone."""

    from_host: Callable[[float], float]
    local: Callable[[float], datetime]
    now: Callable[[], float]


class StorageService:
    """The SD_DISK and its recordings."""

    def __init__(
        self,
        *,
        params: ParamStore,
        db: Database,
        bus: EventBus,
        disk: Disk,
        source: FrameSource,
        clock: DeviceTime,
        node: int,
    ) -> None:
        self.params = params
        self.db = db
        self.disk = disk
        self.clock = clock
        self.recorder = Recorder(
            db=db,
            disk=disk,
            bus=bus,
            source=source,
            device_time=clock.from_host,
            device_now=clock.now,
            split=lambda: float(params.get_int("Recording.DefaultSplitDuration")),
            node=node,
            on_end=self._recording_ended,
        )
        self.mounted = False
        self.failed = ""
        self.formatting = False
        #: A read-only file system, found when the disk was mounted.
        self.fs_readonly = False
        self._ops = asyncio.Lock()
        #: The exports running now.
        self.exports = Exports(db, disk, self.recorder, self.recording)
        self._jobs: dict[int, Job] = {}
        self._next_job = 1
        #: Called after anything that may let recording resume or call for cleanup.
        self.on_change: Callable[[], None] = lambda: None
        self._unsubscribe = params.subscribe("Storage", self._on_params)

    # ------------------------------------------------------------------ lifetime

    async def start(self) -> None:
        """Create the index tables and mount the disk."""
        await self.db.async_call(index.create_tables)
        await self._mount()

    async def stop(self) -> None:
        """Stop the exports and the recordings (their files completed and indexed)."""
        self._unsubscribe()
        self.exports.close_all()
        await self.recorder.close()
        await self.exports.wait_all()

    # ------------------------------------------------------------------ the disk

    def setting(self, name: str) -> str:
        """A ``Storage.S0`` parameter."""
        return self.params.get(f"Storage.S0.{name}")

    @property
    def locked(self) -> bool:
        """``Storage.S0.Locked``: nothing may be written or removed."""
        return self.setting("Locked") == "yes"

    @property
    def readonly(self) -> bool:
        """The write-protect switch, or a read-only file system."""
        return self.setting("ReadOnly") == "yes" or self.fs_readonly

    @property
    def status(self) -> DiskStatus:
        """What ``list.cgi`` says of the disk."""
        if self.failed:
            return DiskStatus.FAILED
        if not self.mounted or self.formatting:
            return DiskStatus.CONNECTED
        return DiskStatus.OK

    def disk_info(self) -> DiskInfo:
        """The ``<disk>`` of ``list.cgi`` (sizes 0 while the disk is not mounted)."""
        available = self.status is DiskStatus.OK
        usage = self.disk.usage() if available else None
        return DiskInfo(
            diskid=DISK_ID,
            total_kb=usage.total // 1024 if usage else 0,
            free_kb=usage.free // 1024 if usage else 0,
            cleanup_level=int(self.setting("CleanupLevel")),
            cleanup_max_age=int(self.setting("CleanupMaxAge")),
            cleanup_policy=CleanupPolicy(self.setting("CleanupPolicyActive")),
            locked=self.locked,
            full=bool(usage and usage.full),
            readonly=self.readonly,
            status=self.status,
        )

    def check_writable(self) -> None:
        """Raise Unavailable unless recordings may be written, Conflict when locked."""
        if self.status is not DiskStatus.OK:
            raise Unavailable(f"{DISK_ID} is not mounted")
        if self.locked:
            raise Conflict(f"{DISK_ID} is locked")
        if self.readonly:
            raise Conflict(f"{DISK_ID} is read-only")

    def check_recordable(self) -> None:
        """:meth:`check_writable`, and room for a recording."""
        self.check_writable()
        if self.disk.usage().full:
            raise Unavailable(f"{DISK_ID} is full")

    def _on_params(self, change: ParamChange) -> None:
        if self.locked or self.readonly:
            reason = "locked" if self.locked else "read-only"
            if self.recorder.sessions:
                _LOGGER.info("%s is %s: its recordings stop", DISK_ID, reason)
            asyncio.get_running_loop().create_task(
                self.recorder.stop_all(StopReason.DISK_UNAVAILABLE)
            )
        self.on_change()

    async def _mount(self) -> None:
        try:
            await asyncio.to_thread(self.disk.prepare)
            self.fs_readonly = not await asyncio.to_thread(self.disk.writable)
            if not self.fs_readonly:
                await asyncio.to_thread(recover, self.disk, self.db)
        except OSError as err:
            self.failed = str(err)
            self.mounted = False
            _LOGGER.error("%s cannot be used: %s", DISK_ID, err)  # noqa: TRY400
            return
        self.failed = ""
        self.mounted = True
        self.on_change()

    def _job(self, action: str, error: str = "") -> Job:
        job = Job(self._next_job, action, 100, error)
        self._next_job += 1
        self._jobs[job.jobid] = job
        while len(self._jobs) > MAX_JOBS:
            del self._jobs[min(self._jobs)]
        return job

    def job(self, jobid: int) -> Job:
        """A job by its id; NotFound for one this unit does not remember."""
        try:
            return self._jobs[jobid]
        except KeyError as err:
            raise NotFound(f"No job {jobid}") from err

    async def mount(self) -> Job:
        """Mount the disk (nothing to do when it is mounted)."""
        async with self._ops:
            if not self.mounted:
                await self._mount()
                _LOGGER.info("%s mounted", DISK_ID)
            if self.failed:
                raise Unavailable(f"{DISK_ID} cannot be mounted: {self.failed}")
        return self._job("mount")

    async def unmount(self) -> Job:
        """Stop the recordings and make the disk unavailable; its recordings stay on it."""
        async with self._ops:
            if self.mounted:
                self.mounted = False
                await self.recorder.stop_all(StopReason.DISK_UNAVAILABLE)
                _LOGGER.info("%s unmounted", DISK_ID)
        return self._job("unmount")

    async def format(self) -> Job:
        """Stop the recordings, delete everything on the disk, mount it again, empty."""
        async with self._ops:
            if self.status is not DiskStatus.OK and not self.failed:
                raise Unavailable(f"{DISK_ID} is not mounted")
            if self.locked:
                raise Conflict(f"{DISK_ID} is locked")
            if self.readonly:
                raise Conflict(f"{DISK_ID} is read-only")
            self.formatting = True
            try:
                self.exports.close_all()
                await self.recorder.stop_all(StopReason.DISK_UNAVAILABLE)
                _LOGGER.info("Formatting %s", DISK_ID)
                await asyncio.to_thread(self.disk.erase, self._format_progress)
                await self.db.async_call(self.db.transaction(index.clear))
            except OSError as err:
                _LOGGER.error("Formatting %s failed: %s", DISK_ID, err)  # noqa: TRY400
                raise Unavailable(f"Formatting {DISK_ID} failed: {err}") from err
            finally:
                self.formatting = False
            _LOGGER.info("%s formatted", DISK_ID)
            await self._mount()
        return self._job("format")

    @staticmethod
    def _format_progress(done: int, total: int) -> None:
        """Log each tenth of the way (called from the formatting thread)."""
        if total and (done * 10 // total) != ((done - 1) * 10 // total):
            _LOGGER.info("Formatting %s: %s%%", DISK_ID, done * 100 // total)

    # ------------------------------------------------------------------ recordings

    async def recordings(self, query: RecordingQuery) -> RecordingPage:
        """The recordings ``query`` asks for (none while the disk is not mounted)."""
        if self.status is not DiskStatus.OK:
            return RecordingPage([], 0, 0)
        return await self.db.async_call(partial(index.query, wanted=query))

    async def recording(self, recording_id: str) -> Recording:
        """One recording of the mounted disk; NotFound otherwise."""
        found = None
        if self.status is DiskStatus.OK:
            found = await self.db.async_call(partial(index.get, rid=recording_id))
        if found is None:
            raise NotFound(f"No recording {recording_id}")
        return found

    async def start_recording(self, request: RecordingRequest) -> Recording:
        """Start a recording (the event engine's call, and ``record.cgi``'s).

        Raises Unavailable (disk not mounted or full), Conflict (locked, read-only), NotFound
        (no such camera), Disabled, InvalidParameter (bad options).
        """
        self.check_recordable()
        return await self.recorder.start(request)

    async def stop_recording(self, recording_id: str) -> Recording:
        """Stop an active recording; NotFound for a recording that is not active."""
        if await self.recorder.stop(recording_id) is None:
            raise NotFound(f"No active recording {recording_id}")
        return await self.recording(recording_id)

    def hold_pre_trigger(
        self, camera: int, seconds: float, options: dict[str, str] | None = None
    ) -> PreTriggerHold:
        """Keep ``camera``'s last ``seconds`` in memory for triggered recordings' pre-trigger
        part (see :meth:`Recorder.hold`)."""
        return self.recorder.hold(camera, seconds, options)

    async def set_locked(self, recording_id: str, locked: bool) -> None:
        """Lock a recording (no cleanup or removal touches it) or unlock it."""
        await self.recording(recording_id)
        await self.db.async_call(partial(index.set_locked, rid=recording_id, locked=locked))

    def _recording_ended(self, _recording: Recording, result: WriterResult) -> None:
        if result.frames == 0:
            asyncio.get_running_loop().create_task(self._drop_empty(result.recording_id))
        self.on_change()

    async def _drop_empty(self, recording_id: str) -> None:
        """A recording that never got a frame is not kept."""
        async with self._ops:
            await self.db.async_call(partial(index.delete, rids=[recording_id]))
            await asyncio.to_thread(self.disk.remove_recording, recording_id)

    async def remove(self, ids: list[str] | None) -> list[tuple[str, IpcamdError | None]]:
        """Remove recordings (None: all), an active one stopped first; per id, None or why it
        was not removed (NotFound, Conflict for a locked recording or disk)."""
        self.check_writable()
        async with self._ops:
            if ids is None:
                ids = [r.id for r in await self.db.async_call(index.all_recordings)]
            results: list[tuple[str, IpcamdError | None]] = []
            for rid in ids:
                try:
                    await self._remove_one(rid)
                except (NotFound, Conflict) as err:
                    results.append((rid, err))
                else:
                    results.append((rid, None))
        self.on_change()
        return results

    async def _remove_one(self, recording_id: str) -> None:
        found = await self.db.async_call(partial(index.get, rid=recording_id))
        if found is None:
            raise NotFound(f"No recording {recording_id}")
        if found.locked:
            raise Conflict(f"Recording {recording_id} is locked")
        await self.recorder.stop(recording_id)
        self.exports.close_all(recording_id)
        await self.db.async_call(partial(index.delete, rids=[recording_id]))
        await asyncio.to_thread(self.disk.remove_recording, recording_id)
        _LOGGER.info("Recording %s removed", recording_id)

    def cleanup_rules(self) -> cleanup.CleanupRules:
        """The disk's cleanup parameters now."""
        return cleanup.CleanupRules(
            CleanupPolicy(self.setting("CleanupPolicyActive")),
            int(self.setting("CleanupLevel")),
            int(self.setting("CleanupMaxAge")),
        )

    async def cleanup(self, by_age: bool) -> int:
        """Apply the fifo rules once (by level, and by age when ``by_age``); bytes freed."""
        rules = self.cleanup_rules()
        if rules.policy is not CleanupPolicy.FIFO:
            return 0
        if not by_age and not cleanup.needed(self.disk.usage(), rules):
            return 0
        async with self._ops:
            try:
                self.check_writable()
            except IpcamdError:
                return 0
            segments = await self.db.async_call(index.all_segments)
            recordings = {r.id: r for r in await self.db.async_call(index.all_recordings)}
            keep = set(self.recorder.sessions) | self.exports.ids()
            usage = self.disk.usage()
            chosen = cleanup.choose(
                segments,
                recordings=recordings,
                keep=keep,
                usage=usage,
                rules=rules,
                now=self.clock.now(),
            )
            if not chosen:
                return 0
            freed = await asyncio.to_thread(cleanup.apply, self.disk, self.db, chosen)
        self.on_change()
        return freed
