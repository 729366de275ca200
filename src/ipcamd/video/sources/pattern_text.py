"""The test pattern's lines of text: the title, the frame counter and the time stamp, where
they are, how they are painted (all of a line, or only the characters that changed) and what
changed from one frame's text to the next. Placed in pattern pixels; a :class:`Layout` says
where that is in a picture (``pattern_layout.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from ipcamd.video.font import CELL_WIDTH, GLYPH_HEIGHT
from ipcamd.video.frame import Box, Planes
from ipcamd.video.osd import TextPainter
from ipcamd.video.sources.pattern_layout import BLACK_Y, Layout, fill

#: The chroma of grey (the text's bar, the scripted object).
GREY_C = 128


@dataclass(frozen=True, slots=True)
class TextLineSpec:
    """One line of text in pattern pixels: its top-left corner, font scale (7 rows, 6 columns
    per character) and what it says, white on a black bar."""

    x: int
    y: int
    scale: int
    text: str

    def bar(self, layout: Layout) -> Box:
        """The picture pixels of the line's black bar."""
        return layout.text_line(self.x, self.y, self.scale, len(self.text)).geometry.bar

    def paint(self, planes: Planes, layout: Layout) -> None:
        """Paint the line: its bar, then its glyphs."""
        line = layout.text_line(self.x, self.y, self.scale, len(self.text))
        fill(planes, line.geometry.bar, BLACK_Y, GREY_C, GREY_C)
        x0, y0, x1, y1 = line.geometry.glyphs
        if x1 > x0 and y1 > y0:
            planes.y[y0:y1, x0:x1] = line.pixels(self.text)

    def paint_cells(self, planes: Planes, layout: Layout, first: int, end: int) -> None:
        """Paint characters ``first`` to ``end`` (exclusive) of a line already painted with
        others there: their glyph cells only (the bar around them stays as it is)."""
        line = layout.text_line(self.x, self.y, self.scale, len(self.text))
        x0, y0, _, y1 = line.geometry.glyphs
        c0, c1 = line.columns(first, end)
        if c1 > c0 and y1 > y0:
            planes.y[y0:y1, x0 + c0 : x0 + c1] = line.pixels(self.text)[:, c0:c1]

    def cells(self, first: int, end: int) -> Box:
        """The pattern pixels of characters ``first`` to ``end``'s glyph cells."""
        s = self.scale
        cell, x, y = CELL_WIDTH * s, self.x + s, self.y + s
        return x + first * cell, y, x + end * cell, y + GLYPH_HEIGHT * s

    def bar_pattern(self, length: int) -> Box:
        """The pattern pixels of the bar of a line of ``length`` characters at this place."""
        s = self.scale
        return (
            self.x,
            self.y,
            self.x + (length * CELL_WIDTH + 1) * s,
            self.y + (GLYPH_HEIGHT + 2) * s,
        )


#: Characters ``first`` to ``end`` (exclusive) of line ``index`` of a caption changed.
Retyped = tuple[int, int, int]


class Caption:
    """A frame's lines of text, made when the frame is first drawn (in the pool, not on the
    event loop that decides the frame: the time is converted then) and kept for every profile
    drawing it (a race between pool threads only makes them twice)."""

    __slots__ = ("_number", "_painter", "_texts", "_title", "_when")

    def __init__(self, painter: TextPainter, title: str, number: int, when: float) -> None:
        self._painter = painter
        self._title = title
        self._number = number
        self._when = when
        self._texts: tuple[TextLineSpec, ...] | None = None

    def texts(self) -> tuple[TextLineSpec, ...]:
        """The title, the counter and the time stamp (made on first use)."""
        texts = self._texts
        if texts is None:
            stamp = self._painter.stamp(self._when)
            texts = self._texts = (
                TextLineSpec(48, TITLE_Y, 8, self._title),
                TextLineSpec(48, COUNTER_Y, 8, f"frame {self._number:08d}"),
                TextLineSpec(48, CLOCK_Y, 6, stamp),
            )
        return texts

    def changed_since(self, before: Caption) -> tuple[tuple[Box, ...], tuple[Retyped, ...]]:
        """How this frame's text differs from ``before``'s: the pattern pixels of the bars
        that grew or shrank (a line whose length changed: both bars), and for each other line
        that changed, the characters from the first that differs to the last (a counter's
        last digits, a clock's milliseconds), whose glyph cells are all that changed."""
        resized: list[Box] = []
        retyped: list[Retyped] = []
        for index, (now, then) in enumerate(zip(self.texts(), before.texts(), strict=True)):
            if now.text == then.text:
                continue
            if len(now.text) != len(then.text):
                resized.append(now.bar_pattern(max(len(now.text), len(then.text))))
                continue
            changed = [
                i for i, (a, b) in enumerate(zip(now.text, then.text, strict=True)) if a != b
            ]
            retyped.append((index, changed[0], changed[-1] + 1))
        return tuple(resized), tuple(retyped)


#: Where the lines' bars start. The counter's glyphs (pattern rows 456-512) reach no more rows
#: of MCUs than they did from 420 at any size served, and one fewer at 320x240, 640x480,
#: 1280x960 and 3840x2160: each row they reach is a tile encoded again in every frame.
TITLE_Y, COUNTER_Y, CLOCK_Y = 300, 448, 540
