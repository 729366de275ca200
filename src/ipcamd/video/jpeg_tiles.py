"""JPEG frames that re-encode only the tiles of MCUs whose pixels changed since the last frame.

A camera's picture is mostly still: a scene with something moving in it, a test pattern whose
box, counter and clock move over still bars. A JPEG with restart markers (``DRI``: every
:func:`tile_mcus` MCUs, a divisor of the MCUs across, so that each row of MCUs holds whole
intervals) codes each interval, a tile of 16 pixel rows (4:2:0) and about a fifth of the
picture's width (about 128 columns in a picture narrower than 640), as an independent segment
of the scan: it starts on a byte, its DC predictions start from zero, and it ends padded with
1-bits before the marker. That segment is exactly the scan of a JPEG of
that tile alone: libjpeg-turbo pads the last byte of a scan the same way and replicates the
picture's bottom and right edges the same way, and with one quality and the standard Huffman
tables (libjpeg-turbo never optimises them unless asked) a tile's JPEG has the frame's tables.
So a :class:`TileReusingJpeg` keeps each tile's segment, compares the new planes with the last
ones tile by tile, encodes only the tiles that differ (one small libjpeg-turbo call each), and
joins the segments under one header with the frame's size and a ``DRI``. A picture drawn by a
source that knows what it moved (the test pattern: ``Planes.damage``) is not compared: the
tiles its rectangles reach are encoded again, the others kept.

Tiles, not whole rows of MCUs: what moves in a camera's picture is usually narrow (a box, a
digit of a clock), and an encode costs about its pixels, so a tile costs about a fifth of a
row (measured: docs/video.md, "Tiles, not rows").

Every decoder reads restart markers (baseline JPEG, ITU T.81 B.2.4.4), and RFC 2435 carries
them (its types 64-127: ``rtsp/jpeg_rtp.py``). The markers cost two bytes and at most a byte
of padding per tile. A picture that changes everywhere (most decoded video) gains nothing, so
once most tiles changed the frame is encoded whole (one call, no markers) and the comparison
is skipped for the next frame, then for 2, 4… up to :data:`MAX_SKIP` frames, so a moving
scene pays for it about once a second.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
import simplejpeg

from ipcamd.video.frame import Plane, Planes

#: An MCU of 4:2:0 is 16x16 pixels (8x8 in each chroma plane): a row of MCUs is 16 rows.
MCU_SIZE: Final = 16
#: The tiles (restart intervals) of a row aimed at, and the MCUs aimed at in a narrower
#: picture (128 pixels): what moves in a picture scales with it, and narrower tiles fit it
#: more closely but each costs a call (about 9 µs of set-up, more when cold) and about 4 bytes.
TILES_ACROSS: Final = 5
TILE_MCUS: Final = 8
#: A frame whose changed tiles are more than this share of its tiles is encoded whole: a tile
#: encoded alone costs a call on top of its pixels' share of a frame.
REUSE_SHARE: Final = 0.6
#: The most frames a picture that kept changing everywhere goes without being compared.
MAX_SKIP: Final = 32

_SOF0, _DRI, _SOS, _EOI = 0xC0, 0xDD, 0xDA, b"\xff\xd9"
_RESTARTS: Final = tuple(bytes((0xFF, 0xD0 + n)) for n in range(8))


def tile_mcus(width: int) -> int:
    """The MCUs of a restart interval for pictures ``width`` wide: the divisor of the MCUs
    across nearest (by ratio) to a fifth of them, or to :data:`TILE_MCUS` in a narrower
    picture, so every row of MCUs holds whole tiles; a row whose only divisors are far from
    it (a prime number of MCUs) is one tile."""
    across = -(-width // MCU_SIZE)
    aim = max(TILE_MCUS, across / TILES_ACROSS)
    divisors = [mcus for mcus in range(1, across + 1) if across % mcus == 0]
    best = min(divisors, key=lambda mcus: abs(math.log(mcus / aim)))
    return best if aim / 2 <= best <= aim * 2 else across


@dataclass(frozen=True, slots=True)
class TileGrid:
    """How a ``width`` x ``height`` picture is cut into tiles: ``rows`` rows of MCUs of
    ``across`` tiles, each ``tile_width`` pixels wide (the last one of a row possibly less).
    Tile ``n`` (in scan order) is row ``n // across``, column ``n % across``."""

    width: int
    height: int
    rows: int
    across: int
    tile_width: int

    @classmethod
    def of(cls, width: int, height: int) -> TileGrid:
        """The grid of one picture size (cached: a profile asks once a frame)."""
        return _grid(width, height)

    @property
    def tiles(self) -> int:
        """How many tiles (restart intervals) a picture has."""
        return self.rows * self.across

    def starts(self, scale: int = 1) -> list[int]:
        """Where each column of tiles starts, in pixels of a plane ``scale`` times narrower."""
        return [column * self.tile_width // scale for column in range(self.across)]

    def reached(self, boxes: tuple[tuple[int, int, int, int], ...]) -> list[int]:
        """The tiles (ascending) that any of ``boxes`` (luma pixels, end exclusive) reaches."""
        named: set[int] = set()
        rows, across, width = self.rows, self.across, self.tile_width
        for left, top, right, bottom in boxes:
            if right <= left or bottom <= top:
                continue
            first_col, last_col = max(0, left // width), min(across - 1, (right - 1) // width)
            for row in range(max(0, top // MCU_SIZE), min(rows, (bottom - 1) // MCU_SIZE + 1)):
                named.update(range(row * across + first_col, row * across + last_col + 1))
        return sorted(named)


@lru_cache(maxsize=32)
def _grid(width: int, height: int) -> TileGrid:
    mcus = tile_mcus(width)
    across = -(-width // (mcus * MCU_SIZE))
    return TileGrid(width, height, -(-height // MCU_SIZE), across, mcus * MCU_SIZE)


def changed_tiles(before: Planes, after: Planes) -> npt.NDArray[np.bool_]:
    """For each tile of two pictures of one size (scan order), whether any sample differs."""
    grid = TileGrid.of(after.width, after.height)
    changed = _changed(before.y, after.y, MCU_SIZE, grid.starts())
    changed |= _changed(before.u, after.u, MCU_SIZE // 2, grid.starts(2))
    changed |= _changed(before.v, after.v, MCU_SIZE // 2, grid.starts(2))
    return changed.reshape(-1)


def _changed(before: Plane, after: Plane, band: int, starts: list[int]) -> npt.NDArray[np.bool_]:
    """Whether each tile of one plane differs (bands of ``band`` rows, columns from
    ``starts``), compared a word at a time: the widest of 8, 4, 2 or 1 bytes that the
    plane's width and every start are multiples of."""
    height, width = after.shape
    step = starts[1] if len(starts) > 1 else width
    word = next(size for size in (8, 4, 2, 1) if width % size == 0 and step % size == 0)
    kind = np.dtype(f"u{word}")
    old = np.ascontiguousarray(before).view(kind)
    new = np.ascontiguousarray(after).view(kind)
    differs = np.not_equal(old, new)
    bands = np.logical_or.reduceat(differs, np.arange(0, height, band), axis=0)
    columns = [start // word for start in starts]
    out: npt.NDArray[np.bool_] = np.logical_or.reduceat(bands, columns, axis=1)
    return out


def damaged_tiles(before: Planes, after: Planes, grid: TileGrid) -> list[int] | None:
    """The tiles (ascending) ``after``'s damage says may differ from ``before``, when it is
    told relative to ``before`` (what drew both knows what it changed); None otherwise."""
    damage = after.damage
    if damage is None or before.drawn is None or damage.since != before.drawn:
        return None
    return grid.reached(damage.boxes)


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


class TileReusingJpeg:
    """One profile's JPEG encoder state: the last planes and each tile's scan segment.

    Called one frame at a time (a profile's frames are encoded in order), on a pool thread.
    It keeps the last planes by reference, not a copy: they are either left as they are, or
    drawn over by the next frame of the same drawing, which then says what it changed.
    """

    def __init__(self, quality: int) -> None:
        self.quality = quality
        self._previous: Planes | None = None
        #: The last frame as it is joined: header, tile 0's segment, RST0, tile 1's… EOI; or
        #: None when the last frame was encoded whole.
        self._parts: list[bytes] | None = None
        #: Where the scan starts in a tile's JPEG (the same for every tile of one size).
        self._start = 0
        self._skip = 0
        self._backoff = 0
        #: Tiles encoded alone, frames encoded whole, frames compared with the last one: what
        #: tests and benchmarks read.
        self.tiles_encoded = 0
        self.whole_frames = 0
        self.compared = 0

    def encode(self, planes: Planes) -> bytes:
        """The JPEG of ``planes`` (C-contiguous I420)."""
        try:
            return self._encode_frame(planes)
        except BaseException:
            # Some tiles may be of this frame and some of the last: start again from a whole one.
            self._previous = self._parts = None
            raise

    def _encode_frame(self, planes: Planes) -> bytes:
        previous, self._previous = self._previous, planes
        grid = TileGrid.of(planes.width, planes.height)
        tiles = grid.tiles
        if previous is None or previous.y.shape != planes.y.shape or tiles < 2:
            return self._whole(planes)
        changed = damaged_tiles(previous, planes, grid)
        if changed is None and planes.y is previous.y and planes is not previous:
            # Drawn over the last planes in place (``ProfileRenderer``) but not vouched for:
            # nothing left to compare with.
            return self._whole(planes)
        if changed is None:
            if self._skip:
                self._skip -= 1
                return self._whole(planes)
            self.compared += 1
            changed = np.flatnonzero(changed_tiles(previous, planes)).tolist()
        parts = self._parts
        if parts is None:
            # Encoded whole until the picture holds still enough to pay for its tiles.
            if len(changed) > tiles // 2:
                return self._moving(planes)
            parts = self._start_tiles(planes, grid)
        elif len(changed) > tiles * REUSE_SHARE:
            return self._moving(planes)
        else:
            for tile in changed:
                parts[1 + 2 * tile] = self._tile(planes, grid, tile)
        self._parts = parts
        self._backoff = 0
        return b"".join(parts)

    def _moving(self, planes: Planes) -> bytes:
        """A picture that changed in most tiles: whole, and not compared for a while."""
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

    def _tile_jpeg(self, planes: Planes, grid: TileGrid, tile: int) -> bytes:
        row, column = divmod(tile, grid.across)
        top, left = row * MCU_SIZE, column * grid.tile_width
        right = left + grid.tile_width
        return self._encode(
            planes.y[top : top + MCU_SIZE, left:right],
            planes.u[top // 2 : (top + MCU_SIZE) // 2, left // 2 : right // 2],
            planes.v[top // 2 : (top + MCU_SIZE) // 2, left // 2 : right // 2],
        )

    def _tile(self, planes: Planes, grid: TileGrid, tile: int) -> bytes:
        """The scan segment of one tile: the scan of a JPEG of that tile alone."""
        self.tiles_encoded += 1
        jpeg = self._tile_jpeg(planes, grid, tile)
        start = self._start
        if jpeg[start - 14 : start - 12] != b"\xff\xda":  # SOS of three components: 12 bytes
            start = _layout(jpeg)[2]
        return jpeg[start:-2]

    def _start_tiles(self, planes: Planes, grid: TileGrid) -> list[bytes]:
        """Every tile encoded alone, joined under the frame's header: tile 0's, with the
        frame's size and a restart interval of one tile before the scan header."""
        jpeg = self._tile_jpeg(planes, grid, 0)
        sof, sos, self._start = _layout(jpeg)
        head = bytearray(jpeg[:sos])
        struct.pack_into("!HH", head, sof + 5, planes.height, planes.width)
        interval = struct.pack("!BBHH", 0xFF, _DRI, 4, grid.tile_width // MCU_SIZE)
        parts = [bytes(head) + interval + jpeg[sos : self._start]]
        for tile in range(grid.tiles):
            if tile:
                parts.append(_RESTARTS[(tile - 1) % 8])
            parts.append(self._tile(planes, grid, tile))
        parts.append(_EOI)
        return parts
