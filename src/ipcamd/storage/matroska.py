"""Segment files: JPEG frames copied into Matroska by FFmpeg (PyAV), never re-encoded.

A segment is written as ``<seq>.mkv.part`` and renamed ``<seq>.mkv`` once closed (its cues and
duration written, its bytes synced), so a complete name always means a complete file. Each
packet goes into a cluster of its own and is flushed to the file as the next one arrives
(``cluster_size_limit``, ``flush_packets``): a crash loses at most the last frame.

Timestamps are milliseconds from the segment's first frame (``creation_time``, the Matroska
``DateUTC``, holds that frame's time with microseconds), so a file tells its own times.

A ``.part`` left by a crash is repaired in place (:func:`repair`): cut after its last complete
top-level element, which needs no free space, then checked by demuxing it.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av

MILLISECONDS = Fraction(1, 1000)
PART_SUFFIX = ".part"
#: Muxer options: a cluster per frame, written out as soon as the next frame arrives.
_MUXER_OPTIONS = {"cluster_size_limit": "1"}
_CONTAINER_OPTIONS = {"flush_packets": "1"}
#: Matroska's element ids (EBML header, Segment), as they are written (marker bits kept).
_EBML_ID, _SEGMENT_ID = 0x1A45DFA3, 0x18538067


@dataclass(frozen=True, slots=True)
class SegmentFacts:
    """What a closed or repaired segment file holds: frames, first and last frame times
    (seconds since the epoch), picture size and bytes."""

    frames: int
    start: float
    stop: float
    width: int
    height: int
    size: int


def part_path(path: Path) -> Path:
    """The name a segment has while it is written."""
    return path.with_name(path.name + PART_SUFFIX)


def _creation_time(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class SegmentWriter:
    """One segment being written (one thread uses it): :meth:`write` frames, then
    :meth:`close`. Raises ``OSError`` (``av.FFmpegError`` included) on a disk error."""

    def __init__(self, path: Path, start: float, width: int, height: int) -> None:
        self.path = path
        self.part = part_path(path)
        self.start = start
        self.width, self.height = width, height
        self.frames = 0
        self.last = start
        self._last_pts = -1
        self._container = av.open(
            str(self.part),
            mode="w",
            format="matroska",
            options=_MUXER_OPTIONS,
            container_options=_CONTAINER_OPTIONS,
        )
        self._container.metadata["creation_time"] = _creation_time(start)
        stream = self._container.add_stream("mjpeg")
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuvj420p"
        stream.time_base = MILLISECONDS
        self._stream = stream

    def write(self, jpeg: bytes, when: float) -> None:
        """One JPEG frame taken at ``when`` (seconds since the epoch, device clock)."""
        pts = max(round((when - self.start) * 1000), self._last_pts + 1)
        packet = av.Packet(jpeg)
        packet.stream = self._stream
        packet.time_base = MILLISECONDS
        packet.pts = packet.dts = pts
        packet.is_keyframe = True
        self._container.mux(packet)
        self._last_pts = pts
        self.frames += 1
        self.last = self.start + pts / 1000

    def size(self) -> int:
        """Bytes in the file so far."""
        try:
            return self.part.stat().st_size
        except FileNotFoundError:
            return 0

    def close(self) -> SegmentFacts:
        """Finish the file (cues, duration), sync it and give it its complete name."""
        self._container.close()
        with open(self.part, "rb") as file:
            os.fsync(file.fileno())
        os.replace(self.part, self.path)
        return SegmentFacts(
            self.frames, self.start, self.last, self.width, self.height, self.path.stat().st_size
        )

    def abandon(self) -> None:
        """Give up after a disk error: the ``.part`` stays, as after a crash (recovery checks
        and keeps what it holds)."""
        with contextlib.suppress(Exception):
            self._container.close()


# ------------------------------------------------------------------ reading back


def _read_vint(file: BinaryIO, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer: (value, bytes); None at the end of the file. An id
    keeps its marker bit; a size of all ones (unknown) comes back as -1."""
    first = file.read(1)
    if not first:
        return None
    head = first[0]
    length = 1
    while length <= 8 and not head & (0x80 >> (length - 1)):
        length += 1
    if length > 8:
        raise ValueError("not an EBML integer")
    rest = file.read(length - 1)
    if len(rest) < length - 1:
        return None
    value = head if keep_marker else head & (0xFF >> length)
    for byte in rest:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return -1, length
    return value, length


@dataclass(frozen=True, slots=True)
class _Body:
    """Where a file's Segment holds its children, and where its own size is written."""

    start: int
    end: int
    size_at: int
    size_length: int
    size_known: bool


def _segment_body(file: BinaryIO, size: int) -> _Body | None:
    """Where the Segment's children start and end (None: not Matroska)."""
    header = _read_vint(file, keep_marker=True)
    header_size = _read_vint(file, keep_marker=False)
    if header is None or header_size is None or header[0] != _EBML_ID or header_size[0] < 0:
        return None
    file.seek(header_size[0], os.SEEK_CUR)
    segment = _read_vint(file, keep_marker=True)
    size_at = file.tell()
    segment_size = _read_vint(file, keep_marker=False)
    if segment is None or segment_size is None or segment[0] != _SEGMENT_ID:
        return None
    start = file.tell()
    known = segment_size[0] >= 0
    end = min(size, start + segment_size[0]) if known else size
    return _Body(start, end, size_at, segment_size[1], known)


def complete_length(path: Path) -> int:
    """Bytes of ``path`` up to the end of its last complete top-level element (0 when it is
    not Matroska). A file cut by a crash ends inside its last cluster; this is where it may
    be cut so that every element it keeps is whole."""
    return _scan(path)[0]


def _scan(path: Path) -> tuple[int, _Body | None]:
    size = path.stat().st_size
    with open(path, "rb") as file:
        try:
            body = _segment_body(file, size)
        except ValueError:
            body = None
        if body is None:
            return 0, None
        good, end = body.start, body.end
        while good < end:
            try:
                element = _read_vint(file, keep_marker=True)
                element_size = _read_vint(file, keep_marker=False)
            except ValueError:
                break
            if element is None or element_size is None or element_size[0] < 0:
                break
            element_end = file.tell() + element_size[0]
            if element_end > end:
                break
            file.seek(element_end)
            good = element_end
    return good, body


def probe(path: Path) -> SegmentFacts | None:
    """The frames a segment file holds, read back by FFmpeg (None: none, or not Matroska)."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            start = start_of(container.metadata.get("creation_time", ""))
            frames, first, last = 0, None, None
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                frames += 1
                first = packet.pts if first is None else first
                last = packet.pts
            width, height = stream.codec_context.width, stream.codec_context.height
    except (av.FFmpegError, IndexError, ValueError):
        return None
    if not frames or start is None or first is None or last is None:
        return None
    return SegmentFacts(
        frames, start + first / 1000, start + last / 1000, width, height, path.stat().st_size
    )


def start_of(text: str) -> float | None:
    """The time a segment's ``creation_time`` names (its first frame's), or None."""
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def _unknown_size(path: Path, body: _Body) -> None:
    """Write the Segment's size as "unknown" (all ones, same length): its end was cut off."""
    marker = bytes([0x80 >> (body.size_length - 1) | (0xFF >> body.size_length)]) + b"\xff" * (
        body.size_length - 1
    )
    with open(path, "r+b") as file:
        file.seek(body.size_at)
        file.write(marker)


def repair(part: Path, final: Path) -> SegmentFacts | None:
    """Close a segment a crash left open: cut it after its last whole element, check it, and
    give it its complete name (None, and the part removed, when nothing in it plays)."""
    length, body = _scan(part)
    if length and length < part.stat().st_size:
        os.truncate(part, length)
        if body is not None and body.size_known and length < body.end:
            _unknown_size(part, body)
    facts = probe(part) if length else None
    if facts is None:
        part.unlink(missing_ok=True)
        return None
    with open(part, "rb") as file:
        os.fsync(file.fileno())
    os.replace(part, final)
    return facts
