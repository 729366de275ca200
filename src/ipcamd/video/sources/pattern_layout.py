"""Where the test pattern's parts fall in a picture: the pattern is laid out in its own
:data:`WIDTH` x :data:`HEIGHT` pixels, and a :class:`Layout` (cached per picture size and view
window) says which pattern pixel each picture pixel shows, so rectangles are slices and a line
of text is two 1-D gathers of its glyph mask. Shared read-only by the pool threads that draw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from ipcamd.video.font import CELL_WIDTH, GLYPH_HEIGHT, build_cells, glyph_indices
from ipcamd.video.frame import Box, Plane, Planes

#: The pattern's own size: where its parts are placed, and what it is drawn at for a consumer
#: that asks no size.
WIDTH, HEIGHT = 1280, 960

#: The luma of the pattern's text and of the black bar under it.
TEXT_Y, BLACK_Y = 235, 16
#: Every glyph cell as the luma it is drawn with: ``(95, 7, 6)``, white on black.
_CELL_LEVELS = np.array([BLACK_Y, TEXT_Y], np.uint8)[build_cells().view(np.uint8)]

#: The part of the pattern a drawing shows: left, top, width, height in fractions of it.
Window = tuple[float, float, float, float]
WHOLE: Window = (0.0, 0.0, 1.0, 1.0)

_Array = TypeVar("_Array", bound=npt.NDArray[np.generic])


def _centres(count: int, start: float, span: float, limit: int) -> npt.NDArray[np.intp]:
    """For each of ``count`` pixels across ``span`` pattern pixels from ``start``, the pattern
    pixel under its centre (nearest neighbour), clipped to ``[0, limit)``."""
    centres = start + (np.arange(count) + 0.5) * (span / count)
    indices: npt.NDArray[np.intp] = np.clip(centres.astype(np.intp), 0, limit - 1)
    return indices


class Layout:
    """Which pattern pixel each pixel of a ``width`` x ``height`` picture of ``window`` shows.

    ``cols`` and ``rows`` index luma pixels, ``chroma_cols`` the chroma columns (each the
    centre of its two luma columns). Never changed once made, so pool threads share it.
    """

    def __init__(self, width: int, height: int, window: Window) -> None:
        left, top, span_w, span_h = window
        self.cols = _centres(width, left * WIDTH, span_w * WIDTH, WIDTH)
        self.rows = _centres(height, top * HEIGHT, span_h * HEIGHT, HEIGHT)
        self.chroma_cols = _centres(width // 2, left * WIDTH, span_w * WIDTH, WIDTH)
        # For each pattern column and row (and the end), the first picture pixel at or after
        # it: where a rectangle starts and ends, found with two list lookups per axis (binary
        # searches in numpy cost several µs each when run once a frame).
        self._first_col: list[int] = np.searchsorted(self.cols, np.arange(WIDTH + 1)).tolist()
        self._first_row: list[int] = np.searchsorted(self.rows, np.arange(HEIGHT + 1)).tolist()
        self._texts: dict[tuple[int, int, int, int], TextLine] = {}
        self._bars: tuple[object, int, tuple[Plane, Plane, Plane]] | None = None

    def bar_rows(self, bars: tuple[Plane, Plane, Plane], offset: int) -> tuple[Plane, Plane, Plane]:
        """One row of each plane of the vertical ``bars`` (rows of pattern pixels, Y, U, V,
        twice the pattern's width) scrolled by ``offset``: gathered once while the bars
        stand still (the last ones kept; read-only)."""
        last = self._bars
        if last is not None and last[0] is bars and last[1] == offset:
            return last[2]
        chroma = self.chroma_cols + offset
        rows = (
            shared(bars[0][self.cols + offset]),
            shared(bars[1][chroma]),
            shared(bars[2][chroma]),
        )
        self._bars = (bars, offset, rows)
        return rows

    def text_line(self, x: int, y: int, scale: int, length: int) -> TextLine:
        """The line of ``length`` characters at ``(x, y)``, font ``scale``, in this picture:
        made once per line position (the text changes, its place does not; a race between
        pool threads only makes it twice)."""
        key = (x, y, scale, length)
        line = self._texts.get(key)
        if line is None:
            geometry = TextGeometry.of(self, x, y, scale, (GLYPH_HEIGHT, length * CELL_WIDTH))
            line = self._texts[key] = TextLine(geometry, length)
        return line

    def span(self, box: Box) -> Box:
        """The picture pixels that show pattern pixels ``box`` (possibly none)."""
        x0, y0, x1, y1 = box
        cols, rows = self._first_col, self._first_row
        return (
            cols[min(max(x0, 0), WIDTH)],
            rows[min(max(y0, 0), HEIGHT)],
            cols[min(max(x1, 0), WIDTH)],
            rows[min(max(y1, 0), HEIGHT)],
        )


@lru_cache(maxsize=64)
def layout_of(width: int, height: int, window: Window) -> Layout:
    """The layout of one size and window (a PTZ move makes new windows all the time, so the
    cache is bounded; ``lru_cache`` is thread-safe)."""
    return Layout(width, height, window)


def fill(planes: Planes, box: Box, y: int, u: int, v: int) -> None:
    """Fill picture pixels ``box`` with one colour (chroma: every sample it touches)."""
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return
    planes.y[y0:y1, x0:x1] = y
    planes.u[y0 // 2 : (y1 + 1) // 2, x0 // 2 : (x1 + 1) // 2] = u
    planes.v[y0 // 2 : (y1 + 1) // 2, x0 // 2 : (x1 + 1) // 2] = v


@dataclass(frozen=True, slots=True)
class TextGeometry:
    """A line of text's place in one picture: its bar's pixels, its glyph area's pixels, and
    for each glyph-area row and column the font pixel it shows."""

    bar: Box
    glyphs: Box
    font_rows: npt.NDArray[np.intp]
    font_cols: npt.NDArray[np.intp]

    @classmethod
    def of(cls, layout: Layout, x: int, y: int, s: int, shape: tuple[int, int]) -> TextGeometry:
        """The place of a line of mask ``shape`` at pattern ``(x, y)``, font scale ``s``."""
        rows, cols = shape
        # One font pixel of bar around the glyphs (the last cell's spacing column is the
        # right one), as TextPainter.draw puts it.
        bar = layout.span((x, y, x + (cols + 1) * s, y + (rows + 2) * s))
        gx, gy = x + s, y + s
        glyphs = layout.span((gx, gy, gx + cols * s, gy + rows * s))
        x0, y0, x1, y1 = glyphs
        font_rows = shared((layout.rows[y0:y1] - gy) // s)
        font_cols = shared((layout.cols[x0:x1] - gx) // s)
        return cls(bar, glyphs, font_rows, font_cols)


class TextLine:
    """The glyph pixels of one line of text at one place of one picture.

    Each character cell's pixels are gathered once per character and place, and the last
    line is kept: a line that differs from the last one in a few characters (a counter, a
    clock) costs a copy and those cells, not a gather of every glyph. Shared by the pool
    threads that draw pictures of one size; every array it hands out is read-only, and a
    race between threads only makes a line twice.
    """

    def __init__(self, geometry: TextGeometry, length: int) -> None:
        self.geometry = geometry
        cells = (geometry.font_cols // CELL_WIDTH).tolist()
        #: For each character, the glyph-area columns that show it (possibly none: clipped).
        self._bounds = [
            (first, last)
            for first, last in zip(
                np.searchsorted(cells, range(length)).tolist(),
                np.searchsorted(cells, range(1, length + 1)).tolist(),
                strict=True,
            )
        ]
        self._cols = geometry.font_cols % CELL_WIDTH
        self._cells: dict[tuple[int, str], Plane] = {}
        self._last: tuple[str, Plane] | None = None

    def columns(self, first: int, end: int) -> tuple[int, int]:
        """The glyph-area columns that show characters ``first`` to ``end`` (exclusive)."""
        return self._bounds[first][0], self._bounds[end - 1][1]

    def pixels(self, text: str) -> Plane:
        """The glyph area's luma for ``text`` (as many characters as the line has)."""
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        x0, y0, x1, y1 = self.geometry.glyphs
        changed: Iterable[int]
        if last is None:
            pixels = np.empty((max(0, y1 - y0), max(0, x1 - x0)), np.uint8)
            changed = range(len(text))
        else:
            pixels = last[1].copy()
            before = last[0]
            changed = [i for i, char in enumerate(text) if char != before[i]]
        for i in changed:
            first, end = self._bounds[i]
            if end > first:
                pixels[:, first:end] = self._cell(i, text[i])
        self._last = (text, shared(pixels))
        return pixels

    def _cell(self, index: int, char: str) -> Plane:
        cell = self._cells.get((index, char))
        if cell is None:
            first, end = self._bounds[index]
            glyph = _CELL_LEVELS[glyph_indices(char)[0]]
            cell = shared(glyph[self.geometry.font_rows][:, self._cols[first:end]])
            self._cells[(index, char)] = cell
        return cell


def shared(array: _Array) -> _Array:
    """``array`` made read-only: it belongs to frames that pool threads draw at once."""
    array.flags.writeable = False
    return array
