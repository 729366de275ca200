"""The default source: colour bars, a box bouncing over them, the camera number, a frame
counter and the time. Deterministic for a given seed (except the time drawn on it). The bars
stand still unless a script makes them scroll (``scripted.py``): a camera's picture is
mostly still, and its JPEGs then re-encode only the tiles that change (``jpeg_tiles.py``).

Each frame is a :class:`PatternFrame`, a drawing (``frame.py``): what moves is decided once
per frame where the camera makes it (the bars' offset, the box, a scripted object, the frame
number and time; the text's time stamp is made when the frame is first drawn), and every
profile draws it natively at its own size through the view window, on a pool thread.
Its parts are placed in the pattern's own :data:`WIDTH` x :data:`HEIGHT` pixels; a layout
(``pattern_layout.py``, cached per size and window) says which pattern pixel each picture pixel
shows, so a drawing costs about one write of its planes: the bars as one gathered row per
plane, rectangles as slices, text as the pixels of its characters, each gathered once per
character and place (``TextLine``). Nothing is scaled.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace
from itertools import zip_longest

import numpy as np

from ipcamd.video.frame import Box, Damage, Drawing, Plane, Planes
from ipcamd.video.osd import TextPainter
from ipcamd.video.sources.base import ComputedSource
from ipcamd.video.sources.pattern_layout import (
    HEIGHT,
    WHOLE,
    WIDTH,
    Layout,
    Window,
    fill,
    layout_of,
    shared,
)
from ipcamd.video.sources.pattern_text import GREY_C, Caption, Retyped, TextLineSpec
from ipcamd.video.sources.scripted import Scene, object_box

FPS = 30.0

#: Y, U, V of 75 % colour bars: white, yellow, cyan, green, magenta, red, blue, black.
_BARS = (
    (180, 128, 128),
    (162, 44, 142),
    (131, 156, 44),
    (112, 72, 58),
    (84, 184, 198),
    (65, 100, 212),
    (35, 212, 114),
    (16, 128, 128),
)


@dataclass(frozen=True, slots=True)
class _Since:
    """What changed since the frame the same source made just before, while the bars stood
    still: that frame's token, the pattern rectangles drawn differently (box and object, old
    and new), and its caption (what its text said, to find the characters that changed)."""

    token: Hashable
    boxes: tuple[Box, ...]
    caption: Caption


@dataclass(frozen=True, slots=True)
class PatternFrame(Drawing):
    """One frame of the pattern as the camera decided it; :meth:`render` draws it."""

    width: int
    height: int
    #: The row of bar colours, twice the pattern's width (any offset fits): Y, U, V.
    bars: tuple[Plane, Plane, Plane]
    offset: int
    box: Box
    box_yuv: tuple[int, int, int]
    #: A scripted object's rectangle and grey level, or None.
    scripted: tuple[Box, int] | None
    #: What the text lines say: the title, the frame number, the host time stamp.
    caption: Caption
    window: Window = WHOLE
    #: This frame among its source's frames (an encoder matches it against a later frame's
    #: ``since``), and what changed since the one before; None: not known.
    token: Hashable | None = None
    since: _Since | None = None

    @property
    def texts(self) -> tuple[TextLineSpec, ...]:
        """The three lines of text (the time stamp made on first use, on a pool thread)."""
        return self.caption.texts()

    def render(self, width: int, height: int, over: Planes | None = None) -> Planes:
        """The frame drawn at ``width`` x ``height``: new planes, each pixel written about
        once (bars), then the box, the object and the text over them; or, over the planes
        of the frame just before it (``over``, which the caller gives up), only the rows
        that changed since it: the bars there, then every part that reaches into them."""
        layout = layout_of(width, height, self.window)
        damage = None
        repaint: tuple[Box, ...] = ()
        retyped: tuple[Retyped, ...] = ()
        if self.token is not None and self.since is not None:
            resized, retyped = self.caption.changed_since(self.since.caption)
            texts = self.texts
            repaint = _even(map(layout.span, (*self.since.boxes, *resized)))
            cells = _even(layout.span(texts[i].cells(first, end)) for i, first, end in retyped)
            damage = Damage((self.since.token, self.window, width, height), repaint + cells)
        if (
            damage is not None
            and over is not None
            and over.drawn == damage.since
            and over.y.flags.writeable
        ):
            planes = Planes(over.y, over.u, over.v)
            self._draw(planes, layout, repaint, retyped)
        else:
            planes = Planes(
                np.empty((height, width), np.uint8),
                np.empty((height // 2, width // 2), np.uint8),
                np.empty((height // 2, width // 2), np.uint8),
            )
            self._draw(planes, layout, None, ())
        if self.token is None:
            return planes
        drawn = (self.token, self.window, width, height)
        return Planes(planes.y, planes.u, planes.v, drawn, damage)

    def _draw(
        self,
        planes: Planes,
        layout: Layout,
        repaint: tuple[Box, ...] | None,
        retyped: tuple[Retyped, ...],
    ) -> None:
        """Draw the frame, everywhere (``repaint`` None) or over the last frame: in the
        rectangles ``repaint`` (even bounds) the bars, then each part that reaches into
        them, whole (a part lies where the frame changed or is drawn as it was: the title);
        and the ``retyped`` characters of a line not painted whole."""
        # The bars are vertical: every row is one gathered row (a broadcast copy).
        luma, u_row, v_row = layout.bar_rows(self.bars, self.offset)
        whole = ((0, 0, planes.width, planes.height),)
        for x0, y0, x1, y1 in whole if repaint is None else repaint:
            planes.y[y0:y1, x0:x1] = luma[x0:x1]
            planes.u[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = u_row[x0 // 2 : x1 // 2]
            planes.v[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = v_row[x0 // 2 : x1 // 2]

        def reaches(part: Box) -> bool:
            x0, y0, x1, y1 = part
            return repaint is None or any(
                x0 < right and left < x1 and y0 < bottom and top < y1
                for left, top, right, bottom in repaint
            )

        box = layout.span(self.box)
        if reaches(box):
            fill(planes, box, *self.box_yuv)
        if self.scripted is not None:
            scripted, level = self.scripted
            box = layout.span(scripted)
            if reaches(box):
                fill(planes, box, level, GREY_C, GREY_C)
        for index, text in enumerate(self.texts):
            if reaches(text.bar(layout)):
                text.paint(planes, layout)
                continue
            for line, first, end in retyped:
                if line == index:
                    text.paint_cells(planes, layout, first, end)

    def cropped(self, left: float, top: float, width: float, height: float) -> PatternFrame:
        """This frame seen through a window of the part it shows."""
        x, y, w, h = self.window
        window = (x + left * w, y + top * h, width * w, height * h)
        size = (max(2, round(WIDTH * window[2]) & ~1), max(2, round(HEIGHT * window[3]) & ~1))
        return replace(self, window=window, width=size[0], height=size[1])


class TestPattern(ComputedSource):
    """Frames computed from ``(seed, frame number)``, :data:`FPS` a second: made by ``make``
    on the event loop (the camera's timer) or by ``read`` (paced, blocking)."""

    __test__ = False  # not a pytest test class despite the name

    def __init__(
        self, camera: int, seed: int | None, painter: TextPainter, scene: Scene | None = None
    ) -> None:
        self.description = "testpattern"
        self.fps = FPS
        self._camera = camera
        self._painter = painter
        #: What a script set (still pattern, a moving object): ``scripted.py``.
        self._scene = scene
        rng = np.random.default_rng(None if seed is None else [seed, camera])
        order = rng.permutation(len(_BARS))
        bar_w = WIDTH // len(_BARS)
        row = np.repeat(np.array([_BARS[i] for i in order], np.uint8), bar_w, axis=0)
        row = np.concatenate([row, row])  # (2*WIDTH, 3): any offset below WIDTH fits
        self._bars = (
            shared(row[:, 0].copy()),
            shared(row[:, 1].copy()),
            shared(row[:, 2].copy()),
        )
        self._speed = int(rng.integers(2, 7)) * 2
        self._box = int(rng.integers(80, 160)) & ~1
        self._box_v = (int(rng.integers(3, 9)), int(rng.integers(3, 9)))
        y, u, v = (int(c) for c in rng.integers(16, 240, 3))
        self._box_yuv = (y, u, v)
        self._title = f"ipcamd camera {camera}"
        self._count = 0
        self._next_due = 0.0
        #: Names this run of frames (a new one at every open: numbers start again).
        self._run = object()
        #: The last frame made: its token, bars' offset, moving rectangles and caption.
        self._last: tuple[Hashable, int, tuple[Box, ...], Caption] | None = None

    def open(self) -> None:
        """Restart the frame count and pacing."""
        self._count = 0
        self._next_due = time.monotonic()
        self._run = object()
        self._last = None

    def picture(self, number: int, when: float) -> PatternFrame:
        """Frame ``number`` of the pattern, with ``when`` (host time) drawn in device time."""
        moving = number if self._scene is None else self._scene.animation_frame(number)
        scrolled = 0 if self._scene is None else self._scene.bars_frame(number)
        b = self._box
        bx = _bounce(moving * self._box_v[0], WIDTH - b) & ~1
        by = _bounce(moving * self._box_v[1], HEIGHT - b) & ~1
        scripted = None
        if self._scene is not None:
            shown = self._scene.advance()
            if shown is not None:
                script, position = shown
                scripted = (object_box(script, position, WIDTH, HEIGHT), script.luma)
        offset = (scrolled * self._speed) % WIDTH
        box = (bx, by, bx + b, by + b)
        moved = (box,) if scripted is None else (box, scripted[0])
        token = (self._run, number)
        since = None
        last = self._last
        caption = Caption(self._painter, self._title, number, when)
        if last is not None and last[1] == offset:
            # The box with the box, the object with the object (one that came or went: alone).
            boxes = [
                box
                for then, now in zip_longest(last[2], moved)
                for box in (_covering(then, now) if then and now else (then or now,))
                if box is not None
            ]
            since = _Since(last[0], tuple(boxes), last[3])
        self._last = (token, offset, moved, caption)
        return PatternFrame(
            width=WIDTH,
            height=HEIGHT,
            bars=self._bars,
            offset=offset,
            box=box,
            box_yuv=self._box_yuv,
            scripted=scripted,
            caption=caption,
            token=token,
            since=since,
        )

    def read(self) -> PatternFrame:
        """The next picture, paced to the configured rate like a real camera."""
        now = time.monotonic()
        if self._next_due > now:
            time.sleep(self._next_due - now)
        else:
            self._next_due = now  # late: do not try to catch up
        self._next_due += 1.0 / FPS
        return self.make()

    def make(self) -> PatternFrame:
        """The next frame, now."""
        picture = self.picture(self._count, time.time())
        self._count += 1
        return picture

    def close(self) -> None:
        """Nothing to release; the count starts again at the next open."""
        self._count = 0


def _even(boxes: Iterable[Box]) -> tuple[Box, ...]:
    """Picture rectangles widened to even bounds (a chroma sample is then redrawn exactly
    with its four luma ones), the empty ones left out."""
    return tuple(
        (x0 & ~1, y0 & ~1, (x1 + 1) & ~1, (y1 + 1) & ~1)
        for x0, y0, x1, y1 in boxes
        if x1 > x0 and y1 > y0
    )


def _covering(then: Box, now: Box) -> tuple[Box, ...]:
    """What a rectangle that moved from ``then`` to ``now`` changed: one rectangle around
    both when they overlap (a box moving a few pixels a frame: drawn and encoded once), else
    the two."""
    if then[0] < now[2] and now[0] < then[2] and then[1] < now[3] and now[1] < then[3]:
        return (
            (
                min(then[0], now[0]),
                min(then[1], now[1]),
                max(then[2], now[2]),
                max(then[3], now[3]),
            ),
        )
    return then, now


def _bounce(position: int, span: int) -> int:
    """A coordinate moving back and forth over ``[0, span]``."""
    if span <= 0:
        return 0
    position %= 2 * span
    return position if position <= span else 2 * span - position
