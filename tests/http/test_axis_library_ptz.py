"""Home Assistant's ``axis`` library (v60) drives a camera with PTZ through its own client.

With a digital PTZ on camera 1 the unit says ``Properties.PTZ.PTZ=yes``, so the library loads
``root.PTZ`` at set-up and its ``PtzControl`` commands and queries reach ptz.cgi unmodified.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from axis.device import AxisDevice
from axis.errors import AxisException
from axis.models.ptz_cgi import PtzMove, PtzQuery, PtzRotation

from tests.conftest import CameraFactory
from tests.http.test_axis_library import axis_device
from tests.support import Camera

pytestmark = pytest.mark.axislib


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as session:
        yield session


@pytest.fixture
async def ptz_device(camera_factory: CameraFactory, client: httpx.AsyncClient) -> AxisDevice:
    camera: Camera = await camera_factory(cameras=2, ptz={1: "digital"})
    device = axis_device(camera, client)
    await device.vapix.initialize()
    return device


async def position(device: AxisDevice, camera: int = 1) -> bytes:
    return await device.vapix.request(
        "post", "/axis-cgi/com/ptz.cgi", data={"query": "position", "camera": str(camera)}
    )


async def test_set_up_reads_the_ptz_groups(ptz_device: AxisDevice) -> None:
    vapix = ptz_device.vapix
    properties = vapix.params.property_handler["0"]
    assert properties.ptz is True
    assert properties.digital_ptz is True
    assert properties.api_ptz_presets_version == "1.00"
    ptz = vapix.params.ptz_handler
    assert ptz.initialized  # loaded because Properties.PTZ.PTZ=yes
    params = ptz["0"]
    assert params.number_of_cameras == 2
    assert params.image_source["0"].ptz_enabled is True
    assert params.image_source["1"].ptz_enabled is False
    assert list(params.support) == ["1"]  # only the camera that has a driver
    support = params.support["1"]
    assert (support.digital_zoom, support.continuous_pan, support.area_zoom) == (True, True, True)
    assert (support.continuous_focus, support.device_preset, support.osd_menu) == (
        False,
        False,
        False,
    )
    limits = params.limits["1"]
    assert (limits.min_pan, limits.max_pan, limits.min_zoom, limits.max_zoom) == (
        -30,
        30,
        1,
        9999,
    )
    assert params.various["1"].locked is False


async def test_control_and_queries(ptz_device: AxisDevice) -> None:
    ptz = ptz_device.vapix.ptz
    await ptz.control(camera=1, zoom=9999, pan=10, tilt=-5)
    assert await position(ptz_device) == b"pan=10.0000\r\ntilt=-5.0000\r\nzoom=9999\r\n"
    await ptz.control(relative_pan=-4, relative_tilt=2.5)
    await ptz.control(move=PtzMove.RIGHT, image_rotation=PtzRotation.ROTATION_0)
    assert (await position(ptz_device)).startswith(b"pan=9.7500\r\ntilt=-2.5000\r\n")
    await ptz.control(center=(160, 120), image_width=640, image_height=480)
    assert (await position(ptz_device)).startswith(b"pan=6.0000\r\ntilt=0.3125\r\n")
    await ptz.control(area_zoom=(320, 240, 50))
    await ptz.control(relative_zoom=100)
    await ptz.control(continuous_pantilt_move=(20, 0))
    await ptz.control(continuous_zoom_move=10)
    await ptz.control(move=PtzMove.STOP)
    await ptz.control(continuous_zoom_move=0)
    assert b"moving" not in await position(ptz_device)
    assert await ptz.query(PtzQuery.LIMITS) == (
        b"MinPan=-30\r\nMaxPan=30\r\nMinTilt=-22.5\r\nMaxTilt=22.5\r\nMinZoom=1\r\n"
        b"MaxZoom=9999\r\nMinFieldAngle=15\r\nMaxFieldAngle=60\r\n"
    )
    assert await ptz.configured_device_driver() == b"digital\r\n"
    commands = await ptz.available_ptz_commands()
    assert commands.startswith(b"Available commands\r\n:\r\n{camera=[n]}\r\n")


async def test_presets_through_the_library(ptz_device: AxisDevice) -> None:
    ptz = ptz_device.vapix.ptz
    await ptz.control(zoom=5000, pan=4)
    await ptz_device.vapix.request(
        "post", "/axis-cgi/com/ptzconfig.cgi", data={"setserverpresetname": "Gate"}
    )
    await ptz.control(pan=-4)
    await ptz.control(go_to_server_preset_name="Gate")
    assert (await position(ptz_device)).startswith(b"pan=4.0000\r\n")
    await ptz.control(pan=-4)
    await ptz.control(go_to_server_preset_number=1)
    assert (await position(ptz_device)).startswith(b"pan=4.0000\r\n")
    assert await ptz.query(PtzQuery.PRESETPOSALL) == (
        b"Preset Positions for camera 1\r\npresetposno1=Gate\r\n"
    )


async def test_what_the_driver_cannot_do_is_an_error(ptz_device: AxisDevice) -> None:
    ptz = ptz_device.vapix.ptz
    for command in (
        {"relative_focus": 10},
        {"continuous_iris_move": 5},
        {"auto_focus": True},
        {"go_to_device_preset": 2},
        {"speed": 50},
        {"go_to_server_preset_number": 9},
        {"camera": 2, "pan": 5},
        {"focus": 10},
    ):
        with pytest.raises(AxisException):
            await ptz.control(**command)  # type: ignore[arg-type]
    assert await position(ptz_device) == b"pan=0.0000\r\ntilt=0.0000\r\nzoom=1\r\n"
