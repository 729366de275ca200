"""The default source: moving colour bars, a bouncing box, the camera number, a frame counter
and the time. Deterministic for a given seed (except the time drawn on it)."""

from __future__ import annotations

import time

import numpy as np

from ipcamd.video.frame import Planes
from ipcamd.video.osd import Background, TextPainter
from ipcamd.video.sources.base import Source
from ipcamd.video.sources.scripted import Scene

WIDTH, HEIGHT = 1280, 960
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


class TestPattern(Source):
    """Frames computed from ``(seed, frame number)``; paced to :data:`FPS` by ``read``."""

    __test__ = False  # not a pytest test class despite the name

    def __init__(
        self, camera: int, seed: int | None, painter: TextPainter, scene: Scene | None = None
    ) -> None:
        self.description = "testpattern"
        self._camera = camera
        self._painter = painter
        #: What a script set (still pattern, a moving object): ``scripted.py``.
        self._scene = scene
        rng = np.random.default_rng(None if seed is None else [seed, camera])
        order = rng.permutation(len(_BARS))
        bar_w = WIDTH // len(_BARS)
        # One row of bars, twice as wide, so any horizontal offset is a slice.
        row = np.repeat(np.array([_BARS[i] for i in order], np.uint8), bar_w, axis=0)
        self._row = np.concatenate([row, row])  # (2*WIDTH, 3)
        self._speed = int(rng.integers(2, 7)) * 2
        self._box = int(rng.integers(80, 160)) & ~1
        self._box_v = (int(rng.integers(3, 9)), int(rng.integers(3, 9)))
        self._box_yuv = tuple(int(c) for c in rng.integers(16, 240, 3))
        self._count = 0
        self._next_due = 0.0

    def open(self) -> None:
        """Restart the frame count and pacing."""
        self._count = 0
        self._next_due = time.monotonic()

    def picture(self, number: int, when: float) -> Planes:
        """Frame ``number`` of the pattern, with ``when`` (host time) drawn in device time."""
        moving = number if self._scene is None else self._scene.animation_frame(number)
        offset = (moving * self._speed) % WIDTH
        row = self._row[offset : offset + WIDTH]
        y = np.empty((HEIGHT, WIDTH), np.uint8)
        y[...] = row[:, 0]
        u = np.empty((HEIGHT // 2, WIDTH // 2), np.uint8)
        u[...] = row[::2, 1]
        v = np.empty((HEIGHT // 2, WIDTH // 2), np.uint8)
        v[...] = row[::2, 2]
        planes = Planes(y, u, v)
        bx = _bounce(moving * self._box_v[0], WIDTH - self._box) & ~1
        by = _bounce(moving * self._box_v[1], HEIGHT - self._box) & ~1
        b = self._box
        y[by : by + b, bx : bx + b] = self._box_yuv[0]
        u[by // 2 : (by + b) // 2, bx // 2 : (bx + b) // 2] = self._box_yuv[1]
        v[by // 2 : (by + b) // 2, bx // 2 : (bx + b) // 2] = self._box_yuv[2]
        if self._scene is not None:
            self._scene.draw(planes)
        local = self._painter.local_time(when)
        stamp = local.strftime("%Y-%m-%d %H:%M:%S")
        millis = local.microsecond // 1000
        paint = self._painter.draw
        paint(
            planes, f"ipcamd camera {self._camera}", 48, 300, scale=8, background=Background.BLACK
        )
        paint(planes, f"frame {number:08d}", 48, 420, scale=8, background=Background.BLACK)
        paint(planes, f"{stamp}.{millis:03d}", 48, 540, scale=6, background=Background.BLACK)
        return planes

    def read(self) -> Planes:
        """The next picture, paced to the configured rate like a real camera."""
        now = time.monotonic()
        if self._next_due > now:
            time.sleep(self._next_due - now)
        else:
            self._next_due = now  # late: do not try to catch up
        self._next_due += 1.0 / FPS
        picture = self.picture(self._count, time.time())
        self._count += 1
        return picture

    def close(self) -> None:
        """Nothing to release; the count starts again at the next open."""
        self._count = 0


def _bounce(position: int, span: int) -> int:
    """A coordinate moving back and forth over ``[0, span]``."""
    if span <= 0:
        return 0
    position %= 2 * span
    return position if position <= span else 2 * span - position
