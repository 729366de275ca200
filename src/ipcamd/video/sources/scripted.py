"""What a script makes a test-pattern camera show: a still pattern, and an object it moves.

A real camera cannot be told "now something moves in the top-left corner"; a test camera can.
Each test-pattern camera has a :class:`Scene` (kept by the video service across source
reopens, changed by ``ipcamd/scene.cgi``). The pattern asks it two things per frame:
:meth:`Scene.animation_frame` and :meth:`Scene.bars_frame` (the frame number its bouncing box
shows, frozen while the pattern is ``still``; the one its bars show, moving only while it is
``scrolling``) and :meth:`Scene.advance` (where the object is in that frame; the
pattern paints it under the text, at the size each profile draws it).

The object is a rectangle of one grey level (``luma``) in 0-9999 image units, like motion
windows. ``moving`` bounces inside its ``area`` at ``speed`` units per second on each axis;
``still`` stays where it is; ``off`` is not drawn. Its position is a function of the frames
drawn since the last change (at the pattern's 30 fps), not of the clock, so the k-th frame
after a change shows the same picture on every run. A change starts from the object's
current position unless it gives ``position``.

``advance`` runs on the camera's reader thread and ``update`` on the event loop: one lock
guards the state.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from enum import StrEnum

from ipcamd.video.frame import Planes

UNITS = 10_000
MAX_UNIT = UNITS - 1


class PatternMode(StrEnum):
    """What of the pattern moves besides its counter and clock."""

    #: The box bounces over still bars (the default: a still scene with something moving).
    MOVING = "moving"
    #: The bars scroll sideways too: every part of the picture changes in every frame.
    SCROLLING = "scrolling"
    #: Nothing moves.
    STILL = "still"


class ObjectMode(StrEnum):
    """What the scripted object does."""

    OFF = "off"
    STILL = "still"
    MOVING = "moving"


@dataclass(frozen=True, slots=True)
class ObjectScript:
    """The object as a script set it (0-9999 units; ``speed`` in units per second)."""

    mode: ObjectMode = ObjectMode.OFF
    #: left, top, right, bottom: where it may be.
    area: tuple[int, int, int, int] = (0, 0, MAX_UNIT, MAX_UNIT)
    #: width, height.
    size: tuple[int, int] = (1000, 1000)
    #: left, top where it starts (None: the area's top-left corner).
    position: tuple[int, int] | None = None
    speed: tuple[int, int] = (2000, 1500)
    luma: int = 235


@dataclass(frozen=True, slots=True)
class SceneState:
    """What :meth:`Scene.state` reports: the settings and where the object is now."""

    pattern: PatternMode
    script: ObjectScript
    #: The object's left, top in the last frame drawn (where a still object stays).
    position: tuple[int, int]


def _bounce(position: float, span: int) -> int:
    """A coordinate moving back and forth over ``[0, span]``."""
    if span <= 0:
        return 0
    position %= 2 * span
    return round(position if position <= span else 2 * span - position)


def object_position(script: ObjectScript, frames: int, fps: float) -> tuple[int, int]:
    """The object's left, top ``frames`` frames after ``script`` was set (clamped into its
    area; a moving object bounces off the area's edges)."""
    left, top, right, bottom = script.area
    width, height = script.size
    span_x = max(0, right - left + 1 - width)
    span_y = max(0, bottom - top + 1 - height)
    start_x, start_y = script.position if script.position is not None else (left, top)
    offset_x = min(max(start_x - left, 0), span_x)
    offset_y = min(max(start_y - top, 0), span_y)
    if script.mode is ObjectMode.MOVING:
        seconds = frames / fps
        offset_x = _bounce(offset_x + script.speed[0] * seconds, span_x)
        offset_y = _bounce(offset_y + script.speed[1] * seconds, span_y)
    return left + offset_x, top + offset_y


def object_box(
    script: ObjectScript, position: tuple[int, int], width: int, height: int
) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)``: the object's rectangle in a ``width`` x ``height`` picture (at
    least 2x2 pixels, even-aligned for the chroma planes)."""
    x0 = position[0] * width // UNITS & ~1
    y0 = position[1] * height // UNITS & ~1
    x1 = max(x0 + 2, min(width, (position[0] + script.size[0]) * width // UNITS) & ~1)
    y1 = max(y0 + 2, min(height, (position[1] + script.size[1]) * height // UNITS) & ~1)
    return x0, y0, x1, y1


def paint_object(planes: Planes, script: ObjectScript, position: tuple[int, int]) -> None:
    """Fill the object's rectangle with its grey level."""
    x0, y0, x1, y1 = object_box(script, position, planes.width, planes.height)
    planes.y[y0:y1, x0:x1] = script.luma
    planes.u[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = 128
    planes.v[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = 128


class Scene:
    """One test-pattern camera's scripted state (see the module docstring)."""

    def __init__(self, fps: float) -> None:
        self._fps = fps
        self._lock = threading.Lock()
        self._pattern = PatternMode.MOVING
        self._script = ObjectScript()
        self._frames = 0  # frames drawn since the script was set

    def state(self) -> SceneState:
        """The settings and the object's current position."""
        with self._lock:
            position = object_position(self._script, self._frames, self._fps)
            return SceneState(self._pattern, self._script, position)

    def update(
        self, pattern: PatternMode | None = None, script: ObjectScript | None = None
    ) -> SceneState:
        """Set the pattern mode and/or the object; an object without ``position`` carries on
        from where it is now."""
        with self._lock:
            if pattern is not None:
                self._pattern = pattern
            if script is not None:
                if script.position is None:
                    here = object_position(self._script, self._frames, self._fps)
                    script = replace(script, position=here)
                self._script, self._frames = script, 0
            position = object_position(self._script, self._frames, self._fps)
            return SceneState(self._pattern, self._script, position)

    def animation_frame(self, number: int) -> int:
        """The frame number the pattern's bouncing box shows for frame ``number``."""
        return 0 if self._pattern is PatternMode.STILL else number

    def bars_frame(self, number: int) -> int:
        """The frame number the pattern's bars show for frame ``number`` (they scroll only
        when asked to)."""
        return number if self._pattern is PatternMode.SCROLLING else 0

    def advance(self) -> tuple[ObjectScript, tuple[int, int]] | None:
        """Count one more frame being made (reader thread): the object as that frame shows
        it (its script and position), or None while it is off."""
        with self._lock:
            script, frames = self._script, self._frames
            self._frames += 1
        if script.mode is ObjectMode.OFF:
            return None
        return script, object_position(script, frames, self._fps)

    def draw(self, planes: Planes) -> None:
        """Paint the object on a frame of pixels being made; counts the frame."""
        shown = self.advance()
        if shown is not None:
            paint_object(planes, *shown)
