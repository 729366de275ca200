"""JPEG frames that re-encode only the rows of MCUs whose pixels changed since the last frame.

A camera's picture is mostly still: a scene with something moving in it, a test pattern whose
box, counter and clock move over still bars. A JPEG with a restart marker after every row of
MCUs (``DRI`` = the MCUs of one row; 16 pixel rows in 4:2:0) codes each row as an independent
segment of the scan: it starts on a byte, its DC predictions start from zero, and it ends
padded with 1-bits before the marker. That segment is exactly the scan of a JPEG of that row
alone: libjpeg-turbo pads the last byte of a scan the same way and replicates the picture's
bottom and right edges the same way, and with one quality and the standard Huffman tables
(libjpeg-turbo never optimises them unless asked) a row's JPEG has the frame's tables. So a
:class:`RowReusingJpeg` keeps each row's segment, compares the new planes with the last ones
row by row, encodes only the rows that differ (one small libjpeg-turbo call each), and joins
the segments under one header with the frame's height and a ``DRI``. A picture drawn by a
source that knows what it moved (the test pattern: ``Planes.damage``) is not compared: the
rows it names are encoded again, the others kept.

Every decoder reads restart markers (baseline JPEG, ITU T.81 B.2.4.4), and RFC 2435 carries
them (its types 64-127: ``rtsp/jpeg_rtp.py``). The markers cost two bytes and at most a byte
of padding per row. A picture that changes everywhere (most decoded video) gains nothing, so
once most rows changed the frame is encoded whole (one call, no markers) and the comparison
is skipped for the next frame, then for 2, 4… up to :data:`MAX_SKIP` frames, so a moving
scene pays for it about once a second. Measured: docs/video.md, "Still rows are not encoded again".
"""

from __future__ import annotations

import struct
from typing import Final

import numpy as np
import numpy.typing as npt
import simplejpeg

from ipcamd.video.frame import Plane, Planes

#: An MCU of 4:2:0 is 16x16 pixels (8x8 in each chroma plane): a row of MCUs is 16 rows.
MCU_SIZE: Final = 16
#: A frame whose changed rows are more than this share of its rows is encoded whole: a row
#: encoded alone costs a call (a few µs of set-up) on top of its pixels' share of a frame.
REUSE_SHARE: Final = 0.6
#: The most frames a picture that kept changing everywhere goes without being compared.
MAX_SKIP: Final = 32

_SOF0, _DRI, _SOS, _EOI = 0xC0, 0xDD, 0xDA, b"\xff\xd9"
_RESTARTS: Final = tuple(bytes((0xFF, 0xD0 + n)) for n in range(8))


def changed_rows(before: Planes, after: Planes) -> npt.NDArray[np.bool_]:
    """For each row of MCUs of two pictures of one size, whether any sample in it differs."""
    rows = -(-after.height // MCU_SIZE)
    changed = _changed(before.y, after.y, MCU_SIZE, rows)
    changed |= _changed(before.u, after.u, MCU_SIZE // 2, rows)
    changed |= _changed(before.v, after.v, MCU_SIZE // 2, rows)
    return changed


def _changed(before: Plane, after: Plane, band: int, rows: int) -> npt.NDArray[np.bool_]:
    """Whether each band of ``band`` rows of one plane differs, compared 8 bytes at a time
    (a band of an even-width plane is a multiple of 8 bytes)."""
    height, width = after.shape
    whole = height // band
    out = np.zeros(rows, np.bool_)
    if whole:
        size = whole * band * width
        old = np.ascontiguousarray(before).reshape(-1)[:size].view(np.uint64)
        new = np.ascontiguousarray(after).reshape(-1)[:size].view(np.uint64)
        np.not_equal(old.reshape(whole, -1), new.reshape(whole, -1)).any(axis=1, out=out[:whole])
    if whole < rows:
        out[whole] = not np.array_equal(before[whole * band :], after[whole * band :])
    return out


def damaged_rows(before: Planes, after: Planes, rows: int) -> list[int] | None:
    """The rows of MCUs (ascending) ``after``'s damage says may differ from ``before``, when
    it is told relative to ``before`` (what drew both knows what it changed); None otherwise."""
    damage = after.damage
    if damage is None or before.drawn is None or damage.since != before.drawn:
        return None
    named: set[int] = set()
    for start, end in damage.rows:
        if end > start:
            named.update(range(start // MCU_SIZE, min(rows, (end - 1) // MCU_SIZE + 1)))
    return sorted(named)


def _layout(jpeg: bytes) -> tuple[int, int, int]:
    """Where a JPEG's SOF0 and SOS segments start, and where its scan data starts."""
    pos, sof = 2, -1
    while pos + 4 <= len(jpeg):
        marker = jpeg[pos + 1]
        (length,) = struct.unpack_from("!H", jpeg, pos + 2)
        if marker == _SOF0:
            sof = pos
        if marker == _SOS and sof >= 0:
            return sof, pos, pos + 2 + length
        pos += 2 + length
    raise ValueError("not a baseline JPEG from libjpeg-turbo")


class RowReusingJpeg:
    """One profile's JPEG encoder state: the last planes and each row's scan segment.

    Called one frame at a time (a profile's frames are encoded in order), on a pool thread.
    It keeps the last planes by reference, not a copy: they are either left as they are, or
    drawn over by the next frame of the same drawing, which then says what it changed.
    """

    def __init__(self, quality: int) -> None:
        self.quality = quality
        self._previous: Planes | None = None
        #: The last frame as it is joined: header, row 0's segment, RST0, row 1's… EOI; or
        #: None when the last frame was encoded whole.
        self._parts: list[bytes] | None = None
        #: Where the scan starts in a row's JPEG (the same for every row of one size).
        self._start = 0
        self._skip = 0
        self._backoff = 0
        #: Rows encoded alone, frames encoded whole, frames compared with the last one: what
        #: tests and benchmarks read.
        self.rows_encoded = 0
        self.whole_frames = 0
        self.compared = 0

    def encode(self, planes: Planes) -> bytes:
        """The JPEG of ``planes`` (C-contiguous I420)."""
        try:
            return self._encode_frame(planes)
        except BaseException:
            # Some rows may be of this frame and some of the last: start again from a whole one.
            self._previous = self._parts = None
            raise

    def _encode_frame(self, planes: Planes) -> bytes:
        previous, self._previous = self._previous, planes
        rows = -(-planes.height // MCU_SIZE)
        if previous is None or previous.y.shape != planes.y.shape or rows < 2:
            return self._whole(planes)
        changed = damaged_rows(previous, planes, rows)
        if changed is None and planes.y is previous.y and planes is not previous:
            # Drawn over the last planes in place (``ProfileRenderer``) but not vouched for:
            # nothing left to compare with.
            return self._whole(planes)
        if changed is None:
            if self._skip:
                self._skip -= 1
                return self._whole(planes)
            self.compared += 1
            changed = np.flatnonzero(changed_rows(previous, planes)).tolist()
        parts = self._parts
        if parts is None:
            # Encoded whole until the picture holds still enough to pay for its rows.
            if len(changed) > rows // 2:
                return self._moving(planes)
            parts = self._start_rows(planes, rows)
        elif len(changed) > rows * REUSE_SHARE:
            return self._moving(planes)
        else:
            for row in changed:
                parts[1 + 2 * row] = self._row(planes, row)
        self._parts = parts
        self._backoff = 0
        return b"".join(parts)

    def _moving(self, planes: Planes) -> bytes:
        """A picture that changed in most rows: whole, and not compared for a while."""
        self._backoff = min(MAX_SKIP, max(1, 2 * self._backoff))
        self._skip = self._backoff
        return self._whole(planes)

    def _whole(self, planes: Planes) -> bytes:
        self._parts = None
        self.whole_frames += 1
        return self._encode(planes.y, planes.u, planes.v)

    def _encode(self, y: Plane, u: Plane, v: Plane) -> bytes:
        jpeg: bytes = simplejpeg.encode_jpeg_yuv_planes(y, u, v, quality=self.quality, fastdct=True)
        return jpeg

    def _row_jpeg(self, planes: Planes, row: int) -> bytes:
        top, chroma = row * MCU_SIZE, row * MCU_SIZE // 2
        return self._encode(
            planes.y[top : top + MCU_SIZE],
            planes.u[chroma : chroma + MCU_SIZE // 2],
            planes.v[chroma : chroma + MCU_SIZE // 2],
        )

    def _row(self, planes: Planes, row: int) -> bytes:
        """The scan segment of one row of MCUs: the scan of a JPEG of that row alone."""
        self.rows_encoded += 1
        jpeg = self._row_jpeg(planes, row)
        start = self._start
        if jpeg[start - 14 : start - 12] != b"\xff\xda":  # SOS of three components: 12 bytes
            start = _layout(jpeg)[2]
        return jpeg[start:-2]

    def _start_rows(self, planes: Planes, rows: int) -> list[bytes]:
        """Every row encoded alone, joined under the frame's header: row 0's, with the
        frame's height and a restart interval of one row of MCUs before the scan header."""
        jpeg = self._row_jpeg(planes, 0)
        sof, sos, self._start = _layout(jpeg)
        head = bytearray(jpeg[:sos])
        struct.pack_into("!H", head, sof + 5, planes.height)
        interval = struct.pack("!BBHH", 0xFF, _DRI, 4, -(-planes.width // MCU_SIZE))
        parts = [bytes(head) + interval + jpeg[sos : self._start]]
        for row in range(rows):
            if row:
                parts.append(_RESTARTS[(row - 1) % 8])
            parts.append(self._row(planes, row))
        parts.append(_EOI)
        return parts
