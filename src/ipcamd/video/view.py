"""The view stage of a camera: which part of the full source frame its pictures show.

source → **view** → profiles. Digital PTZ moves a window over the camera's full frame; every
stream, snapshot and internal consumer of that camera (and its tile in ``quad``) sees the
window, because they all take their frames from the camera's :class:`View`. The window is not
part of any profile's key: a continuous move changes the pictures, never the set of profiles
or their encoders. Cropping is a numpy slice (no copy), or for a drawing (the test pattern)
the drawing of the window; each profile then scales (or draws) the window at its own size,
and turns and mirrors it after that (``render.py``), so rotation and mirror stay per profile
while the window is per camera.

The default window is the whole frame, and then a view passes frames through untouched.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from ipcamd.errors import InvalidParameter
from ipcamd.video.frame import Drawing, Frame, Picture, Planes
from ipcamd.video.handover import Handover
from ipcamd.video.producer import Producer


def _fraction(name: str, value: float, low: float, high: float) -> float:
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidParameter(f"view window: {name} {value!r} is not within {low}-{high}")
    return float(value)


def _even(value: float) -> int:
    return 2 * round(value / 2)


@dataclass(frozen=True, slots=True)
class Window:
    """A rectangle of the source frame in fractions of its size: ``left`` and ``top`` of its
    top-left corner, its ``width`` and ``height`` (0-1, inside the frame).

    Fractions keep a window valid whatever the source's resolution (a feed that reconnects
    at another size, the "no video" picture). Raises InvalidParameter for a window that is
    empty or reaches outside the frame.
    """

    left: float = 0.0
    top: float = 0.0
    width: float = 1.0
    height: float = 1.0

    def __post_init__(self) -> None:
        _fraction("left", self.left, 0.0, 1.0)
        _fraction("top", self.top, 0.0, 1.0)
        for name, size, start in (
            ("width", self.width, self.left),
            ("height", self.height, self.top),
        ):
            if not math.isfinite(size) or size <= 0 or start + size > 1.0 + 1e-9:
                raise InvalidParameter(
                    f"view window: {name} {size!r} must be above 0 and end inside the frame"
                )

    @classmethod
    def centred(cls, x: float, y: float, zoom: float) -> Window:
        """The window of the frame's proportions ``zoom`` times smaller than the frame
        (1: the whole frame), centred on ``(x, y)`` (fractions, 0.5 is the middle).

        A centre too close to an edge for the zoom is moved inwards, as a digital PTZ stops
        at the picture's edge rather than showing what is not there.
        """
        _fraction("x", x, 0.0, 1.0)
        _fraction("y", y, 0.0, 1.0)
        if not math.isfinite(zoom) or zoom < 1.0:
            raise InvalidParameter(f"view window: zoom {zoom!r} is below 1")
        size = 1.0 / zoom
        left = min(max(x - size / 2, 0.0), 1.0 - size)
        top = min(max(y - size / 2, 0.0), 1.0 - size)
        return cls(left, top, size, size)

    @property
    def centre(self) -> tuple[float, float]:
        """``(x, y)`` of the window's centre, in fractions of the frame."""
        return self.left + self.width / 2, self.top + self.height / 2

    @property
    def zoom(self) -> float:
        """How many times the window magnifies (1 for the whole frame), along its width."""
        return 1.0 / self.width

    @property
    def whole(self) -> bool:
        """True for the whole frame: the view passes frames through."""
        return self == FULL_FRAME

    def box(self, width: int, height: int) -> tuple[int, int, int, int]:
        """``(x, y, w, h)`` in pixels of a ``width`` x ``height`` frame (even sizes): each an
        even number (I420's chroma is half the size), at least 2 x 2, inside the frame."""
        w = min(width, max(2, _even(self.width * width)))
        h = min(height, max(2, _even(self.height * height)))
        x = min(max(0, _even(self.left * width)), width - w)
        y = min(max(0, _even(self.top * height)), height - h)
        return x, y, w, h


FULL_FRAME: Final = Window()


def crop(planes: Picture, window: Window) -> Picture:
    """The part of ``planes`` inside ``window``, as views into them (no copy); ``planes``
    itself for the whole frame. A drawing gives the drawing of the window, which each profile
    then draws at its own size (a zoom adds detail instead of scaling pixels up)."""
    if window.whole:
        return planes
    if isinstance(planes, Drawing):
        return planes.cropped(window.left, window.top, window.width, window.height)
    x, y, w, h = window.box(planes.width, planes.height)
    if (w, h) == (planes.width, planes.height):
        return planes
    cx, cy, cw, ch = x // 2, y // 2, w // 2, h // 2
    return Planes(
        planes.y[y : y + h, x : x + w],
        planes.u[cy : cy + ch, cx : cx + cw],
        planes.v[cy : cy + ch, cx : cx + cw],
    )


class View(Producer):
    """Camera ``number`` as its profiles see it: each frame of ``source`` through the window.

    Runs while it has users (it is then one user of its source). A picture that is ``whole``
    (the camera's "no video" picture) is shown whole whatever the window: it is a message,
    not a scene.
    """

    def __init__(self, source: Producer, number: int, whole: Planes | None = None) -> None:
        super().__init__(f"view {number}")
        self.source = source
        self.number = number
        self._whole = whole
        self._window = FULL_FRAME
        self._unlisten: Callable[[], None] | None = None
        #: The source's number of the frame published last, its window, and our number of
        #: it (numbers only: a stopped view holds no picture).
        self._shown: tuple[int, Window, int] | None = None

    @property
    def handover(self) -> Handover | None:
        """The source's: a view publishes with its source's frames."""
        return self.source.handover

    @property
    def window(self) -> Window:
        """The part of the source frame shown now."""
        return self._window

    def set_window(self, window: Window, *, republish: bool = True) -> None:
        """Show ``window`` from now on (loop only; cheap enough for every step of a move).

        The source's current frame is published again through the new window at once, so a
        snapshot taken right after a move already shows it, and every stream of the camera
        shows it from its next frame. No profile changes. ``republish=False`` (the steps of a
        continuous move) shows the window from the source's next frame instead: a move that
        steps faster than the source does not add pictures (and encodes) to every stream.
        """
        if window == self._window:
            return
        self._window = window
        if not republish:
            return
        self.fresh_from = self.next_seq
        if self._unlisten is not None:
            self._on_frame()

    def _on_frame(self) -> None:
        frame = self.source.latest
        if frame is None:
            return
        shown = self.publish(self._through_window(frame), frame.time)
        self._shown = (frame.seq, self._window, shown.seq)

    def _through_window(self, frame: Frame) -> Picture:
        planes: Picture = frame.planes
        return planes if planes is self._whole else crop(planes, self._window)

    def _start(self) -> None:
        """The first user arrived: use the source, and show its current frame at once (under
        the number it had if this view showed that very frame, through the same window,
        before it stopped: the profiles' last encodings of it still hold)."""
        self.source.attach(self)
        self._unlisten = self.source.add_listener(self._on_frame)
        shown, frame = self._shown, self.source.latest
        if (
            frame is not None
            and shown == (frame.seq, self._window, self.next_seq - 1)
            and self.latest is None
        ):
            self.publish_again(self._through_window(frame), frame.time)
        else:
            self._on_frame()

    def _stop(self) -> None:
        """The last user left: let the source go (it may linger); forget the last frame."""
        unlisten, self._unlisten = self._unlisten, None
        if unlisten is not None:
            unlisten()
            self.source.detach(self)
        self.latest = None

    def close(self) -> None:
        """Stop for good (server shutdown)."""
        self._stop()
        super().close()
