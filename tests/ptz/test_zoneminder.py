"""ZoneMinder's Axis control script (``Control/AxisV2.pm``): each command it sends, as it
sends it (GET, Basic auth, ``/axis-cgi/com/ptz.cgi``), does what the script means.

Moves run against a digital PTZ; focus and iris (which digital PTZ does not have) against a
Pelco-D dome on a pty, whose frames are checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ipcamd.events import PTZMoved
from tests.conftest import CameraFactory
from tests.ptz.dome import Dome, f
from tests.ptz.test_digital_cgi import wait_for
from tests.support import Camera

PTZ = "/axis-cgi/com/ptz.cgi"
STOP = f(1, 0, 0, 0, 0)


@pytest.fixture
async def zm(
    camera_factory: CameraFactory, dome: Dome
) -> AsyncIterator[tuple[Camera, httpx.AsyncClient]]:
    camera: Camera = await camera_factory(
        cameras=2, ptz={1: "digital", 2: f"pelco-d:{dome.path},address=1"}
    )
    async with httpx.AsyncClient(base_url=camera.url, auth=("root", "pass")) as client:
        yield camera, client


async def send(client: httpx.AsyncClient, query: str) -> None:
    reply = await client.get(f"{PTZ}?{query}")
    assert reply.is_success, (query, reply.status_code, reply.text)
    assert reply.status_code == 204


async def where(client: httpx.AsyncClient) -> str:
    return (await client.get(f"{PTZ}?query=position")).text


async def test_open_finds_ptz(zm: tuple[Camera, httpx.AsyncClient]) -> None:
    _, client = zm
    reply = await client.get("/axis-cgi/param.cgi?action=list&group=Properties.PTZ.PTZ")
    assert reply.status_code == 200
    assert reply.content == b"Properties.PTZ.PTZ=yes\n"


@pytest.mark.parametrize(
    ("command", "pan_sign", "tilt_sign"),
    [
        ("0,30", 0, 1),  # moveConUp
        ("0,-30", 0, -1),  # moveConDown
        ("-30,0", -1, 0),  # moveConLeft
        ("30,0", 1, 0),  # moveConRight
        ("30,30", 1, 1),  # moveConUpRight
        ("-30,30", -1, 1),  # moveConUpLeft
        ("30,-30", 1, -1),  # moveConDownRight
        ("-30,-30", -1, -1),  # moveConDownLeft
    ],
)
async def test_continuous_moves_and_move_stop(
    zm: tuple[Camera, httpx.AsyncClient], command: str, pan_sign: int, tilt_sign: int
) -> None:
    camera, client = zm
    await send(client, "zoom=9999")

    def went(event: PTZMoved) -> bool:
        pan, tilt = event.pan, event.tilt
        return (
            event.moving
            and (pan * pan_sign > 0.05 if pan_sign else pan == 0)
            and (tilt * tilt_sign > 0.05 if tilt_sign else tilt == 0)
        )

    await send(client, f"continuouspantiltmove={command}")
    await wait_for(camera, went)
    # moveStop: both pan/tilt and zoom.
    await send(client, "continuouspantiltmove=0,0")
    await send(client, "continuouszoommove=0")
    assert not camera.device.ptz.heads[1].moving


@pytest.mark.parametrize(("speed", "closer"), [(20, True), (-20, False)])
async def test_zoom_con_tele_wide_and_stop(
    zm: tuple[Camera, httpx.AsyncClient], speed: int, closer: bool
) -> None:
    camera, client = zm
    await send(client, "zoom=5000")
    await send(client, f"continuouszoommove={speed}")  # zoomConTele / zoomConWide
    await wait_for(camera, lambda e: e.moving and (e.zoom > 5000 if closer else e.zoom < 5000))
    await send(client, "continuouszoommove=0")  # zoomStop
    assert not camera.device.ptz.heads[1].moving


async def test_move_map_centres_the_click(zm: tuple[Camera, httpx.AsyncClient]) -> None:
    _, client = zm
    await send(client, "zoom=9999")
    await send(client, "center=600,40&imagewidth=640&imageheight=480")  # moveMap
    assert (await where(client)).startswith("pan=6.5625\r\ntilt=4.6875\r\n")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rtilt=3", "pan=0.0000\r\ntilt=3.0000\r\n"),  # moveRelUp
        ("rtilt=-3", "pan=0.0000\r\ntilt=-3.0000\r\n"),  # moveRelDown
        ("rpan=-3", "pan=-3.0000\r\ntilt=0.0000\r\n"),  # moveRelLeft
        ("rpan=3", "pan=3.0000\r\ntilt=0.0000\r\n"),  # moveRelRight
        ("rpan=3&rtilt=2", "pan=3.0000\r\ntilt=2.0000\r\n"),  # moveRelUpRight
        ("rpan=-3&rtilt=2", "pan=-3.0000\r\ntilt=2.0000\r\n"),  # moveRelUpLeft
        ("rpan=3&rtilt=-2", "pan=3.0000\r\ntilt=-2.0000\r\n"),  # moveRelDownRight
        ("rpan=-3&rtilt=-2", "pan=-3.0000\r\ntilt=-2.0000\r\n"),  # moveRelDownLeft
    ],
)
async def test_relative_moves(
    zm: tuple[Camera, httpx.AsyncClient], query: str, expected: str
) -> None:
    _, client = zm
    await send(client, "zoom=9999")
    await send(client, query)
    assert (await where(client)).startswith(expected)


async def test_zoom_rel_tele_and_wide(zm: tuple[Camera, httpx.AsyncClient]) -> None:
    _, client = zm
    await send(client, "rzoom=500")  # zoomRelTele
    assert (await where(client)).endswith("zoom=501\r\n")
    await send(client, "rzoom=-200")  # zoomRelWide
    assert (await where(client)).endswith("zoom=301\r\n")


@pytest.mark.parametrize(
    ("query", "frames"),
    [
        ("rfocus=-100", [f(1, 0x01, 0, 0, 0), STOP]),  # focusRelNear
        ("rfocus=100", [f(1, 0, 0x80, 0, 0), STOP]),  # focusRelFar
        ("autofocus=on", [f(1, 0, 0x2B, 0, 0)]),  # focusAuto
        ("autofocus=off", [f(1, 0, 0x2B, 0, 1)]),  # focusMan
        ("riris=100", [f(1, 0x02, 0, 0, 0), STOP]),  # irisRelOpen
        ("riris=-100", [f(1, 0x04, 0, 0, 0), STOP]),  # irisRelClose
        ("autoiris=on", [f(1, 0, 0x2D, 0, 0)]),  # irisAuto
        ("autoiris=off", [f(1, 0, 0x2D, 0, 1)]),  # irisMan
    ],
)
async def test_focus_and_iris(
    zm: tuple[Camera, httpx.AsyncClient], dome: Dome, query: str, frames: list[bytes]
) -> None:
    _, client = zm
    await send(client, f"camera=2&{query}")
    assert await dome.read(len(frames)) == frames


async def test_presets_set_goto_clear_and_home(zm: tuple[Camera, httpx.AsyncClient]) -> None:
    camera, client = zm
    await send(client, "zoom=9999&pan=12")
    await send(client, "setserverpresetno=3")  # presetSet (ZoneMinder sends it to ptz.cgi)
    await send(client, "pan=-12")
    await send(client, "gotoserverpresetno=3")  # presetGoto
    assert (await where(client)).startswith("pan=12.0000\r\n")
    await send(client, "removeserverpresetno=3")  # presetClear
    reply = await client.get(f"{PTZ}?gotoserverpresetno=3")
    assert reply.status_code == 404
    # presetHome: needs a home position (set from the web page or ptzconfig.cgi).
    await send(client, "pan=-20")
    reply = await client.get("/axis-cgi/com/ptzconfig.cgi?setserverpresetname=Home&home=yes")
    assert reply.status_code == 204
    await send(client, "pan=0")
    await send(client, "move=home")
    assert (await where(client)).startswith("pan=-20.0000\r\n")
    assert camera.device.params.get("PTZ.PresetPos.P0.Home") == "yes"
