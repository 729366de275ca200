"""Windows as values: the group check, reading a group, overrides, and the state hysteresis."""

from __future__ import annotations

import pytest

from ipcamd.errors import InvalidParameter
from ipcamd.motion.hysteresis import Hysteresis, release_level
from ipcamd.motion.windows import MotionWindow, WindowType, check_window

GROUP = {
    "Name": "Door",
    "ImageSource": "1",
    "Left": "100",
    "Right": "200",
    "Top": "300",
    "Bottom": "400",
    "WindowType": "exclude",
    "Sensitivity": "80",
    "History": "70",
    "ObjectSize": "5",
    "Threshold": "25",
}


def test_a_group_reads_as_a_window_of_its_camera() -> None:
    window = MotionWindow.from_values(3, GROUP)
    assert window == MotionWindow(3, 2, WindowType.EXCLUDE, 100, 200, 300, 400, 80, 70, 5, 25)
    assert not window.include
    assert window.key == (2, 3)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"Top": "401"}, "Top (401) is greater than Bottom (400)"),
        ({"Left": "9999", "Right": "0"}, "Left (9999) is greater than Right (0)"),
    ],
)
def test_inverted_rectangles_are_refused(changes: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        check_window({**GROUP, **changes})
    assert str(refused.value) == message


def test_edges_may_meet() -> None:
    check_window({**GROUP, "Top": "400", "Left": "200"})


def test_overrides_replace_values_and_keep_the_window() -> None:
    window = MotionWindow.from_values(0, GROUP)
    assert window.overridden({}) is window
    changed = window.overridden({"Sensitivity": "10", "Bottom": "9000", "Threshold": "0"})
    assert (changed.sensitivity, changed.bottom, changed.threshold) == (10, 9000, 0)
    assert (changed.number, changed.camera, changed.left, changed.history) == (0, 2, 100, 70)
    with pytest.raises(InvalidParameter, match="Window 0 with the overrides: Top"):
        window.overridden({"Top": "500"})


def test_state_turns_on_above_the_threshold_and_off_below_the_band() -> None:
    state = Hysteresis()
    assert not state.update(20, 20)  # at the threshold: not above it
    assert state.update(21, 20)
    assert state.active
    assert not state.update(17, 20)  # inside the band (a fifth of 20 = 4)
    assert state.update(16, 20)
    assert not state.active
    assert not state.update(19, 20)  # off stays off until above the threshold again


@pytest.mark.parametrize(
    ("threshold", "release"), [(0, 0), (1, 0), (4, 3), (10, 8), (50, 40), (100, 80)]
)
def test_release_levels(threshold: int, release: int) -> None:
    assert release_level(threshold) == release


def test_threshold_zero_is_any_motion_and_hundred_is_never() -> None:
    state = Hysteresis()
    assert state.update(1, 0)
    assert state.update(0, 0)
    assert not state.update(100, 100)
