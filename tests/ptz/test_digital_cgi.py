"""ptz.cgi and ptzconfig.cgi with a digital PTZ: moves, presets, queries, events, bad input."""

from __future__ import annotations

import numpy as np
import simplejpeg

from ipcamd.events import PTZMoved
from tests.conftest import CameraFactory
from tests.support import Camera

PTZ = "/axis-cgi/com/ptz.cgi"
CONFIG = "/axis-cgi/com/ptzconfig.cgi"


async def digital(factory: CameraFactory, **overrides: object) -> Camera:
    camera: Camera = await factory(ptz={1: "digital"}, seed=1, **overrides)
    return camera


async def position(camera: Camera, number: int = 1) -> str:
    reply = await camera.get(f"{PTZ}?query=position&camera={number}")
    assert reply.status == 200, reply
    return reply.text


async def test_absolute_move_answers_204_and_is_reported(camera_factory: CameraFactory) -> None:
    camera = await digital(camera_factory)
    assert await position(camera) == "pan=0.0000\r\ntilt=0.0000\r\nzoom=1\r\n"
    reply = await camera.get(f"{PTZ}?zoom=9999")
    assert (reply.status, reply.body) == (204, b"")
    reply = await camera.get(f"{PTZ}?pan=10&tilt=-5.5")
    assert reply.status == 204
    assert await position(camera) == "pan=10.0000\r\ntilt=-5.5000\r\nzoom=9999\r\n"
    state = camera.device.bus.state(PTZMoved)
    assert state == [PTZMoved(1, 10.0, -5.5, 9999, False)]


async def test_a_move_changes_the_picture(camera_factory: CameraFactory) -> None:
    camera = await digital(camera_factory)
    before = await camera.get("/jpg/image.jpg")
    assert (await camera.get(f"{PTZ}?zoom=9999&pan=-20&tilt=10")).status == 204
    after = await camera.get("/jpg/image.jpg")
    a = simplejpeg.decode_jpeg(before.body, colorspace="GRAY")
    b = simplejpeg.decode_jpeg(after.body, colorspace="GRAY")
    assert a.shape == b.shape
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 10
    window = camera.device.video.view(1).window
    assert round(window.width, 3) == 0.25


async def test_unknown_and_bad_arguments_change_nothing(camera_factory: CameraFactory) -> None:
    camera = await digital(camera_factory)
    assert (await camera.get(f"{PTZ}?zoom=5000&pan=3")).status == 204
    start = await position(camera)
    for query in (
        "pan=181",
        "pan=abc",
        "pan=1e2",
        "pan=nan",
        "tilt=",
        "zoom=0",
        "zoom=10000",
        "rzoom=12.5",
        "move=sideways",
        "continuouspantiltmove=10",
        "continuouspantiltmove=101,0",
        "continuouszoommove=x",
        "gotoserverpresetno=7",
        "gotoserverpresetname=nowhere",
        "rfocus=10",
        "speed=50",
        "gotodevicepreset=3",
        "rawdata=ff,01,00,08,00,20,29",
        "imagerotation=45",
        "frob=1",
        "camera=2&pan=1",
        "move=home",
        "pan=10&zoom=-4",
    ):
        reply = await camera.get(f"{PTZ}?{query}")
        assert reply.status in (400, 404), (query, reply)
        assert reply.headers["Content-Type"] == "text/plain"
        assert reply.text.endswith("\n"), reply.text
        assert reply.text.count("\n") == 1, reply.text
        assert await position(camera) == start, query
