"""Export: a recording (or a time range of it) as one Matroska file, streamed as it is made.

The segments' packets are copied by FFmpeg (PyAV) into one new Matroska written to a pipe, on
a thread of its own; the HTTP layer sends each chunk as it comes, so nothing is built in
memory or on disk, and a slow client slows the thread down (the pipe holds a few chunks). The
output cannot seek back, so the muxer writes the file as a live one (no cues; the segment's
size unknown) with its duration known from the start (``DURATION``), which players read.

Every frame is a JPEG, every frame a key frame: a range cuts at the first frame at or after
``starttime`` and the last at or before ``stoptime``. An active recording exports up to the
request: its closed segments and what its open ``.part`` holds so far (cut at its last whole
element).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import av

from ipcamd.errors import InvalidParameter
from ipcamd.storage.matroska import MILLISECONDS, complete_length, start_of
from ipcamd.storage.model import Recording, compact_text

_LOGGER = logging.getLogger(__name__)

#: Chunks in flight between the thread and the client.
PIPE_DEPTH = 16


@dataclass(frozen=True, slots=True)
class ExportPart:
    """One segment file to copy from: its path, its first frame's time; for a closed segment
    its last frame's time and frames (from the index), for an open one its readable length."""

    path: Path
    start: float
    stop: float | None = None
    frames: int | None = None
    length: int | None = None
    #: Bytes of the file (of an open one: its readable length).
    size: int = 0


@dataclass(frozen=True, slots=True)
class ExportPlan:
    """What an export copies: the parts, the exact times of its first and last frames."""

    recording: Recording
    parts: tuple[ExportPart, ...]
    first: float
    last: float
    frames: int
    filename: str
    #: About how many bytes the file will have.
    estimated_size: int = 0

    @property
    def duration(self) -> float:
        """Seconds from the first frame to the end of the last one."""
        step = (self.last - self.first) / (self.frames - 1) if self.frames > 1 else 0.0
        return self.last - self.first + step


class _Bounded:
    """A file read only up to ``length`` bytes (a segment still being written)."""

    def __init__(self, path: Path, length: int) -> None:
        self._file: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._left = length

    def read(self, size: int = -1) -> bytes:
        """At most ``size`` of the bytes left."""
        size = self._left if size < 0 else min(size, self._left)
        data = self._file.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        """Close the file."""
        self._file.close()


def open_part(part: ExportPart) -> av.container.InputContainer:
    """A part opened for demuxing (an open ``.part`` only up to its readable length)."""
    if part.length is None:
        return av.open(str(part.path), mode="r")
    return av.open(_Bounded(part.path, part.length), mode="r", format="matroska")


def packets(part: ExportPart) -> Iterator[tuple[float, av.Packet[Any]]]:
    """The frames of a part with their times (seconds since the epoch)."""
    with open_part(part) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            if packet.size and packet.pts is not None:
                yield part.start + packet.pts / 1000, packet


def readable_length(part: Path) -> int | None:
    """How much of an open ``.part`` an export may read (None: nothing usable yet)."""
    try:
        length = complete_length(part)
    except FileNotFoundError:
        return None
    return length or None


def first_time(path: Path, length: int) -> float | None:
    """When the first frame of an open ``.part`` was taken (its ``creation_time``)."""
    try:
        with av.open(_Bounded(path, length), mode="r", format="matroska") as container:
            return start_of(container.metadata.get("creation_time", ""))
    except (OSError, av.FFmpegError):
        return None


def plan(
    recording: Recording,
    parts: list[ExportPart],
    start: float | None,
    stop: float | None,
    filename: str | None,
) -> ExportPlan:
    """Check the range against what the parts hold and find its exact first and last frames
    (reading the boundary parts: blocking, run it in a thread).

    Raises InvalidParameter when the range holds no frame of the recording.
    """
    if start is not None and stop is not None and start > stop:
        raise InvalidParameter("Invalid start time: it is after the stop time")
    low = float("-inf") if start is None else start
    high = float("inf") if stop is None else stop
    chosen = [p for i, p in enumerate(parts) if _may_overlap(p, parts[i + 1 :], low, high)]
    first: float | None = None
    last: float | None = None
    frames = 0
    size = 0.0
    for part in chosen:
        if part.stop is not None and part.frames and low <= part.start and part.stop <= high:
            span: list[float] = [part.start, part.stop]  # wholly inside: the index knows it
            count = total = part.frames
        else:
            times = [when for when, _packet in packets(part)]
            span = [when for when in times if low <= when <= high]
            count, total = len(span), len(times)
        if span:
            first = span[0] if first is None else first
            last = span[-1]
            frames += count
            size += part.size * count / max(total, 1)
    if first is None or last is None:
        if recording.stop is not None and low > recording.stop:
            raise InvalidParameter("Invalid start time: it is after the recording's stop time")
        if high < recording.start:
            raise InvalidParameter("Invalid stop time: it is before the recording's start time")
        raise InvalidParameter("The recording holds no video in that time range")
    name = filename or f"{compact_text(first)}_{compact_text(last)}"
    return ExportPlan(recording, tuple(chosen), first, last, frames, f"{name}.mkv", round(size))


def _may_overlap(part: ExportPart, later: list[ExportPart], low: float, high: float) -> bool:
    """Whether ``part`` may hold frames in range (an open part ends before the next starts)."""
    next_start = later[0].start if later else float("inf")
    end = part.stop if part.stop is not None else next_start
    return part.start <= high and end >= low


def _duration_text(seconds: float) -> str:
    whole = int(seconds)
    nanos = round((seconds - whole) * 1e9)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}.{nanos:09d}"


def remux(export: ExportPlan, sink: ChunkPipe) -> None:
    """Copy the plan's frames into one Matroska written to ``sink`` (blocking)."""
    output = av.open(sink, mode="w", format="matroska")
    try:
        target = None
        previous = -1
        for part in export.parts:
            for when, packet in packets(part):
                if not export.first <= when <= export.last:
                    continue
                if target is None:
                    source = packet.stream
                    target = output.add_stream_from_template(source)
                    target.time_base = MILLISECONDS
                    target.metadata["DURATION"] = _duration_text(export.duration)
                    output.metadata["creation_time"] = datetime.fromtimestamp(
                        export.first, UTC
                    ).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                pts = max(round((when - export.first) * 1000), previous + 1)
                packet.stream = target
                packet.time_base = MILLISECONDS
                packet.pts = packet.dts = previous = pts
                output.mux(packet)
    finally:
        output.close()


class ChunkPipe:
    """Bytes from the export thread to the event loop, at most :data:`PIPE_DEPTH` chunks ahead
    (the thread waits for the client). The thread ``write``\\ s and calls :meth:`finish`; the
    loop iterates; :meth:`close` (loop) makes the thread's next write fail."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()
        self._slots = threading.Semaphore(PIPE_DEPTH)
        self._closed = threading.Event()

    def write(self, data: bytes | memoryview) -> int:
        """Hand a chunk to the loop (thread side); BrokenPipeError once closed."""
        while not self._slots.acquire(timeout=0.25):
            if self._closed.is_set():
                raise BrokenPipeError(os.strerror(32))
        if self._closed.is_set():
            raise BrokenPipeError(os.strerror(32))
        chunk = bytes(data)
        self._loop.call_soon_threadsafe(self._queue.put_nowait, chunk)
        return len(chunk)

    def finish(self, error: BaseException | None = None) -> None:
        """No more chunks (thread side): the end, or what went wrong."""
        if not self._closed.is_set():
            self._loop.call_soon_threadsafe(self._queue.put_nowait, error)

    def close(self) -> None:
        """The reader is gone (loop side): the writer stops at its next chunk."""
        self._closed.set()
        self._queue.put_nowait(BrokenPipeError("export closed"))

    async def chunks(self) -> AsyncIterator[bytes]:
        """Each chunk as it comes; raises the thread's error, or BrokenPipeError after close."""
        while True:
            item = await self._queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            self._slots.release()
            yield item


class Export:
    """One running export: its thread and its pipe (loop side)."""

    def __init__(self, export: ExportPlan, name: str) -> None:
        self.plan = export
        self.pipe = ChunkPipe(asyncio.get_running_loop())
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Start making the file."""
        self._thread.start()

    def _run(self) -> None:
        try:
            remux(self.plan, self.pipe)
        except BrokenPipeError:
            self.pipe.finish(BrokenPipeError("export closed"))
        except (OSError, av.FFmpegError, ValueError) as err:
            _LOGGER.warning("Export of recording %s failed: %s", self.plan.recording.id, err)
            self.pipe.finish(OSError(f"export failed: {err}"))
        else:
            self.pipe.finish()

    def close(self) -> None:
        """Stop early (the client went, or the unit stops)."""
        self.pipe.close()

    async def wait(self) -> None:
        """Until the thread has ended."""
        if self._thread.ident is not None and self._thread.is_alive():
            await asyncio.to_thread(self._thread.join)
