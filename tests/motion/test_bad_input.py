"""Bad motion input gets a clear error and changes nothing: windows through param.cgi, and
motiondata.cgi's arguments (each case its own test)."""

from __future__ import annotations

import pytest

from tests.motion.helpers import add_window
from tests.params.test_param_bad_input import assert_refused
from tests.support import Camera


@pytest.fixture
async def window(camera: Camera) -> int:
    """One window, Top 1000 to Bottom 2000, Left 3000 to Right 4000."""
    return await add_window(camera, Top=1000, Bottom=2000, Left=3000, Right=4000)


ADD = "/axis-cgi/param.cgi?action=add&group=Motion&template=motion"
RANGE = "expected an integer from 0 to 9999"


# ----------------------------------------------------------------------------- windows


@pytest.mark.parametrize(
    ("given", "line"),
    [
        ("Motion.M.Top=10000", f"Error setting 'Motion.M.Top' to '10000': {RANGE}"),
        ("Motion.M.Left=-1", f"Error setting 'Motion.M.Left' to '-1': {RANGE}"),
        ("Motion.M.Right=99999", f"Error setting 'Motion.M.Right' to '99999': {RANGE}"),
        ("Motion.M.Bottom=abc", f"Error setting 'Motion.M.Bottom' to 'abc': {RANGE}"),
        ("Motion.M.Bottom=", f"Error setting 'Motion.M.Bottom' to '': {RANGE}"),
    ],
)
async def test_adding_a_window_out_of_range(camera: Camera, given: str, line: str) -> None:
    await assert_refused(camera, f"{ADD}&{given}", f"# Request failed: {line}\n")


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("Motion.M.Top=7000&Motion.M.Bottom=500", "Top (7000) is greater than Bottom (500)"),
        ("Motion.M.Left=8500&Motion.M.Right=5000", "Left (8500) is greater than Right (5000)"),
        ("Motion.M.Top=9999&Motion.M.Bottom=0", "Top (9999) is greater than Bottom (0)"),
    ],
)
async def test_adding_an_inverted_window(camera: Camera, given: str, reason: str) -> None:
    await assert_refused(
        camera,
        f"{ADD}&{given}",
        f"# Request failed: Invalid values for group 'Motion.M0': {reason}\n",
    )


async def test_updating_a_window_out_of_range(camera: Camera, window: int) -> None:
    await assert_refused(
        camera,
        f"/axis-cgi/param.cgi?action=update&Motion.M{window}.Bottom=10000",
        f"# Error: Error setting 'Motion.M{window}.Bottom' to '10000': {RANGE}\r\n",
    )


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("Top=2001", "Top (2001) is greater than Bottom (2000)"),
        ("Bottom=999", "Top (1000) is greater than Bottom (999)"),
        ("Left=4001&Name=Moved", "Left (4001) is greater than Right (4000)"),
        ("Top=5000&Bottom=4000&Left=0", "Top (5000) is greater than Bottom (4000)"),
    ],
)
async def test_updating_a_window_inside_out(
    camera: Camera, window: int, given: str, reason: str
) -> None:
    query = "&".join(f"Motion.M{window}.{item}" for item in given.split("&"))
    await assert_refused(
        camera,
        f"/axis-cgi/param.cgi?action=update&{query}&Image.MaxViewers=3",
        f"# Error: Invalid values for group 'Motion.M{window}': {reason}\r\n",
    )


async def test_moving_both_edges_at_once_is_fine(camera: Camera, window: int) -> None:
    reply = await camera.get(
        f"/axis-cgi/param.cgi?action=update&Motion.M{window}.Top=5000&Motion.M{window}.Bottom=6000"
    )
    assert reply.text == "OK\r\n"


async def test_adding_an_unknown_motion_parameter(camera: Camera) -> None:
    await assert_refused(
        camera,
        f"{ADD}&Motion.M.Top=500&Motion.M.Level=3",
        "# Request failed: Error setting 'Motion.M.Level' to '3': no such parameter\n",
    )


async def test_updating_an_unknown_motion_parameter(camera: Camera, window: int) -> None:
    await assert_refused(
        camera,
        f"/axis-cgi/param.cgi?action=update&Motion.M{window}.Top=0&Motion.M{window}.Speed=3",
        f"# Error: Error setting 'Motion.M{window}.Speed' to '3': no such parameter\r\n",
    )


@pytest.mark.parametrize(
    ("given", "line"),
    [
        ("Motion.M.WindowType=Include", "expected one of include, exclude"),
        ("Motion.M.Sensitivity=101", "expected an integer from 0 to 100"),
        ("Motion.M.Threshold=-1", "expected an integer from 0 to 100"),
        ("Motion.M.ImageSource=1", "expected an integer from 0 to 0"),
    ],
)
async def test_adding_bad_window_settings(camera: Camera, given: str, line: str) -> None:
    name, value = given.split("=")
    await assert_refused(
        camera, f"{ADD}&{given}", f"# Request failed: Error setting '{name}' to '{value}': {line}\n"
    )


# ----------------------------------------------------------------------------- motiondata.cgi


async def assert_400(camera: Camera, query: str, line: str) -> None:
    """motiondata.cgi?``query`` is a 400 with ``line``; no parameter and no client changed."""
    before = camera.device.params.snapshot()
    reply = await camera.get(f"/axis-cgi/motion/motiondata.cgi?{query}")
    assert reply.status == 400
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.text == line + "\n"
    assert camera.device.params.snapshot() == before
    assert camera.device.motion.clients == 0


@pytest.mark.parametrize(
    ("query", "item"),
    [
        ("group=abc", "abc"),
        ("group=", ""),
        ("group=0,,1", ""),
        ("group=-1", "-1"),
        ("group=0;1", "0;1"),
        ("group=%200", " 0"),
        ("group=12345", "12345"),
    ],
)
async def test_a_group_that_is_no_number(
    camera: Camera, window: int, query: str, item: str
) -> None:
    await assert_400(camera, query, f"Invalid group '{item}' (window numbers, e.g. group=0,1)")


async def test_a_group_that_does_not_exist(camera: Camera, window: int) -> None:
    await assert_400(camera, f"group={window},7", "No motion window 7 (Motion.M7)")


@pytest.mark.parametrize(
    ("query", "line"),
    [
        (
            "Sensitivity=abc",
            "Error setting 'Sensitivity' to 'abc': expected an integer from 0 to 100",
        ),
        ("History=101", "Error setting 'History' to '101': expected an integer from 0 to 100"),
        ("ObjectSize=-5", "Error setting 'ObjectSize' to '-5': expected an integer from 0 to 100"),
        ("Threshold=", "Error setting 'Threshold' to '': expected an integer from 0 to 100"),
        ("Top=10000", "Error setting 'Top' to '10000': expected an integer from 0 to 9999"),
        ("Top=3000", "Window 0 with the overrides: Top (3000) is greater than Bottom (2000)"),
        (
            "Left=9000&Right=100",
            "Window 0 with the overrides: Left (9000) is greater than Right (100)",
        ),
        ("Sensitivity=5&Sensitivity=6", "Argument 'Sensitivity' given more than once"),
    ],
)
async def test_overrides_with_bad_values(
    camera: Camera, window: int, query: str, line: str
) -> None:
    assert window == 0
    await assert_400(camera, query, line)


@pytest.mark.parametrize("name", ["WindowType", "ImageSource", "Name", "Level", "camera"])
async def test_arguments_that_are_no_override(camera: Camera, window: int, name: str) -> None:
    await assert_400(
        camera,
        f"{name}=exclude",
        f"Unknown argument '{name}' (group, Left, Right, Top, Bottom, Sensitivity, History, "
        "ObjectSize, Threshold)",
    )


async def test_bad_input_is_400_before_the_no_window_answer(camera: Camera) -> None:
    # Nothing to report would be a 204, but a malformed request is a 400 first.
    await assert_400(camera, "group=abc", "Invalid group 'abc' (window numbers, e.g. group=0,1)")
    await assert_400(
        camera,
        "Sensitivity=x",
        "Error setting 'Sensitivity' to 'x': expected an integer from 0 to 100",
    )
