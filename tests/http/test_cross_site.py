"""Issue 9, points 10 and 12: cross-site requests, framing and the ``Server`` header.

A request that would act (the route table says so) and comes from another site, by its
``Origin`` (not the host the request was sent to) or ``Sec-Fetch-Site`` (``cross-site`` or
``same-site``), is refused with 403 and changes nothing; same-origin and header-less clients
(curl, ffmpeg, the axis library, requests) keep working. Replies carry anti-framing headers,
except the pictures and streams that other pages embed.
"""

from __future__ import annotations

import asyncio

import pytest

from ipcamd import __version__
from tests.support import Camera, Reply

ADD_EVE = "/axis-cgi/pwdgrp.cgi?action=add&user=eve&pwd=eve1&sgrp=axadmin:axoper:axview"
UPDATE = "/axis-cgi/param.cgi?action=update&Image.I0.Name=Hijacked"
REFUSED = b"403 Forbidden (cross-site request)\n"


def own_origin(camera: Camera) -> str:
    return f"http://127.0.0.1:{camera.server.port}"


FOREIGN = [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://127.0.0.1:1"},  # another port of the same host is another origin
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
]


@pytest.mark.parametrize(
    "headers", FOREIGN, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items())
)
async def test_a_cross_site_request_that_acts_is_refused(
    camera: Camera, headers: dict[str, str]
) -> None:
    """The page of another site, opened by a logged-in administrator, created an account."""
    before = camera.device.params.snapshot()
    created = await camera.get(ADD_EVE, headers=headers)
    posted = await camera.post(
        "/axis-cgi/param.cgi",
        data=b"action=update&Image.I0.Name=Hijacked",
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    restarted = await camera.get("/axis-cgi/admin/restart.cgi", headers=headers)
    for reply in (created, posted, restarted):
        assert (reply.status, reply.body) == (403, REFUSED)
        assert reply.headers["Content-Type"] == "text/plain"
        assert "WWW-Authenticate" not in reply.headers
    assert camera.device.users.get("eve") is None
    assert camera.device.params.snapshot() == before
    assert camera.server.generation == 0


async def test_the_same_origin_and_clients_without_those_headers_still_act(
    camera: Camera,
) -> None:
    for headers in (
        {},
        {"Origin": own_origin(camera)},
        {"Origin": own_origin(camera).upper().replace("HTTP", "http")},
        {"Sec-Fetch-Site": "same-origin", "Origin": own_origin(camera)},
        {"Sec-Fetch-Site": "none"},  # typed in the address bar
    ):
        reply = await camera.get(UPDATE, headers=headers)
        assert reply.body == b"OK\r\n", headers


async def test_cross_site_reads_are_answered(camera: Camera) -> None:
    """Reading needs no protection (another site cannot read the reply); an <img> of a
    snapshot on another site's page is what cameras are for."""
    headers = {"Sec-Fetch-Site": "cross-site", "Origin": "http://nvr.example"}
    listed = await camera.get("/axis-cgi/param.cgi?action=list&group=Brand.Brand", headers=headers)
    assert listed.body == b"Brand.Brand=ipcamd\n"
    snapshot = await camera.get("/jpg/image.jpg", headers=headers)
    assert snapshot.status == 200
    assert snapshot.headers["Content-Type"] == "image/jpeg"


def assert_not_frameable(reply: Reply) -> None:
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


async def test_replies_may_not_be_framed_but_pictures_and_streams_may(camera: Camera) -> None:
    for reply in (
        await camera.get("/axis-cgi/param.cgi?action=list&group=Brand.Brand"),
        await camera.get("/axis-cgi/pwdgrp.cgi?action=get", user=None),  # 401
        await camera.get("/nothing.cgi"),  # 404
        await camera.get(ADD_EVE, headers={"Origin": "http://evil.example"}),  # 403
    ):
        assert_not_frameable(reply)
    snapshot = await camera.get("/jpg/image.jpg")
    assert snapshot.status == 200
    assert "X-Frame-Options" not in snapshot.headers
    assert "Content-Security-Policy" not in snapshot.headers
    async with camera.session.get(
        camera.url + "/mjpg/video.mjpg",
        headers={"Authorization": "Basic cm9vdDpwYXNz"},
    ) as stream:
        assert stream.headers["Content-Type"].startswith("multipart/x-mixed-replace")
        assert "X-Frame-Options" not in stream.headers
        assert "Content-Security-Policy" not in stream.headers


async def test_the_server_header_is_the_product_token_only(camera: Camera) -> None:
    expected = f"ipcamd/{__version__}"
    for reply in (
        await camera.get("/axis-cgi/param.cgi?action=list&group=Brand.Brand"),
        await camera.get("/nothing.cgi"),
        await camera.get("/axis-cgi/pwdgrp.cgi?action=get", user=None),
        await camera.get("/jpg/image.jpg"),
    ):
        assert reply.headers["Server"] == expected
    # A request the HTTP parser refuses is answered by aiohttp itself: the same token.
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n")
    head = (await asyncio.wait_for(reader.read(), 10)).partition(b"\r\n\r\n")[0]
    writer.close()
    assert head.startswith((b"HTTP/1.0 400", b"HTTP/1.1 400"))
    assert f"\r\nServer: {expected}\r\n".encode() in head + b"\r\n"
    assert b"Python" not in head
    assert b"aiohttp" not in head
