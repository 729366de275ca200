"""The detector on synthetic pictures: each window parameter does what its name says.

Pictures are 320x240 grey (what the video pipeline hands the detector), a flat background of
luma 60 with squares painted in; the detector measures on 160x120.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ipcamd.motion.detector import (
    FEED_SIZE,
    BackgroundDetector,
    Region,
    luminance_delta,
    memory_seconds,
    object_pixels,
)
from ipcamd.motion.windows import MotionWindow, WindowType

STEP = 0.2  # seconds between pictures (5 a second)


def window(
    number: int = 0,
    box: tuple[int, int, int, int] = (0, 0, 9999, 9999),
    *,
    kind: WindowType = WindowType.INCLUDE,
    sensitivity: int = 90,
    history: int = 90,
    object_size: int = 15,
) -> MotionWindow:
    left, top, right, bottom = box
    return MotionWindow(
        number, 1, kind, left, right, top, bottom, sensitivity, history, object_size, 10
    )


def picture(*squares: tuple[int, int, int, int, int]) -> np.ndarray:
    """A 320x240 picture: background 60, then (x, y, w, h, luma) squares in its pixels."""
    width, height = FEED_SIZE
    pixels = np.full((height, width), 60, np.uint8)
    for x, y, w, h, luma in squares:
        pixels[y : y + h, x : x + w] = luma
    return pixels


def run(
    detector: BackgroundDetector,
    pictures: list[np.ndarray],
    windows: list[MotionWindow],
    start: float = 0.0,
) -> list[list[int]]:
    """Levels of ``windows`` after each picture, one picture every STEP seconds."""
    histories = {w.history for w in windows}
    levels = []
    for index, pixels in enumerate(pictures):
        detector.update(pixels, start + index * STEP, histories)
        levels.append(detector.levels(windows))
    return levels


def test_nothing_moves_nothing_counts() -> None:
    levels = run(BackgroundDetector(), [picture()] * 5, [window()])
    assert levels == [[0]] * 5


def test_a_square_counts_in_its_window_only() -> None:
    # Left half and right half of the picture; the square (80x60 of 320x240) in the left one.
    left, right = window(0, (0, 0, 4999, 9999)), window(1, (5000, 0, 9999, 9999))
    levels = run(BackgroundDetector(), [picture(), picture((40, 60, 80, 60, 200))], [left, right])
    # 40x30 of the window's 80x120 pixels changed: sqrt(1200 / 9600) = 0.354.
    assert levels[-1] == [round(100 * math.sqrt(1200 / 9600)), 0]


def test_the_level_is_the_size_of_what_moves_relative_to_the_window() -> None:
    # A square half the window's width and height is level 50; the whole window 100.
    pictures = [picture(), picture((0, 0, 160, 120, 200)), picture((0, 0, 320, 240, 200))]
    levels = run(BackgroundDetector(), pictures, [window(history=0)])
    assert [row[0] for row in levels] == [0, 50, 100]


def test_exclude_windows_mask_motion_and_area() -> None:
    square = picture((40, 60, 80, 60, 200))
    include = window(0, (0, 0, 4999, 9999))
    masking = window(1, (0, 0, 4999, 4999), kind=WindowType.EXCLUDE)  # covers the square
    levels = run(BackgroundDetector(), [picture(), square], [include, masking])
    assert levels[-1] == [0]  # one level: exclude windows have none
    # Half of the square excluded: what is left counts against the window's unmasked half.
    half = window(1, (0, 0, 4999, 3749), kind=WindowType.EXCLUDE)
    levels = run(BackgroundDetector(), [picture(), square], [include, half])
    counted, area = 40 * 15, 80 * 120 - 80 * 45
    assert levels[-1] == [round(100 * math.sqrt(counted / area))]


def test_a_window_wholly_excluded_is_zero() -> None:
    include = window(0, (0, 0, 4999, 9999))
    masking = window(1, (0, 0, 9999, 9999), kind=WindowType.EXCLUDE)
    levels = run(
        BackgroundDetector(), [picture(), picture((0, 0, 320, 240, 250))], [include, masking]
    )
    assert levels[-1] == [0]


@pytest.mark.parametrize(
    ("luma", "sensitivity", "counted"),
    [(110, 90, True), (110, 50, False), (250, 50, True), (250, 0, False)],
)
def test_sensitivity_is_the_difference_from_the_background(
    luma: int, sensitivity: int, counted: bool
) -> None:
    # Background 60: a difference of 50 counts at 90 (delta 28), not at 50 (delta 124); 190
    # counts at 50 and not at 0 (delta 244, "only very bright objects on a dark background").
    levels = run(
        BackgroundDetector(),
        [picture(), picture((40, 60, 80, 60, luma))],
        [window(sensitivity=sensitivity)],
    )
    assert (levels[-1][0] > 0) is counted
    assert luminance_delta(90) == pytest.approx(28)
    assert luminance_delta(0) == pytest.approx(244)


def test_history_is_how_long_something_new_counts_as_moving() -> None:
    # A square appears and stays: a short memory learns it within a few pictures, a long one
    # still sees it after the same time.
    pictures = [picture()] + [picture((40, 60, 80, 60, 200))] * 8
    short, long = window(0, history=0), window(1, history=90)
    levels = run(BackgroundDetector(), pictures, [short, long])
    assert levels[1][0] > 0
    assert levels[1][1] > 0
    assert levels[-1][0] == 0
    assert levels[-1][1] == levels[1][1]
    assert memory_seconds(0) == pytest.approx(0.2)
    assert memory_seconds(50) == pytest.approx(6.4)
    assert memory_seconds(100) == pytest.approx(204.8)


def test_history_does_not_depend_on_the_analysis_rate() -> None:
    # Learning a square over 2 s: ten pictures 0.2 s apart or twenty 0.1 s apart.
    slow, fast = BackgroundDetector(), BackgroundDetector()
    square = picture((40, 60, 80, 60, 200))
    slow.update(picture(), 0.0, {30})
    fast.update(picture(), 0.0, {30})
    for index in range(1, 11):
        slow.update(square, index * 0.2, {30})
    for index in range(1, 21):
        fast.update(square, index * 0.1, {30})
    assert slow.levels([window(history=30)]) == fast.levels([window(history=30)])


def test_object_size_ignores_changes_smaller_than_an_object() -> None:
    # 4x4 picture pixels (2x2 measured): a speck. ObjectSize 0 counts it, 15 (a box of 24x18
    # on the whole picture) ignores it, while a square of 60x40 measured pixels counts at 15.
    speck = picture((100, 100, 4, 4, 250))
    levels = run(BackgroundDetector(), [picture(), speck], [window(0, object_size=0), window(1)])
    assert levels[-1][0] > 0
    assert levels[-1][1] == 0
    big = picture((100, 100, 120, 80, 250))
    levels = run(BackgroundDetector(), [picture(), big], [window(0, object_size=15)])
    assert levels[-1][0] == round(100 * math.sqrt(60 * 40 / (160 * 120)))
    # ObjectSize 100: only a change the size of the whole window (at least a quarter of
    # every box) counts.
    levels = run(BackgroundDetector(), [picture(), big], [window(0, object_size=100)])
    assert levels[-1] == [0]


def test_object_pixels_needs_a_quarter_of_the_box() -> None:
    changed = np.zeros((20, 20), np.bool_)
    changed[5:10, 5:10] = True  # 25 pixels: exactly a quarter of a 10x10 box at its centre
    assert object_pixels(changed, 10, 10) > 0
    assert object_pixels(changed, 11, 11) == 0
    assert object_pixels(changed, 1, 1) == 25
    assert object_pixels(np.zeros((20, 20), np.bool_), 5, 5) == 0


def test_regions_cover_every_pixel_the_rectangle_touches() -> None:
    assert Region.of(window()) == Region(0, 160, 0, 120)
    assert Region.of(window(box=(5000, 0, 5000, 0))) == Region(80, 81, 0, 1)
    assert Region.of(window(box=(0, 2500, 2499, 4999))) == Region(0, 40, 30, 60)
    # An inverted rectangle (a stored value no check saw) is empty, never an error.
    assert (
        Region.of(window(box=(5000, 0, 4000, 9999))).x0
        == Region.of(window(box=(5000, 0, 4000, 9999))).x1
    )


def test_backgrounds_follow_the_histories_in_use() -> None:
    detector = BackgroundDetector()
    detector.update(picture(), 0.0, {10, 90})
    detector.update(picture((0, 0, 320, 240, 200)), STEP, {90})
    # History 10 is no longer kept; a window asking for it again starts from this picture.
    detector.update(picture((0, 0, 320, 240, 200)), 2 * STEP, {10, 90})
    assert detector.levels([window(0, history=10), window(1, history=90)]) == [0, 100]
