"""A scripted run of test-pattern frames that goes through every kind of change a script
makes (an object appears, changes luma and leaves, the box stops, the bars scroll and stop
again): what the tests of drawing and encoding only what changed walk through."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ipcamd.video.osd import TextPainter
from ipcamd.video.sources.scripted import ObjectMode, ObjectScript, PatternMode, Scene
from ipcamd.video.sources.testpattern import FPS, PatternFrame, TestPattern

_SCRIPT = ObjectScript(ObjectMode.MOVING, size=(1500, 1500), speed=(4000, 3000))
#: What the script changes before frame N.
CHANGES: dict[int, dict[str, Any]] = {
    10: {"script": _SCRIPT},
    20: {"script": replace(_SCRIPT, luma=90)},
    30: {"pattern": PatternMode.STILL},
    40: {"script": replace(_SCRIPT, mode=ObjectMode.OFF)},
    50: {"pattern": PatternMode.SCROLLING},
    60: {"pattern": PatternMode.MOVING},
}
#: The frames whose bars moved since the frame before: they cannot say what changed.
SCROLLED = range(50, 61)


def scripted_frames(
    count: int,
    painter: TextPainter,
    window: tuple[float, float, float, float] | None = None,
) -> Iterator[tuple[int, PatternFrame]]:
    """``count`` frames of a pattern going through :data:`CHANGES`, seen through ``window``."""
    scene = Scene(FPS)
    pattern = TestPattern(1, 42, painter, scene)
    pattern.open()
    for number in range(count):
        if number in CHANGES:
            scene.update(**CHANGES[number])
        frame = pattern.make()
        yield number, frame if window is None else frame.cropped(*window)
