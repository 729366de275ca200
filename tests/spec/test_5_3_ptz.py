"""Spec 5.3 over a raw socket: ptz.cgi and ptzconfig.cgi under every prefix, GET and POST,
HTTP/1.0 and 1.1, the bytes as they go out; HEAD of a command is 405 and moves nothing."""

from __future__ import annotations

import pytest

from tests.conftest import CameraFactory
from tests.spec.raw import (
    FORM,
    PREFIXES,
    TEXT_PLAIN,
    VERSIONS,
    RawReply,
    assert_text,
    cgi,
    exchange,
)
from tests.support import Camera


@pytest.fixture
async def server(camera_factory: CameraFactory) -> Camera:
    """A video server of four inputs, camera 1 with a digital PTZ, camera 3 without any."""
    camera: Camera = await camera_factory(cameras=4, ptz={1: "digital", 2: "digital"})
    return camera


def assert_no_content(reply: RawReply, version: str) -> None:
    assert reply.status_line == f"HTTP/{version} 204 No Content".encode()
    assert reply.body == b""
    assert reply.header("Transfer-Encoding") is None


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("version", VERSIONS)
async def test_info_of_camera_3(server: Camera, prefix: str, version: str) -> None:
    """The spec's example: which PTZ commands camera 3 takes (none: it has no driver)."""
    reply = await cgi(
        server.server.port, f"{prefix}com/ptz.cgi", "info=1&camera=3", version=version
    )
    assert_text(reply, b"Available commands\r\n:\r\n", version)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("post_as", [None, FORM, TEXT_PLAIN])
async def test_every_argument_of_the_table(
    server: Camera, prefix: str, post_as: str | None
) -> None:
    """One request per row of 5.3.3 that a digital PTZ takes: 204, and it moved."""
    port = server.server.port
    path = f"{prefix}com/ptz.cgi"
    for query in (
        "camera=1&zoom=9999",
        "center=100,100&imagewidth=640&imageheight=480",
        "center=320,240",
        "move=up",
        "pan=-10.5",
        "tilt=5",
        "rpan=2",
        "rtilt=-1.25",
        "rzoom=-100",
        "continuouspantiltmove=10,10",
        "continuouspantiltmove=0,0",
        "continuouszoommove=-5",
        "continuouszoommove=0",
        "imagerotation=90&move=left",
        "autopan=on",
        "autopan=off",
        "vertical_reverse=0",
        "horizontal_reverse=0",
        "camera=2&areazoom=320,240,150",
    ):
        reply = await cgi(port, path, query, version="1.1", post_as=post_as)
        assert_no_content(reply, "1.1")
    reply = await cgi(port, path, "query=position", post_as=post_as)
    assert_text_200_lines(reply)
    assert not reply.body.startswith(b"pan=0.0000\r\ntilt=0.0000\r\nzoom=1\r\n")


def assert_text_200_lines(reply: RawReply) -> None:
    assert reply.status == 200
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert reply.body.endswith(b"\r\n")


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_ptzconfig_presets(server: Camera, prefix: str) -> None:
    port = server.server.port
    path = f"{prefix}com/ptzconfig.cgi"
    for query in (
        "setserverpresetname=Lobby&home=yes",
        "camera=1&setserverpresetno=4",
        "removeserverpresetno=4",
        "removeserverpresetname=Lobby",
    ):
        assert_no_content(await cgi(port, path, query), "1.0")
    reply = await cgi(port, f"{prefix}com/ptzconfig.cgi", "osdmenu=open")
    assert reply.status == 400
    assert reply.body == b"Camera 1 (digital) does not support osdmenu\n"


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(
    "query",
    [
        "pan=10",
        "move=left",
        "continuouspantiltmove=50,0",
        "setserverpresetno=1",
        "camera=1&zoom=100",
        "tour=off",
    ],
)
async def test_head_of_a_command_is_405_and_moves_nothing(
    server: Camera, prefix: str, query: str
) -> None:
    port = server.server.port
    reply = await exchange(port, f"{prefix}com/ptz.cgi?{query}", method="HEAD")
    assert reply.status == 405
    assert reply.header("Allow") == "GET,POST"
    position = await exchange(port, "/com/ptz.cgi?query=position")
    assert position.body == b"pan=0.0000\r\ntilt=0.0000\r\nzoom=1\r\n"
    assert not server.device.ptz.heads[1].moving
    listing = await exchange(port, "/param.cgi?action=list&group=PTZ.PresetPos")
    assert listing.body == b""


@pytest.mark.parametrize(
    "query", ["query=position", "query=limits", "info=1", "camera=3&info=1", "whoami=1"]
)
async def test_head_of_a_reading_is_the_head_of_get(server: Camera, query: str) -> None:
    port = server.server.port
    get = await exchange(port, f"/axis-cgi/com/ptz.cgi?{query}")
    head = await exchange(port, f"/axis-cgi/com/ptz.cgi?{query}", method="HEAD")
    assert head.status_line == get.status_line == b"HTTP/1.0 200 OK"
    assert head.header("Content-Length") == get.header("Content-Length")
    assert head.body == b""


async def test_ptzconfig_needs_an_administrator(server: Camera) -> None:
    await server.add_user("vic", "v1", "axview:axptz")
    port = server.server.port
    for prefix in PREFIXES:
        reply = await exchange(
            port, f"{prefix}com/ptzconfig.cgi?setserverpresetno=1", user="vic", password="v1"
        )
        assert reply.status == 401
        reply = await exchange(port, f"{prefix}com/ptz.cgi?pan=1", user="vic", password="v1")
        assert reply.status == 204
    listing = await exchange(port, "/param.cgi?action=list&group=PTZ.PresetPos")
    assert listing.body == b""
