"""``System.BoaProtViewer=anonymous``: snapshots and streams need no login; nothing else changes.

Off by default (``password``), as on real cameras; an administrator switches it on. A dashboard
page can then embed ``/mjpg/video.mjpg`` (browsers refuse credentials in embedded URLs).
"""

from __future__ import annotations

import asyncio

import pytest

from tests.spec.raw import BOUNDARY_LINE, PREFIXES, exchange, open_raw
from tests.support import Camera

PICTURES = [
    "/jpg/image.jpg",
    "/jpg/1/image.jpg",
    *(f"{prefix}jpg/image.cgi" for prefix in PREFIXES),
    *(f"{prefix}image.cgi?resolution=320x240" for prefix in PREFIXES),
]
STREAMS = [
    "/mjpg/video.mjpg",
    "/mjpg/1/video.mjpg",
    *(f"{prefix}mjpg/video.cgi" for prefix in PREFIXES),
]
#: What stays behind a login whatever the setting.
PROTECTED = [
    "/axis-cgi/param.cgi?action=list&group=Brand.Brand",
    "/axis-cgi/imagesize.cgi?camera=1",
    "/axis-cgi/videostatus.cgi?status=1",
    "/axis-cgi/io/port.cgi?check=1",
    "/axis-cgi/audio/receive.cgi",
    "/axis-cgi/motion/motiondata.cgi",
    "/axis-cgi/list.cgi?diskid=SD_DISK",
    "/axis-cgi/usergroup.cgi",
]


async def _allow_anonymous(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/param.cgi?action=update&System.BoaProtViewer=anonymous")
    assert reply.text == "OK\r\n"


async def _first_part(port: int, target: str) -> bytes:
    """The head of a stream's first part (the stream is then closed)."""
    async with open_raw(port, target, user=None) as (reply, reader):
        assert reply.status == 200, reply.status_line
        assert await asyncio.wait_for(reader.readexactly(len(BOUNDARY_LINE)), 10) == BOUNDARY_LINE
        return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)


async def test_by_default_every_picture_needs_a_login(camera: Camera) -> None:
    assert camera.device.params.get("System.BoaProtViewer") == "password"
    for target in [*PICTURES, *STREAMS]:
        reply = await exchange(camera.server.port, target, user=None)
        assert reply.status == 401, target


@pytest.mark.parametrize("target", PICTURES)
async def test_anonymous_snapshots_when_allowed(camera: Camera, target: str) -> None:
    await _allow_anonymous(camera)
    reply = await exchange(camera.server.port, target, user=None)
    assert reply.status == 200, reply.body
    assert reply.headers("Content-Type") == ["image/jpeg"]
    assert reply.body[:2] == b"\xff\xd8"


@pytest.mark.parametrize("target", STREAMS)
async def test_anonymous_streams_when_allowed(camera: Camera, target: str) -> None:
    await _allow_anonymous(camera)
    head = await _first_part(camera.server.port, target)
    assert head.startswith(b"Content-Type: image/jpeg\r\nContent-Length: ")


async def test_nothing_else_opens(camera: Camera) -> None:
    await _allow_anonymous(camera)
    for target in PROTECTED:
        reply = await exchange(camera.server.port, target, user=None)
        assert reply.status == 401, target
    # Acting requests stay closed too (and a HEAD of one is never a way in).
    reply = await exchange(
        camera.server.port, "/axis-cgi/param.cgi?action=update&Image.I0.Name=X", user=None
    )
    assert reply.status == 401
    assert camera.device.params.get("Image.I0.Name") != "X"


async def test_wrong_credentials_are_still_refused(camera: Camera) -> None:
    await _allow_anonymous(camera)
    reply = await exchange(camera.server.port, "/jpg/image.jpg", password="wrong")
    assert reply.status == 401
    reply = await exchange(camera.server.port, "/jpg/image.jpg")  # a real login still works
    assert reply.status == 200


async def test_only_an_administrator_lets_anonymous_viewers_in(camera: Camera) -> None:
    reply = await camera.get(
        "/axis-cgi/pwdgrp.cgi?action=add&user=vic&pwd=vicpw1&grp=axuser&sgrp=axview"
    )
    assert reply.text == "Created account vic.\r\n"
    reply = await camera.get(
        "/axis-cgi/param.cgi?action=update&System.BoaProtViewer=anonymous",
        user="vic",
        password="vicpw1",
    )
    assert reply.text.startswith("# Error:"), reply.text
    assert camera.device.params.get("System.BoaProtViewer") == "password"
    reply = await camera.get(
        "/axis-cgi/param.cgi?action=update&System.BoaProtViewer=everyone"
    )  # not a value
    assert reply.text.startswith("# Error:"), reply.text
    assert camera.device.params.get("System.BoaProtViewer") == "password"
