"""Motion levels from small grey pictures: background subtraction per window, pure numpy.

A :class:`Detector` is fed one picture of its camera at a time (:meth:`Detector.update`, in a
worker thread) and then asked for the levels of any set of windows on that picture
(:meth:`Detector.levels`): the camera's configured windows, and those of a ``motiondata.cgi``
stream with overrides, on the same picture at the cost of the windows alone.

:class:`BackgroundDetector` (the model is frigate's ``improved_motion.py``: a small blurred
grey frame, a delta against a running average, a threshold, a minimum object size):

- The picture (320x240 from the video pipeline, nearest-neighbour scaled) is averaged over
  2x2 blocks to :data:`WIDTH` x :data:`HEIGHT`: a box blur that removes the scaling's aliasing
  and most sensor noise.
- **History** sets the background's memory: a running average whose time constant is
  :func:`memory_seconds` (0.2 s at 0, 6.4 s at 50, 102 s at 90, 205 s at 100). Each picture
  moves the background towards itself by ``1 - exp(-dt / memory)``, ``dt`` the time since the
  previous picture, so the memory does not depend on the analysis rate. Something that
  appears and stays counts as moving until the background has learnt it: briefly at a low
  History, for minutes at a high one. One background is kept per History value in use.
- **Sensitivity** sets how different from the background a pixel must be to count as
  changed: more than :func:`luminance_delta` grey levels (4 at 100, 28 at 90, 124 at 50, 244
  at 0: "only very bright objects on a dark background").
- Changed pixels count inside the window and outside every exclude window of its camera.
- **ObjectSize** ignores changes smaller than an object: a changed pixel counts only when at
  least a quarter of the box around it, ObjectSize % of the window's width by ObjectSize % of
  its height, changed too (a change smaller than about half that box each way, such as noise,
  a leaf or a digit of a clock, is ignored). 0 counts every changed pixel.
- The **level** is ``100 * sqrt(counted pixels / window pixels)``, rounded: the size of what
  moves relative to the window, in the units ObjectSize uses (an object a quarter of the
  window's width and height, fully changed, is 25; the whole window is 100).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ipcamd.motion.windows import MAX_COORDINATE, MotionWindow

#: The size the detector measures at (the grey picture it asks for is twice as large).
WIDTH, HEIGHT = 160, 120
FEED_SIZE = (2 * WIDTH, 2 * HEIGHT)
#: The longest gap between two pictures the background takes as time passed (a camera that
#: was not analysed for a while starts from the background it had, not a forgotten one).
MAX_STEP = 1.0

Grey = npt.NDArray[np.uint8]
Levels = npt.NDArray[np.float32]


def luminance_delta(sensitivity: int) -> float:
    """Grey levels (0-255) a pixel must differ from the background by to count as changed."""
    return 4.0 + 2.4 * (100 - sensitivity)


def memory_seconds(history: int) -> float:
    """The background's time constant in seconds for a window's History (0-100)."""
    return 0.2 * math.pow(2.0, history / 10)


class Region(NamedTuple):
    """A window's pixels on the analysis grid: rows ``y0:y1``, columns ``x0:x1``."""

    x0: int
    x1: int
    y0: int
    y1: int

    @classmethod
    def of(cls, window: MotionWindow, width: int = WIDTH, height: int = HEIGHT) -> Region:
        """Every pixel the window's 0-9999 rectangle touches (empty for an inverted one)."""
        units = MAX_COORDINATE + 1
        x0, y0 = window.left * width // units, window.top * height // units
        x1 = max(x0, window.right * width // units + 1)
        y1 = max(y0, window.bottom * height // units + 1)
        if window.right < window.left or window.bottom < window.top:
            return cls(x0, x0, y0, y0)
        return cls(x0, x1, y0, y1)

    @property
    def slices(self) -> tuple[slice, slice]:
        """Index of the region in a (height, width) array."""
        return slice(self.y0, self.y1), slice(self.x0, self.x1)


def object_pixels(changed: npt.NDArray[np.bool_], box_w: int, box_h: int) -> int:
    """Changed pixels with at least a quarter of the ``box_w`` x ``box_h`` box around them
    changed too (box sums from an integral image: four gathers, no Python loop)."""
    needed = box_w * box_h
    total = int(np.count_nonzero(changed))
    if needed <= 1 or total == 0:
        return total
    if total * 4 < needed:
        return 0  # not even all of them together fill a quarter of one box
    h, w = changed.shape
    integral = np.zeros((h + 1, w + 1), np.int32)
    np.cumsum(np.cumsum(changed, axis=0, dtype=np.int32), axis=1, out=integral[1:, 1:])
    ys, xs = np.arange(h), np.arange(w)
    top = np.clip(ys - box_h // 2, 0, h)[:, None]
    bottom = np.clip(ys - box_h // 2 + box_h, 0, h)[:, None]
    left = np.clip(xs - box_w // 2, 0, w)[None, :]
    right = np.clip(xs - box_w // 2 + box_w, 0, w)[None, :]
    boxes = integral[bottom, right] - integral[top, right] - integral[bottom, left]
    boxes += integral[top, left]
    return int(np.count_nonzero(changed & (boxes * 4 >= needed)))


def window_level(difference: Levels, window: MotionWindow, excluded: npt.NDArray[np.bool_]) -> int:
    """The level (0-100) of include ``window`` given the picture's ``difference`` from the
    background of the window's History and the camera's ``excluded`` pixels."""
    region = Region.of(window, difference.shape[1], difference.shape[0])
    rows, columns = region.slices
    counted = ~excluded[rows, columns]
    area = int(np.count_nonzero(counted))
    if area == 0:
        return 0
    changed = (difference[rows, columns] > luminance_delta(window.sensitivity)) & counted
    box_w = max(1, round(window.object_size / 100 * (region.x1 - region.x0)))
    box_h = max(1, round(window.object_size / 100 * (region.y1 - region.y0)))
    moving = object_pixels(changed, box_w, box_h)
    return min(100, round(100 * math.sqrt(moving / area)))


def shrink(picture: Grey) -> Levels:
    """``picture`` averaged over 2x2 blocks (an odd last row or column is dropped)."""
    h, w = picture.shape[0] // 2, picture.shape[1] // 2
    blocks = picture[: 2 * h, : 2 * w].reshape(h, 2, w, 2)
    shrunk: Levels = blocks.mean(axis=(1, 3), dtype=np.float32)
    return shrunk


class Detector(ABC):
    """Measures motion on one camera's pictures; used from one thread at a time, in order."""

    @abstractmethod
    def update(self, picture: Grey, when: float, histories: Collection[int]) -> None:
        """Take the next picture (captured at ``when``), for windows of these History values."""

    @abstractmethod
    def levels(self, windows: Sequence[MotionWindow]) -> list[int]:
        """The level of each include window of ``windows`` on the last picture, in order
        (exclude windows among them mask; their History values were given to ``update``)."""


class BackgroundDetector(Detector):
    """Running-average background subtraction (see the module docstring for the formulas)."""

    def __init__(self) -> None:
        self._backgrounds: dict[int, Levels] = {}
        self._differences: dict[int, Levels] = {}
        self._shape = (HEIGHT, WIDTH)
        self._last: float | None = None

    def update(self, picture: Grey, when: float, histories: Collection[int]) -> None:
        """Difference from each background, then the background learns the picture."""
        frame = shrink(picture)
        if frame.shape != self._shape:  # a new size: nothing learnt so far applies
            self._shape = frame.shape
            self._backgrounds.clear()
        step = 0.0 if self._last is None else min(MAX_STEP, max(0.0, when - self._last))
        self._last = when
        for history in set(self._backgrounds) - set(histories):
            del self._backgrounds[history]
            self._differences.pop(history, None)
        for history in histories:
            background = self._backgrounds.get(history)
            if background is None:
                self._backgrounds[history] = frame.copy()
                self._differences[history] = np.zeros_like(frame)
                continue
            self._differences[history] = np.abs(frame - background)
            weight = 1.0 - math.exp(-step / memory_seconds(history))
            background += np.float32(weight) * (frame - background)

    def levels(self, windows: Sequence[MotionWindow]) -> list[int]:
        """Each include window's level; exclude windows mask every include window."""
        excluded = np.zeros(self._shape, np.bool_)
        for window in windows:
            if not window.include:
                excluded[Region.of(window, self._shape[1], self._shape[0]).slices] = True
        blank = np.zeros(self._shape, np.float32)
        return [
            window_level(self._differences.get(window.history, blank), window, excluded)
            for window in windows
            if window.include
        ]
