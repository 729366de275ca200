"""ipcamd/scene.cgi: show and script a test-pattern camera's scene; bad input changes nothing."""

from __future__ import annotations

import pytest

from tests.conftest import CameraFactory
from tests.spec.raw import PREFIXES, exchange
from tests.support import Camera

DEFAULT = (
    "camera=1\npattern=moving\nobject=off\narea=0,0,9999,9999\nsize=1000,1000\n"
    "position=0,0\nspeed=2000,1500\nluma=235\n"
)


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_the_scene_is_listed_and_set(camera: Camera, prefix: str) -> None:
    shown = await camera.get(f"{prefix}ipcamd/scene.cgi")
    assert shown.status == 200
    assert shown.headers["Content-Type"] == "text/plain"
    assert shown.text == DEFAULT
    reply = await camera.get(
        f"{prefix}ipcamd/scene.cgi?action=set&pattern=still&object=still&area=1000,2000,5000,6000"
        "&size=500&position=2000,3000&speed=-100,50&luma=16"
    )
    assert reply.text == (
        "camera=1\npattern=still\nobject=still\narea=1000,2000,5000,6000\nsize=500,500\n"
        "position=2000,3000\nspeed=-100,50\nluma=16\n"
    )
    # Settings not given keep their values.
    again = await camera.get(f"{prefix}ipcamd/scene.cgi?action=set&pattern=moving")
    assert again.text == reply.text.replace("pattern=still", "pattern=moving")
    assert (await camera.get(f"{prefix}ipcamd/scene.cgi?camera=1&action=get")).text == again.text


async def test_a_still_object_stays_where_a_moving_one_was(camera: Camera) -> None:
    await camera.get("/ipcamd/scene.cgi?action=set&object=moving&speed=3000,3000")
    assert (await camera.get("/jpg/image.jpg")).status == 200  # the camera runs: it moves
    stopped = await camera.get("/ipcamd/scene.cgi?action=set&object=still")
    position = next(line for line in stopped.text.splitlines() if line.startswith("position="))
    shown = await camera.get("/ipcamd/scene.cgi")
    assert position in shown.text.splitlines()


async def test_operators_may_script_viewers_may_not(camera: Camera) -> None:
    await camera.add_user("op", "oppw1", "axoper:axview")
    await camera.add_user("vi", "vipw1", "axview")
    ok = await camera.get("/ipcamd/scene.cgi?action=set&pattern=still", user="op", password="oppw1")
    assert ok.status == 200
    refused = await camera.get("/ipcamd/scene.cgi", user="vi", password="vipw1")
    assert refused.status == 401
    assert camera.device.video.scene(1).state().pattern == "still"


async def test_head_of_a_change_is_405_and_changes_nothing(camera: Camera) -> None:
    reply = await exchange(
        camera.server.port, "/ipcamd/scene.cgi?action=set&pattern=still", method="HEAD"
    )
    assert reply.status == 405
    assert camera.device.video.scene(1).state().pattern == "moving"
    head = await exchange(camera.server.port, "/ipcamd/scene.cgi", method="HEAD")
    assert head.status == 200


@pytest.mark.parametrize(
    ("query", "line"),
    [
        ("action=set", "Nothing to set (pattern, object, area, size, position, speed)"),
        ("pattern=still", "'pattern' needs action=set"),
        ("action=go&pattern=still", "Unknown action 'go' (get or set)"),
        ("action=set&pattern=frozen", "Invalid pattern 'frozen' (moving, scrolling, still)"),
        ("action=set&object=flying", "Invalid object 'flying' (off, still, moving)"),
        ("action=set&area=0,0,100", "Invalid area '0,0,100' (4 integers from 0 to 9999)"),
        (
            "action=set&area=500,0,100,100",
            "Invalid area '500,0,100,100' (left,top,right,bottom: inverted)",
        ),
        ("action=set&area=0,0,10000,100", "Invalid area '0,0,10000,100' (integers from 0 to 9999)"),
        ("action=set&size=0", "Invalid size '0' (integers from 1 to 10000)"),
        ("action=set&size=1,2,3", "Invalid size '1,2,3' (1 or 2 integers from 1 to 10000)"),
        (
            "action=set&area=0,0,999,999&size=1001",
            "The object (1001x1001) does not fit in its area",
        ),
        ("action=set&position=5", "Invalid position '5' (2 integers from 0 to 9999)"),
        ("action=set&speed=20001", "Invalid speed '20001' (integers from -20000 to 20000)"),
        ("action=set&speed=1.5", "Invalid speed '1.5' (1 or 2 integers from -20000 to 20000)"),
        ("action=set&luma=256", "Invalid luma '256' (integers from 0 to 255)"),
        ("action=set&colour=red", "Unknown argument 'colour'"),
        ("action=set&camera=0&pattern=still", "Invalid camera '0'"),
        (
            "action=set&pattern=still&object=moving&luma=x",
            "Invalid luma 'x' (1 integers from 0 to 255)",
        ),
    ],
)
async def test_bad_input_is_400_and_changes_nothing(camera: Camera, query: str, line: str) -> None:
    reply = await camera.get(f"/ipcamd/scene.cgi?{query}")
    assert reply.status == 400
    assert reply.text == line + "\n"
    assert (await camera.get("/ipcamd/scene.cgi")).text == DEFAULT


async def test_cameras_without_the_test_pattern(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(cameras=2, sources={2: "file:missing.mp4"})
    assert (await camera.get("/ipcamd/scene.cgi?camera=3")).status == 404
    other = await camera.get("/ipcamd/scene.cgi?camera=2&action=set&pattern=still")
    assert other.status == 409
    assert other.text == "Camera 2 does not show the test pattern\n"
    assert (await camera.get("/ipcamd/scene.cgi?camera=1")).text == DEFAULT
