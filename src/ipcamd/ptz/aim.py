"""Where a request points the head (pure): absolute, relative, ``move``, ``center`` and
``areazoom`` add up to one target.

Directions in the picture (``move``, ``center``, ``areazoom``, ``continuouspantiltmove``) are
the client's: its stream may be rotated (``imagerotation``, else the camera's
``Image.I<n>.Rotation``) and the head mounted reversed, so they are turned back into the head's
own axes first. ``pan``, ``tilt``, ``rpan`` and ``rtilt`` are the head's axes already.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ipcamd.ptz.driver import Driver, Position
from ipcamd.ptz.request import PtzRequest

#: ``move=`` as a direction in the picture (right, up).
DIRECTIONS: Mapping[str, tuple[int, int]] = {
    "up": (0, 1),
    "down": (0, -1),
    "left": (-1, 0),
    "right": (1, 0),
    "upleft": (-1, 1),
    "upright": (1, 1),
    "downleft": (-1, -1),
    "downright": (1, -1),
}
#: The commands that make a target.
AIMING = frozenset({"pan", "tilt", "zoom", "rpan", "rtilt", "rzoom", "move", "center", "areazoom"})


def unrotate(dx: float, dy: float, rotation: int) -> tuple[float, float]:
    """A direction (right, up) in a picture turned ``rotation`` degrees clockwise, as a
    direction in the camera's own picture."""
    match rotation:
        case 90:
            return -dy, dx
        case 180:
            return -dx, -dy
        case 270:
            return dy, -dx
    return dx, dy


@dataclass(frozen=True)
class Picture:
    """The picture the client sees: its rotation, the head's reverse switches, its size."""

    rotation: int
    horizontal_reverse: bool
    vertical_reverse: bool
    width: int
    height: int

    def direction(self, dx: float, dy: float) -> tuple[float, float]:
        """A direction in this picture as one of the head's axes."""
        dx, dy = unrotate(dx, dy, self.rotation)
        return (-dx if self.horizontal_reverse else dx), (-dy if self.vertical_reverse else dy)


def target(at: Position, driver: Driver, request: PtzRequest, picture: Picture) -> Position | None:
    """Where the request's aiming commands lead from ``at`` (None: it has none)."""
    if not AIMING & set(request.given()) or request.move in ("home", "stop"):
        return None
    optics = driver.spec.optics
    pan = at.pan if request.pan is None else request.pan
    tilt = at.tilt if request.tilt is None else request.tilt
    zoom = at.zoom if request.zoom is None else float(request.zoom)
    pan += request.rpan or 0.0
    tilt += request.rtilt or 0.0
    zoom += request.rzoom or 0
    if request.move is not None:
        step = driver.step(at)
        right, up = DIRECTIONS[request.move]
        dx, dy = picture.direction(right * step, up * step)
        pan, tilt = pan + dx, tilt + dy
    click = request.center or (request.areazoom[:2] if request.areazoom else None)
    if click is not None:
        field_h, field_v = optics.field(at.zoom)
        if picture.rotation in (90, 270):
            field_h, field_v = field_v, field_h
        fx, fy = click[0] / picture.width - 0.5, 0.5 - click[1] / picture.height
        dx, dy = picture.direction(fx * field_h, fy * field_v)
        pan, tilt = pan + dx, tilt + dy
    if request.areazoom is not None:
        magnification = optics.magnification(at.zoom) * request.areazoom[2] / 100
        span = optics.max_zoom - 1.0
        zoom = 1.0 + (magnification - 1.0) / span * 9998 if span > 0 else 1.0
    return Position(pan, tilt, zoom)
