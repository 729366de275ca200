"""The thread that writes one recording: its frames into segment files, its files into the index.

The event loop hands it frames (:meth:`RecordingWriter.put`, never blocking: a disk slower than
the camera loses the oldest queued frames, memory never grows) and asks it to stop; everything
that touches the disk or the database happens on this thread. A segment is closed after
``split`` seconds of video and indexed once it is complete; before each frame the writer makes
sure the frame fits and leaves the disk's reserve free, so a full disk ends the recording
cleanly (its last segment closed and indexed) instead of failing a write.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

import av
import simplejpeg

from ipcamd.db import Database
from ipcamd.storage import index
from ipcamd.storage.disk import Disk
from ipcamd.storage.matroska import SegmentFacts, SegmentWriter, part_path, repair
from ipcamd.storage.model import Segment

_LOGGER = logging.getLogger(__name__)

#: Frames a writer holds before it drops the oldest (a few seconds of video).
QUEUE_FRAMES = 90
#: Bytes a segment's header and trailer may take beyond its frames and cues.
SEGMENT_OVERHEAD = 4096
#: Bytes each frame adds beyond its JPEG (its cluster and block headers), and to the cues the
#: segment's trailer writes.
FRAME_OVERHEAD = 64
CUE_BYTES = 24


class StopReason(StrEnum):
    """Why a recording ended (logged, and what decides whether it comes back)."""

    REQUESTED = "stopped"
    DISK_FULL = "the disk is full"
    DISK_ERROR = "a disk error"
    DISK_UNAVAILABLE = "the disk became unavailable"
    SOURCE_ENDED = "the camera stopped"
    SHUTDOWN = "the unit is stopping"


@dataclass(frozen=True, slots=True)
class Sample:
    """One frame to record: its JPEG and the device time it was taken."""

    jpeg: bytes
    when: float


@dataclass(frozen=True, slots=True)
class WriterResult:
    """How a recording ended: why, its frames, and its last frame's time (None: no frame)."""

    recording_id: str
    reason: StopReason
    frames: int
    stop: float | None


class _DiskFull(Exception):
    """The next frame would not leave the disk's reserve free."""


class RecordingWriter:
    """Writes one recording on a thread of its own; the loop calls :meth:`put` and
    :meth:`stop`, the thread calls ``on_end`` once with the :class:`WriterResult`."""

    def __init__(
        self,
        recording_id: str,
        *,
        disk: Disk,
        db: Database,
        split: float,
        on_end: Callable[[WriterResult], None],
        initial: Iterable[Sample] = (),
    ) -> None:
        self.recording_id = recording_id
        self._disk = disk
        self._db = db
        self._split = split
        self._on_end = on_end
        self._queue: deque[Sample] = deque(initial)
        self._limit = max(QUEUE_FRAMES, len(self._queue))
        self._wakeup = threading.Condition()
        self._stop_reason: StopReason | None = None
        self._segment: SegmentWriter | None = None
        #: Bytes charged to the disk for the open segment so far.
        self._charged = 0
        self._seq = 0
        self._frames = 0
        self._last: float | None = None
        #: Frames dropped because the disk did not keep up.
        self.dropped = 0
        self._thread = threading.Thread(
            target=self._run, name=f"ipcamd-recorder-{recording_id[:8]}", daemon=True
        )

    # ------------------------------------------------------------------ loop side

    def start(self) -> None:
        """Start the thread (after the recording's row exists)."""
        self._thread.start()

    def put(self, sample: Sample) -> None:
        """Queue a frame; the oldest queued one goes when the disk falls behind."""
        with self._wakeup:
            if len(self._queue) >= self._limit:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(sample)
            self._wakeup.notify()

    def stop(self, reason: StopReason) -> None:
        """End the recording: frames queued so far are written first when ``reason`` is a
        request, dropped otherwise (the disk or the camera is gone)."""
        with self._wakeup:
            if self._stop_reason is None:
                self._stop_reason = reason
            if reason is not StopReason.REQUESTED:
                self._queue.clear()
            self._wakeup.notify()

    @property
    def frames(self) -> int:
        """Frames written so far."""
        return self._frames

    def join(self) -> None:
        """Wait for the thread (blocking: from a worker thread)."""
        self._thread.join()

    # ------------------------------------------------------------------ thread side

    def _next(self) -> Sample | None:
        with self._wakeup:
            while not self._queue and self._stop_reason is None:
                self._wakeup.wait()
            return self._queue.popleft() if self._queue else None

    def _run(self) -> None:
        reason = StopReason.REQUESTED
        try:
            while (sample := self._next()) is not None:
                self._write(sample)
            reason = self._stop_reason or StopReason.REQUESTED
        except _DiskFull:
            reason = StopReason.DISK_FULL
        except (OSError, av.FFmpegError, ValueError) as err:
            reason = StopReason.DISK_ERROR
            _LOGGER.error("Recording %s: writing failed (%s)", self.recording_id, err)  # noqa: TRY400
        finally:
            try:
                self._close_segment()
            except (OSError, av.FFmpegError) as err:
                _LOGGER.error("Recording %s: its last segment is lost (%s)", self.recording_id, err)  # noqa: TRY400
            self._finish(reason)

    def _write(self, sample: Sample) -> None:
        if self._segment is None or sample.when - self._segment.start >= self._split:
            self._close_segment()
            self._open_segment(sample)
        segment = self._segment
        assert segment is not None
        # Room for this frame and for the trailer it makes longer (its cue), always: a full
        # disk ends the recording with its last segment whole.
        cues = CUE_BYTES * (segment.frames + 1)
        if not self._disk.room_for(len(sample.jpeg) + FRAME_OVERHEAD + cues + SEGMENT_OVERHEAD):
            raise _DiskFull
        segment.write(sample.jpeg, sample.when)
        charge = len(sample.jpeg) + FRAME_OVERHEAD
        self._disk.charge(charge)
        self._charged += charge
        self._frames += 1
        self._last = segment.last

    def _open_segment(self, sample: Sample) -> None:
        height, width, _, _ = simplejpeg.decode_jpeg_header(sample.jpeg)
        if not self._disk.room_for(len(sample.jpeg) + 2 * SEGMENT_OVERHEAD):
            raise _DiskFull
        if self._seq == 0:
            self._db.call(
                partial(
                    index.set_picture,
                    rid=self.recording_id,
                    start=sample.when,
                    width=width,
                    height=height,
                )
            )
        self._seq += 1
        path = self._disk.segment_path(self.recording_id, self._seq)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._segment = SegmentWriter(path, sample.when, width, height)
        self._charged = segment_size = self._segment.size()
        self._disk.charge(segment_size)

    def _close_segment(self) -> None:
        segment, self._segment = self._segment, None
        if segment is None:
            return
        charged, self._charged = self._charged, 0
        facts: SegmentFacts | None
        try:
            facts = segment.close()
        except (OSError, av.FFmpegError) as err:
            _LOGGER.warning("Recording %s: closing a segment failed (%s)", self.recording_id, err)
            segment.abandon()
            facts = repair(part_path(segment.path), segment.path)
        self._disk.charge((0 if facts is None else facts.size) - charged)
        if facts is None:
            return
        self._db.call(
            partial(
                index.add_segment,
                segment=Segment(
                    self.recording_id, self._seq, facts.start, facts.stop, facts.frames, facts.size
                ),
            )
        )

    def _finish(self, reason: StopReason) -> None:
        result = WriterResult(self.recording_id, reason, self._frames, self._last)
        try:
            self._db.call(partial(index.finish, rid=self.recording_id, stop=self._last))
        finally:
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
                self._on_end(result)
