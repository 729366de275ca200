"""No input gives a traceback, a 500 or a hang: HEAD, odd methods, huge and slow requests,
clients that go away, and fuzzed arguments for every CGI (Hypothesis, a bounded number of
examples each)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Coroutine
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.spec.raw import (
    BOUNDARY_LINE,
    MULTIPART,
    TEXT_PLAIN,
    RawReply,
    exchange,
    open_raw,
    read_head,
    read_jpeg_part,
    request_bytes,
)
from tests.support import Camera

#: Statuses a CGI may answer with; never a 500.
EXPECTED = {200, 400, 401, 403, 404, 405, 408, 409, 413, 429, 503}

#: GET routes and whether HEAD must give the same head as GET.
READ_ONLY_GETS = [
    "/param.cgi?action=list&group=Brand",
    "/axis-cgi/pwdgrp.cgi?action=get",
    "/usergroup.cgi",
    "/imagesize.cgi?camera=1",
    "/videostatus.cgi?status=1",
    "/jpg/image.jpg",
    "/axis-cgi/jpg/image.cgi?resolution=QCIF",
    "/axis-cgi/admin/date.cgi?action=get",
    "/axis-cgi/admin/systemlog.cgi",
    "/ipfilter.cgi?action=list",
    "/backup.cgi",
    "/no/such/path.cgi",
]


def assert_clean(reply: RawReply) -> None:
    """An expected status and a one-part text or media reply; never a traceback."""
    assert reply.status in EXPECTED, (reply.status_line, reply.body[:300])
    assert b"Traceback" not in reply.body
    assert b'File "' not in reply.body


# --- HEAD and methods ----------------------------------------------------------------------


@pytest.mark.parametrize("target", READ_ONLY_GETS)
async def test_head_gives_the_head_of_get(camera: Camera, target: str) -> None:
    port = camera.server.port
    get = await exchange(port, target)
    head = await exchange(port, target, method="HEAD")
    assert head.status_line == get.status_line
    assert head.headers("Content-Type") == get.headers("Content-Type")
    if target not in ("/jpg/image.jpg", "/axis-cgi/jpg/image.cgi?resolution=QCIF"):
        # A new frame (or a new log line, a new backup time) may differ in size.
        if "systemlog" not in target and "backup" not in target:
            assert head.header("Content-Length") == get.header("Content-Length")
    else:
        assert int(head.header("Content-Length") or 0) > 0


async def test_head_of_a_stream_ends_at_once(camera: Camera) -> None:
    """HEAD of an MJPEG URL: the stream's head, no body, the connection closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    try:
        writer.write(request_bytes("/mjpg/video.mjpg", method="HEAD", version="1.0"))
        status, lines = await read_head(reader)
        head = RawReply(status, lines, b"")
        assert status == b"HTTP/1.0 200 OK"
        assert head.headers("Content-Type") == [MULTIPART]
        assert await asyncio.wait_for(reader.read(), 5) == b""
    finally:
        writer.close()
    assert camera.device.video.hub.viewers == 0


@pytest.mark.parametrize("path", ["restart.cgi", "factorydefault.cgi", "hardfactorydefault.cgi"])
async def test_head_never_restarts_or_resets(camera: Camera, path: str) -> None:
    reply = await exchange(camera.server.port, f"/axis-cgi/admin/{path}", method="HEAD")
    assert reply.status == 405
    assert "HEAD" not in (reply.header("Allow") or "")
    await asyncio.sleep(0.2)
    assert camera.server.generation == 0
    assert not camera.server.restarting


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])
@pytest.mark.parametrize("target", ["/param.cgi?action=list", "/jpg/image.jpg", "/restart.cgi"])
async def test_other_methods_are_405(camera: Camera, method: str, target: str) -> None:
    reply = await exchange(camera.server.port, target, method=method)
    assert reply.status == 405
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert reply.header("Allow")
    assert camera.server.generation == 0


async def test_a_method_the_parser_does_not_know_is_refused(camera: Camera) -> None:
    """aiohttp's parser refuses a method it does not know with a 400 (never a 500)."""
    reply = await exchange(camera.server.port, "/param.cgi?action=list", method="FROB")
    assert reply.status in (400, 405, 501)


# --- Size limits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        [("X-Big", "a" * 9000)],
        [(f"X-H{i}", "a") for i in range(300)],
        [("Cookie", "c=" + "x" * 8300)],
    ],
    ids=["long-header", "many-headers", "long-cookie"],
)
async def test_huge_heads_are_400(camera: Camera, headers: list[tuple[str, str]]) -> None:
    reply = await exchange(camera.server.port, "/param.cgi?action=list", headers=headers)
    assert reply.status == 400
    assert b"Traceback" not in reply.body


async def test_a_huge_target_is_refused(camera: Camera) -> None:
    reply = await exchange(camera.server.port, "/param.cgi?action=list&group=" + "A" * 20000)
    assert reply.status in (400, 414)


# --- Slow and vanishing clients ------------------------------------------------------------


async def test_slowloris_connections_are_closed(camera_factory: Any) -> None:
    """A head sent a byte at a time, and a connection that never sends, are both dropped."""
    cam: Camera = await camera_factory(http_idle_timeout=1.0)
    port = cam.server.port
    silent_reader, silent_writer = await asyncio.open_connection("127.0.0.1", port)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    try:
        request = request_bytes("/param.cgi?action=list", version="1.1")
        closed = False
        for byte in request[:-4]:
            writer.write(bytes([byte]))
            try:
                await writer.drain()
            except ConnectionError:
                closed = True
                break
            if reader.at_eof():
                closed = True
                break
            await asyncio.sleep(0.2)
            if time.monotonic() - started > 5:
                break
        data = await asyncio.wait_for(reader.read(), 5)
        assert closed or reader.at_eof()
        assert not data.startswith(b"HTTP/1.1 200")
        assert await asyncio.wait_for(silent_reader.read(), 5) == b""
        assert time.monotonic() - started < 6
    finally:
        writer.close()
        silent_writer.close()
    # The server still answers, and a stream longer than the idle timeout is not cut.
    assert (await exchange(port, "/param.cgi?action=list&group=Brand.Brand")).status == 200
    async with open_raw(port, "/mjpg/video.mjpg?resolution=QQVGA&fps=10") as (head, stream):
        assert head.status == 200
        assert await asyncio.wait_for(stream.readexactly(len(BOUNDARY_LINE)), 10) == (BOUNDARY_LINE)
        until = time.monotonic() + 1.5
        while time.monotonic() < until:
            await read_jpeg_part(stream)
            assert await asyncio.wait_for(stream.readexactly(len(BOUNDARY_LINE)), 10) == (
                BOUNDARY_LINE
            )


async def test_a_slow_form_body_is_408(camera_factory: Any) -> None:
    cam: Camera = await camera_factory(http_idle_timeout=1.0)
    reader, writer = await asyncio.open_connection("127.0.0.1", cam.server.port)
    try:
        writer.write(
            request_bytes(
                "/param.cgi",
                method="POST",
                headers=[("Content-Type", "text/plain"), ("Content-Length", "100")],
                body=b"action=update&Image.MaxViewers=3",
            )
        )
        status, _ = await read_head(reader)
        assert status == b"HTTP/1.0 408 Request Timeout"
    finally:
        writer.close()
    listed = await exchange(cam.server.port, "/param.cgi?action=list&group=Image.MaxViewers")
    assert listed.body == b"Image.MaxViewers=20\n"


async def test_a_client_leaving_mid_stream_frees_its_slot(camera: Camera) -> None:
    port = camera.server.port
    await exchange(port, "/param.cgi?action=update&Image.MaxViewers=1")
    for _ in range(3):
        async with open_raw(port, "/mjpg/video.mjpg") as (head, reader):
            assert head.status == 200
            assert await asyncio.wait_for(reader.readexactly(len(BOUNDARY_LINE)), 10) == (
                BOUNDARY_LINE
            )
            await read_jpeg_part(reader)
            # Gone in the middle of the next part.
            await asyncio.wait_for(reader.readexactly(100), 10)
        hub = camera.device.video.hub
        deadline = time.monotonic() + 5
        while hub.viewers and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert hub.viewers == 0
    assert (await exchange(port, "/jpg/image.jpg")).status == 200


async def test_a_client_leaving_mid_upload_changes_nothing(camera: Camera) -> None:
    port = camera.server.port
    await exchange(port, "/param.cgi?action=update&Image.MaxViewers=9")
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = request_bytes(
        "/axis-cgi/admin/restore.cgi",
        method="POST",
        headers=[
            ("Content-Type", "multipart/form-data; boundary=AaBo3x"),
            ("Content-Length", "500000"),
        ],
    )
    writer.write(
        head + b'--AaBo3x\r\nContent-Disposition: form-data; name="backup.tar"; '
        b'filename="b.tar"\r\nContent-Type: application/x-tar\r\n\r\n' + b"\0" * 20000
    )
    await writer.drain()
    await asyncio.sleep(0.2)
    writer.close()
    await asyncio.sleep(0.3)
    assert camera.server.generation == 0
    listed = await exchange(port, "/param.cgi?action=list&group=Image.MaxViewers")
    assert listed.body == b"Image.MaxViewers=9\n"


# --- Fuzzing -------------------------------------------------------------------------------

#: Argument names each CGI knows (plus random ones the strategy adds). Names that could lock
#: the test client out (auth policy, IP filter verification) are left out on purpose.
CGI_NAMES: dict[str, list[str]] = {
    "/param.cgi": [
        "action",
        "group",
        "template",
        "force",
        "responseformat",
        "Image.MaxViewers",
        "Image.I0.Resolution",
        "Event.E.Name",
        "Motion.M.Top",
        "root.Brand.Brand",
        "StreamProfile.S.Parameters",
    ],
    "/pwdgrp.cgi": ["action", "user", "pwd", "grp", "sgrp", "comment"],
    "/imagesize.cgi": ["camera", "resolution", "compression", "rotation", "squarepixel"],
    "/videostatus.cgi": ["status"],
    "/image.cgi": ["camera", "resolution", "compression", "rotation", "clock", "date", "text"],
    "/mjpg/video.cgi": [
        "camera",
        "resolution",
        "fps",
        "req_fps",
        "nbrofframes",
        "duration",
        "streamprofile",
        "textstring",
    ],
    "/axis-cgi/admin/date.cgi": [
        "action",
        "year",
        "month",
        "day",
        "hour",
        "minute",
        "second",
        "timezone",
    ],
    "/setosd.cgi": ["Commit", "DateEnabled", "ClockEnabled", "TextEnabled", "String"],
    "/ipfilter.cgi": ["action", "ipaddress", "policy"],
    "/axis-cgi/admin/systemlog.cgi": ["x"],
    "/backup.cgi": ["x"],
    "/restart.cgi": ["x"],  # any argument is refused: never a restart
    "/factorydefault.cgi": ["x"],
    "/hardfactorydefault.cgi": ["x"],
}

#: CGIs that restart or reset the unit when called without arguments.
RESETS = ("/restart.cgi", "/factorydefault.cgi", "/hardfactorydefault.cgi")

VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "list",
            "update",
            "add",
            "remove",
            "get",
            "set",
            "removeall",
            "yes",
            "no",
            "1",
            "2",
            "quad",
            "QCIF",
            "1280x1024",
            "Event",
            "event",
            "Motion",
            "Event.E0",
            "*",
            "Image.*.Resolution",
            "-1",
            "99999999999999999999",
            "10.0.0.1/24",
            "GMT",
            "joe",
            "axadmin:axoper",
            "1,2,3,4",
        ]
    ),
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=5),
)


@st.composite
def queries(draw: st.DrawFn, names: list[str]) -> str:
    """A percent-encoded query: known and random names, odd values, sometimes raw garbage."""
    if draw(st.integers(0, 9)) == 0:
        raw = draw(st.binary(max_size=40))
        return "".join(chr(b) if 0x21 <= b < 0x7F and b != 0x23 else f"%{b:02X}" for b in raw)
    pairs = draw(
        st.lists(
            st.tuples(st.one_of(st.sampled_from(names), st.text(max_size=10)), VALUES),
            min_size=1,
            max_size=5,
        )
    )
    return "&".join(f"{quote(k, safe='.*')}={quote(v, safe='')}" for k, v in pairs)


FUZZ = settings(
    max_examples=int(os.environ.get("IPCAMD_FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize="IPCAMD_FUZZ_EXAMPLES" not in os.environ,
)


def on_loop(loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, RawReply]) -> RawReply:
    """Run a request on the server's loop from Hypothesis's thread (bounded)."""
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(30)


@pytest.mark.parametrize("cgi", list(CGI_NAMES))
async def test_fuzzed_arguments_never_break_a_cgi(camera: Camera, cgi: str) -> None:
    """Hypothesis runs in a worker thread; each request runs on the server's event loop."""
    port = camera.server.port
    loop = asyncio.get_running_loop()

    @FUZZ
    @given(query=queries(CGI_NAMES[cgi]), post=st.booleans())
    def one(query: str, post: bool) -> None:
        if "mjpg" in cgi:
            query += "&nbrofframes=1&resolution=QQVGA"
        if cgi in RESETS:
            query = "x=1&" + query  # with any argument: refused, never a restart
        if post:
            request = exchange(
                port,
                cgi,
                method="POST",
                headers=[("Content-Type", "text/plain")],
                body=query.encode("ascii"),
            )
        else:
            request = exchange(port, f"{cgi}?{query}")
        assert_clean(on_loop(loop, request))

    await asyncio.to_thread(one)
    assert camera.server.generation == 0
    alive = await exchange(port, "/param.cgi?action=list&group=Brand.Brand")
    assert alive.body == b"Brand.Brand=ipcamd\n"


async def test_fuzzed_paths_are_404_never_500(camera: Camera) -> None:
    port = camera.server.port
    loop = asyncio.get_running_loop()

    @FUZZ
    @given(path=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=4))
    def one(path: list[str]) -> None:
        target = "/" + "/".join(quote(segment, safe="") for segment in path)
        assert_clean(on_loop(loop, exchange(port, target)))

    await asyncio.to_thread(one)
