"""ptz.cgi and ptzconfig.cgi with a digital PTZ: moves, presets, queries, events, bad input."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import simplejpeg

from ipcamd.events import PTZMoved
from tests.conftest import CameraFactory
from tests.support import Camera, assert_text
from tests.system.archives import multipart
from tests.system.helpers import restart_and_wait, wait_until

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


async def wait_for(camera: Camera, wanted: Callable[[PTZMoved], bool]) -> PTZMoved:
    """The first PTZMoved (current state included) that ``wanted`` accepts."""
    with camera.device.bus.subscribe(PTZMoved) as events:
        for event in events.initial:
            if isinstance(event, PTZMoved) and wanted(event):
                return event

        async def first() -> PTZMoved:
            async for event in events:
                if isinstance(event, PTZMoved) and wanted(event):
                    return event
            raise AssertionError("the bus closed")

        return await asyncio.wait_for(first(), 10)


async def test_continuous_move_runs_until_stopped(camera_factory: CameraFactory) -> None:
    camera = await digital(camera_factory)
    assert (await camera.get(f"{PTZ}?zoom=9999")).status == 204
    before = (await camera.get("/jpg/image.jpg")).body
    assert (await camera.get(f"{PTZ}?continuouspantiltmove=100,-100")).status == 204
    moving = await wait_for(camera, lambda e: e.moving and e.pan > 1 and e.tilt < -1)
    assert moving.zoom == 9999
    assert (await camera.get(f"{PTZ}?continuouspantiltmove=0,0")).status == 204
    still = await wait_for(camera, lambda e: not e.moving)
    assert still.pan >= moving.pan
    assert not camera.device.ptz.heads[1].moving
    after = (await camera.get("/jpg/image.jpg")).body
    assert decoded(after).mean() != decoded(before).mean()
    text = await position(camera)
    assert text.startswith(f"pan={still.pan:.4f}\r\n")


async def test_continuous_zoom_and_the_safety_stop(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(ptz={1: "digital:timeout=0.3"})
    assert (await camera.get(f"{PTZ}?continuouszoommove=100")).status == 204
    await wait_for(camera, lambda e: e.moving and e.zoom > 1)
    stopped = await wait_for(camera, lambda e: not e.moving and e.zoom > 1)
    assert not camera.device.ptz.heads[1].moving
    assert await position(camera) == f"pan=0.0000\r\ntilt=0.0000\r\nzoom={stopped.zoom}\r\n"


def decoded(jpeg: bytes) -> np.ndarray:
    return simplejpeg.decode_jpeg(jpeg, colorspace="GRAY").astype(int)


async def test_every_stream_of_the_camera_shows_the_move(camera_factory: CameraFactory) -> None:
    camera = await digital(camera_factory)
    sizes = ("640x480", "320x240")
    before = [decoded((await camera.get(f"/jpg/image.jpg?resolution={s}")).body) for s in sizes]
    assert (await camera.get(f"{PTZ}?zoom=9999&pan=-22.5&tilt=16.875")).status == 204
    after = [decoded((await camera.get(f"/jpg/image.jpg?resolution={s}")).body) for s in sizes]
    for old, new in zip(before, after, strict=True):
        assert old.shape == new.shape
        assert np.abs(old - new).mean() > 10
    # The window is the top-left quarter-width corner of the frame: 4x, at the edge.
    window = camera.device.video.view(1).window
    assert (round(window.left, 3), round(window.top, 3), round(window.width, 3)) == (0, 0, 0.25)
    assert len({info.profile for info in camera.device.video.consumers()}) <= 2


async def test_center_areazoom_and_move(camera_factory: CameraFactory) -> None:
    camera = await digital(camera_factory)
    assert (await camera.get(f"{PTZ}?zoom=9999")).status == 204  # 4x: 15 by 11.25 degrees
    reply = await camera.get(f"{PTZ}?center=480,240&imagewidth=640&imageheight=480")
    assert reply.status == 204
    assert (await position(camera)).startswith("pan=3.7500\r\ntilt=0.0000\r\n")
    assert (await camera.get(f"{PTZ}?center=80,30&imagewidth=160&imageheight=120")).status == 204
    assert (await position(camera)).startswith("pan=3.7500\r\ntilt=2.8125\r\n")
    assert (await camera.get(f"{PTZ}?move=left")).status == 204  # a quarter of 15 degrees
    assert (await position(camera)).startswith("pan=0.0000\r\n")
    assert (await camera.get(f"{PTZ}?move=downright")).status == 204
    assert (await position(camera)).startswith("pan=3.7500\r\ntilt=-0.9375\r\n")
    assert (await camera.get(f"{PTZ}?zoom=1&pan=0&tilt=0")).status == 204
    assert (await camera.get(f"{PTZ}?areazoom=320,240,200")).status == 204  # 2x
    assert await position(camera) == "pan=0.0000\r\ntilt=0.0000\r\nzoom=3334\r\n"
    assert (await camera.get(f"{PTZ}?rzoom=-1000&rpan=1.5")).status == 204
    assert await position(camera) == "pan=1.5000\r\ntilt=0.0000\r\nzoom=2334\r\n"


async def test_image_rotation_and_reverse_turn_directions(camera_factory: CameraFactory) -> None:
    camera = await digital(camera_factory)
    assert (await camera.get(f"{PTZ}?zoom=9999")).status == 204
    assert (await camera.get(f"{PTZ}?move=right&imagerotation=180")).status == 204
    assert (await position(camera)).startswith("pan=-3.7500\r\ntilt=0.0000\r\n")
    assert (await camera.get(f"{PTZ}?move=up&imagerotation=90")).status == 204
    assert (await position(camera)).startswith("pan=-7.5000\r\ntilt=0.0000\r\n")
    update = "/axis-cgi/param.cgi?action=update&Image.I0.Rotation=270"
    assert (await camera.get(update)).text == "OK\r\n"
    assert (await camera.get(f"{PTZ}?move=up")).status == 204  # the camera's own rotation
    assert (await position(camera)).startswith("pan=-3.7500\r\n")
    assert (await camera.get(f"{PTZ}?horizontal_reverse=1&vertical_reverse=1")).status == 204
    reply = await camera.get("/axis-cgi/param.cgi?action=list&group=PTZ.Various.V1")
    assert "PTZ.Various.V1.VerticalReverse=true\n" in reply.text
    assert "PTZ.Various.V1.HorizontalReverse=true\n" in reply.text
    assert (await camera.get(f"{PTZ}?move=left&imagerotation=0")).status == 204
    assert (await position(camera)).startswith("pan=0.0000\r\n")


async def test_presets_round_trip_through_param_cgi(camera_factory: CameraFactory) -> None:
    camera = await digital(camera_factory)
    assert (await camera.get(f"{PTZ}?zoom=9999&pan=5.25&tilt=-2")).status == 204
    reply = await camera.get(f"{CONFIG}?setserverpresetname=Door%20%26%20gate&home=yes")
    assert reply.status == 204
    assert (await camera.get(f"{PTZ}?setserverpresetno=7")).status == 204  # as ZoneMinder does
    listing = await camera.get("/axis-cgi/param.cgi?action=list&group=PTZ.PresetPos")
    assert_text(
        listing,
        "PTZ.PresetPos.P0.Name=Door & gate\n"
        "PTZ.PresetPos.P0.ImageSource=0\n"
        "PTZ.PresetPos.P0.Position=1\n"
        "PTZ.PresetPos.P0.Pan=5.25\n"
        "PTZ.PresetPos.P0.Tilt=-2\n"
        "PTZ.PresetPos.P0.Zoom=9999\n"
        "PTZ.PresetPos.P0.Home=yes\n"
        "PTZ.PresetPos.P1.Name=Preset 7\n"
        "PTZ.PresetPos.P1.ImageSource=0\n"
        "PTZ.PresetPos.P1.Position=7\n"
        "PTZ.PresetPos.P1.Pan=5.25\n"
        "PTZ.PresetPos.P1.Tilt=-2\n"
        "PTZ.PresetPos.P1.Zoom=9999\n"
        "PTZ.PresetPos.P1.Home=no\n",
    )
    reply = await camera.get(f"{PTZ}?query=presetposall")
    assert_text(
        reply,
        "Preset Positions for camera 1\r\npresetposno1=Door & gate\r\npresetposno7=Preset 7\r\n",
    )
    # A preset edited through param.cgi is where the head goes.
    update = "/axis-cgi/param.cgi?action=update&PTZ.PresetPos.P1.Pan=-10&PTZ.PresetPos.P1.Zoom=5000"
    assert (await camera.get(update)).text == "OK\r\n"
    assert (await camera.get(f"{PTZ}?gotoserverpresetno=7")).status == 204
    assert await position(camera) == "pan=-10.0000\r\ntilt=-2.0000\r\nzoom=5000\r\n"
    assert (await camera.get(f"{PTZ}?move=home")).status == 204
    assert await position(camera) == "pan=5.2500\r\ntilt=-2.0000\r\nzoom=9999\r\n"
    backup = await camera.get("/axis-cgi/admin/backup.cgi")
    assert b"PTZ.PresetPos.P1.Pan" in backup.body
    assert (await camera.get(f"{CONFIG}?removeserverpresetno=7")).status == 204
    assert (await camera.get(f"{PTZ}?removeserverpresetname=Door%20%26%20gate")).status == 204
    assert (
        await camera.get(f"{PTZ}?query=presetposall")
    ).text == "Preset Positions for camera 1\r\n"
    assert (await camera.get(f"{PTZ}?gotoserverpresetno=7")).status == 404
    assert (await camera.get(f"{CONFIG}?removeserverpresetno=7")).status == 404


async def test_readings(camera_factory: CameraFactory) -> None:
    camera = await digital(camera_factory)
    assert_text(
        await camera.get(f"{PTZ}?query=limits"),
        "MinPan=-30\r\nMaxPan=30\r\nMinTilt=-22.5\r\nMaxTilt=22.5\r\nMinZoom=1\r\n"
        "MaxZoom=9999\r\nMinFieldAngle=15\r\nMaxFieldAngle=60\r\n",
    )
    assert_text(await camera.get(f"{PTZ}?whoami=1"), "digital\r\n")
    info = await camera.get(f"{PTZ}?info=1")
    assert info.status == 200
    lines = info.text.split("\r\n")
    assert lines[:4] == ["Available commands", ":", "{camera=[n]}", "whoami=yes"]
    for command in (
        "center=[x],[y]",
        "pan=[abspos]",
        "continuouszoommove=[speed]",
        "rzoom=[offset]",
    ):
        assert command in lines
    for command in ("rfocus=[offset]", "speed=[n]", "gotodevicepreset=[n]", "rawdata=[hex bytes]"):
        assert command not in lines
    reply = await camera.get(f"{PTZ}?query=speed")
    assert (reply.status, reply.text) == (400, "Camera 1 (digital) does not support speed\n")
    for query in ("query=position&pan=1", "info=1&query=limits", "query=mode"):
        assert (await camera.get(f"{PTZ}?{query}")).status == 400


async def test_cameras_without_a_driver(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(cameras=3, ptz={1: "digital"})
    assert_text(await camera.get(f"{PTZ}?info=1&camera=3"), "Available commands\r\n:\r\n")
    for query in ("pan=1&camera=3", "query=position&camera=2", "continuouszoommove=5&camera=2"):
        reply = await camera.get(f"{PTZ}?{query}")
        assert reply.status == 400, query
        assert reply.text.endswith("has no PTZ driver\n")
    for query in ("pan=1&camera=4", "info=1&camera=4", "camera=0&pan=1", "camera=x"):
        assert (await camera.get(f"{PTZ}?{query}")).status in (400, 404), query
    assert (await camera.get(f"{PTZ}?info=1&camera=4")).status == 404
    reply = await camera.get("/axis-cgi/param.cgi?action=list&group=PTZ.Support")
    assert reply.text.startswith("PTZ.Support.S1.AbsoluteBrightness=false\n")
    assert "S2" not in reply.text
    assert "PTZ.Support.S1.DigitalZoom=true\n" in reply.text
    assert "PTZ.Support.S1.ContinuousFocus=false\n" in reply.text


async def test_who_may_call(camera_factory: CameraFactory) -> None:
    camera = await digital(camera_factory)
    await camera.add_user("vic", "v1", "axview")
    await camera.add_user("olga", "o1", "axoper:axview")
    reply = await camera.get(f"{CONFIG}?setserverpresetno=1", user="vic", password="v1")
    assert reply.status == 401
    reply = await camera.get(f"{CONFIG}?setserverpresetno=1", user="olga", password="o1")
    assert reply.status == 401
    assert (await camera.get(f"{PTZ}?pan=3", user="vic", password="v1")).status == 204
    reply = await camera.get(f"{PTZ}?setserverpresetno=1", user="vic", password="v1")
    assert reply.status == 403
    assert (
        await camera.get(f"{PTZ}?setserverpresetno=1", user="olga", password="o1")
    ).status == 204
    assert (await camera.get(f"{PTZ}?pan=3", user=None)).status == 401
    assert (await camera.get("/axis-cgi/param.cgi?action=list&group=PTZ.PresetPos")).text != ""


async def test_locked_head_refuses_moves(camera_factory: CameraFactory) -> None:
    camera = await digital(camera_factory)
    update = "/axis-cgi/param.cgi?action=update&PTZ.Various.V1.Locked=true"
    assert (await camera.get(update)).text == "OK\r\n"
    reply = await camera.get(f"{PTZ}?pan=3")
    assert (reply.status, reply.text) == (409, "PTZ of camera 1 is locked\n")
    assert (await position(camera)).startswith("pan=0.0000")


async def test_presets_survive_restart_restore_and_factory_default(
    camera_factory: CameraFactory,
) -> None:
    """A restart starts at the home position; restore brings presets back; a factory
    default removes them (they are parameters)."""
    camera = await digital(camera_factory)
    assert (await camera.get(f"{PTZ}?zoom=9999&pan=7")).status == 204
    assert (await camera.get(f"{CONFIG}?setserverpresetname=Home&home=yes")).status == 204
    backup = (await camera.get("/axis-cgi/admin/backup.cgi")).body
    assert await restart_and_wait(camera, "/axis-cgi/restart.cgi") == b"OK\r\n"
    assert await position(camera) == "pan=7.0000\r\ntilt=0.0000\r\nzoom=9999\r\n"
    assert (await camera.get(f"{CONFIG}?removeserverpresetname=Home")).status == 204
    body, headers = multipart(backup)
    reply = await camera.post("/axis-cgi/admin/restore.cgi", data=body, headers=headers)
    assert (reply.status, reply.body) == (200, b"OK\r\n")
    await wait_until(lambda: camera.server.generation == 2 and not camera.server.restarting)
    reply = await camera.get(f"{PTZ}?query=presetposall")
    assert reply.text == "Preset Positions for camera 1\r\npresetposno1=Home\r\n"
    assert await restart_and_wait(camera, "/axis-cgi/factorydefault.cgi") == b"OK\r\n"
    assert (
        await camera.get(f"{PTZ}?query=presetposall")
    ).text == "Preset Positions for camera 1\r\n"


async def test_soft_limits_narrow_the_moves(camera_factory: CameraFactory) -> None:
    camera = await digital(camera_factory)
    update = "/axis-cgi/param.cgi?action=update"
    limits = "PTZ.Limit.L1.MaxPan=10&PTZ.Limit.L1.MinTilt=-5&PTZ.Limit.L1.MaxZoom=8000"
    assert (await camera.get(f"{update}&{limits}")).text == "OK\r\n"
    assert (await camera.get(f"{PTZ}?zoom=9999&pan=25&tilt=-20")).status == 204
    assert await position(camera) == "pan=10.0000\r\ntilt=-5.0000\r\nzoom=8000\r\n"
    reply = await camera.get(f"{PTZ}?query=limits")
    assert reply.text.startswith("MinPan=-30\r\nMaxPan=10\r\nMinTilt=-5\r\nMaxTilt=22.5\r\n")
    assert "MaxZoom=8000\r\n" in reply.text
    for bad in ("PTZ.Limit.L1.MaxPan=31", "PTZ.Limit.L1.MinZoom=0", "PTZ.Limit.L1.MaxPan=1e1"):
        reply = await camera.get(f"{update}&{bad}")
        assert reply.text.startswith("# Error: "), bad
    await camera.add_user("olga", "o1", "axoper:axview")
    reply = await camera.get(f"{update}&PTZ.Limit.L1.MaxPan=5", user="olga", password="o1")
    assert reply.text.startswith("# Error: ")
    assert camera.device.params.get("PTZ.Limit.L1.MaxPan") == "10"
    assert (await camera.get(f"{PTZ}?continuouspantiltmove=100,0")).status == 204
    await wait_for(camera, lambda e: e.moving and e.pan == 10)  # stops at the soft limit
    assert (await camera.get(f"{PTZ}?continuouspantiltmove=0,0")).status == 204


async def test_a_refused_part_leaves_the_rest_undone(camera_factory: CameraFactory) -> None:
    """A viewer may move but not change presets or switches: such a request does nothing."""
    camera = await digital(camera_factory)
    await camera.add_user("vic", "v1", "axview")
    for query in (
        "zoom=9999&pan=5&setserverpresetno=2",
        "rzoom=50&pan=5&vertical_reverse=1",
        "pan=5&removeserverpresetno=1",
    ):
        reply = await camera.get(f"{PTZ}?{query}", user="vic", password="v1")
        assert reply.status in (403, 404), (query, reply)
        assert await position(camera) == "pan=0.0000\r\ntilt=0.0000\r\nzoom=1\r\n"
    listing = await camera.get("/axis-cgi/param.cgi?action=list&group=PTZ.PresetPos,PTZ.Various")
    assert "PresetPos" not in listing.text
    assert "PTZ.Various.V1.VerticalReverse=false\n" in listing.text
