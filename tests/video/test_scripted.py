"""The scripted scene of a test-pattern camera: a still pattern and an object a script moves.

Positions are a function of the frames drawn since the last change, so they are checked
exactly; the pattern is drawn for real (TestPattern.picture) to see what changes between
frames.
"""

from __future__ import annotations

import numpy as np

from ipcamd.video.frame import solid
from ipcamd.video.osd import TextPainter
from ipcamd.video.sources.scripted import (
    ObjectMode,
    ObjectScript,
    PatternMode,
    Scene,
    object_position,
)
from ipcamd.video.sources.testpattern import FPS, HEIGHT, WIDTH, TestPattern

#: Rows of the pattern without text (the camera name, the frame counter and the time are
#: drawn from row 300 to about 590 of 960).
TOP_BAND = slice(0, 280)


def moving(**fields: object) -> ObjectScript:
    return ObjectScript(mode=ObjectMode.MOVING, **fields)  # type: ignore[arg-type]


def test_a_moving_object_bounces_inside_its_area() -> None:
    script = moving(area=(1000, 2000, 4999, 3999), size=(1000, 1000), speed=(3000, -6000))
    assert object_position(script, 0, FPS) == (1000, 2000)
    # Half a second: x moved 1500; y went 3000 up, bounced off the top, came back down.
    assert object_position(script, 15, FPS) == (2500, 3000)
    positions = [object_position(script, k, FPS) for k in range(300)]
    assert {x for x, _ in positions} <= set(range(1000, 4001))  # left + width stays inside
    assert {y for _, y in positions} <= set(range(2000, 3001))
    assert len(set(positions)) > 20  # it moves (x repeats every 60 frames, y every 10)


def test_a_still_object_stays_and_positions_are_clamped_into_the_area() -> None:
    script = ObjectScript(
        ObjectMode.STILL, area=(0, 0, 4999, 4999), size=(2000, 1000), position=(9000, 100)
    )
    assert object_position(script, 0, FPS) == object_position(script, 500, FPS) == (3000, 100)


def test_a_change_carries_on_from_where_the_object_is() -> None:
    scene = Scene(FPS)
    scene.update(script=moving(speed=(3000, 0), size=(500, 500)))
    planes = solid(WIDTH, HEIGHT, 16)
    for _ in range(10):
        scene.draw(planes)
    here = scene.state().position
    assert here == (1000, 0)  # ten frames at 100 units a frame
    stopped = scene.update(script=ObjectScript(ObjectMode.STILL, size=(500, 500)))
    assert stopped.position == here
    for _ in range(10):
        scene.draw(planes)
    assert scene.state().position == here
    placed = scene.update(script=ObjectScript(ObjectMode.STILL, position=(5000, 5000)))
    assert placed.position == (5000, 5000)


def test_the_object_is_painted_where_it_is() -> None:
    scene = Scene(FPS)
    scene.update(
        script=ObjectScript(ObjectMode.STILL, size=(2500, 2500), position=(5000, 0), luma=200)
    )
    planes = solid(WIDTH, HEIGHT, 16)
    scene.draw(planes)
    assert (planes.y[0:240, 640:960] == 200).all()
    assert (planes.y[240:, :] == 16).all()
    assert (planes.y[:, :640] == 16).all()
    scene.update(script=ObjectScript(ObjectMode.OFF))
    fresh = solid(WIDTH, HEIGHT, 16)
    scene.draw(fresh)
    assert (fresh.y == 16).all()


def test_a_still_pattern_repeats_itself_outside_its_text() -> None:
    painter = TextPainter()
    scene = Scene(FPS)
    pattern = TestPattern(1, 7, painter, scene)
    scene.update(pattern=PatternMode.SCROLLING)
    first, later = (pattern.picture(n, 0.0).render(WIDTH, HEIGHT) for n in (3, 90))
    assert not np.array_equal(first.y[TOP_BAND], later.y[TOP_BAND])  # bars scroll
    scene.update(pattern=PatternMode.STILL)
    first, later = (pattern.picture(n, 0.0).render(WIDTH, HEIGHT) for n in (3, 90))
    assert np.array_equal(first.y[TOP_BAND], later.y[TOP_BAND])


def test_by_default_only_the_box_moves_over_still_bars() -> None:
    scene = Scene(FPS)
    pattern = TestPattern(1, 7, TextPainter(), scene)
    assert scene.state().pattern is PatternMode.MOVING
    frames = [pattern.picture(n, 0.0) for n in (3, 90)]
    first, later = (frame.render(WIDTH, HEIGHT) for frame in frames)
    boxes = [frame.box for frame in frames]
    assert boxes[0] != boxes[1]
    # Rows of the top band neither box touches are the same bars in both frames.
    touched = {row for _, top, _, bottom in boxes for row in range(top, bottom)}
    free = [row for row in range(TOP_BAND.stop) if row not in touched]
    assert len(free) > 40, boxes
    assert np.array_equal(first.y[free], later.y[free])
    assert np.array_equal(first.u[[row // 2 for row in free]], later.u[[row // 2 for row in free]])
    # Where the box was, the bars show again.
    x0, y0, x1, y1 = boxes[0]
    assert not np.array_equal(first.y[y0:y1, x0:x1], later.y[y0:y1, x0:x1])


def test_the_pattern_without_a_scene_is_unchanged() -> None:
    painter = TextPainter()
    plain = TestPattern(1, 7, painter)
    scripted = TestPattern(1, 7, painter, Scene(FPS))
    assert np.array_equal(
        plain.picture(42, 0.0).render(WIDTH, HEIGHT).y,
        scripted.picture(42, 0.0).render(WIDTH, HEIGHT).y,
    )
