"""Spec 5.4 (Motion Detection) replayed over a raw socket: every example, every prefix.

5.4.1-5.4.4 are param.cgi on the ``Motion`` groups (``tests/params`` covers them through a
client library too); 5.4.5 is ``motion/motiondata.cgi``, whose bytes are checked exactly: the
head, the opening boundary, and each part's ``Content-Type:text/plain`` (no space, as the
spec's example shows), one ``group=<n>;level=<l>;threshold=<t>;\\r\\n`` line per window in
group order, and the boundary line after it.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.motion.helpers import WAIT
from tests.spec.raw import (
    FORM,
    PREFIXES,
    VERSIONS,
    assert_text,
    assert_text_200,
    cgi,
    read_head,
    request_bytes,
)
from tests.support import Camera

ADD = "action=add&group=Motion&template=motion"
PART = re.compile(
    rb"Content-Type:text/plain\r\n\r\n"
    rb"group=0;level=(\d{1,3});threshold=10;\r\n"
    rb"group=1;level=(\d{1,3});threshold=25;\r\n"
    rb"--mdb\r\n"
)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_5_4_1_to_5_4_4_windows_through_param_cgi(
    camera: Camera, prefix: str, version: str
) -> None:
    port, path = camera.server.port, f"{prefix}param.cgi"
    # 5.4.1: a window with default values, then one with specified values.
    assert_text(await cgi(port, path, ADD, version=version), b"M0 OK\r\n", version)
    specified = (
        f"{ADD}&Motion.M.Name=Entrance&Motion.M.Top=500&Motion.M.Bottom=7000"
        "&Motion.M.Left=5000&Motion.M.Right=8500"
    )
    assert_text(await cgi(port, path, specified, version=version), b"M1 OK\r\n", version)
    for number in range(2, 6):
        assert_text(
            await cgi(port, path, ADD, version=version), f"M{number} OK\r\n".encode(), version
        )
    # 5.4.2: remove Motion.M3 and Motion.M5, written as the spec writes it.
    removed = await cgi(
        port, path, "action=remove&group=Motion.M3,group=Motion.M5", version=version
    )
    assert_text(removed, b"OK\r\n", version)
    # 5.4.3: update an existing window.
    updated = await cgi(
        port, path, "action=update&Motion.M1.Top=1500&Motion.M1.Bottom=8000", version=version
    )
    assert_text(updated, b"OK\r\n", version)
    # 5.4.4: list Motion.M1 and Motion.M2, then every window.
    listed = await cgi(port, path, "action=list&group=Motion.M1,group=Motion.M2", version=version)
    assert_text_200(listed, version)
    assert listed.body == (
        b"Motion.M1.Name=Entrance\nMotion.M1.ImageSource=0\nMotion.M1.Left=5000\n"
        b"Motion.M1.Right=8500\nMotion.M1.Top=1500\nMotion.M1.Bottom=8000\n"
        b"Motion.M1.WindowType=include\nMotion.M1.Sensitivity=90\nMotion.M1.History=90\n"
        b"Motion.M1.ObjectSize=15\nMotion.M1.Threshold=10\n"
        b"Motion.M2.Name=\nMotion.M2.ImageSource=0\nMotion.M2.Left=0\nMotion.M2.Right=9999\n"
        b"Motion.M2.Top=0\nMotion.M2.Bottom=9999\nMotion.M2.WindowType=include\n"
        b"Motion.M2.Sensitivity=90\nMotion.M2.History=90\nMotion.M2.ObjectSize=15\n"
        b"Motion.M2.Threshold=10\n"
    )
    everything = await cgi(port, path, "action=list&group=Motion", version=version)
    names = [line.split(b"=")[0] for line in everything.body.splitlines()]
    assert sorted({name.split(b".")[1] for name in names}) == [b"M0", b"M1", b"M2", b"M4"]
    assert len(names) == 4 * 11


async def _two_windows(camera: Camera) -> None:
    port = camera.server.port
    for query in (f"{ADD}", f"{ADD}&Motion.M.Threshold=25"):
        assert (await cgi(port, "/axis-cgi/param.cgi", query)).status == 200


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_5_4_5_motion_levels_of_windows_0_and_1(
    camera: Camera, prefix: str, version: str
) -> None:
    await _two_windows(camera)
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    try:
        writer.write(request_bytes(f"{prefix}motion/motiondata.cgi?group=0,1", version=version))
        status_line, header_lines = await read_head(reader)
        assert status_line == f"HTTP/{version} 200 OK".encode()
        assert header_lines.count(b"Content-Type: multipart/x-mixed-replace;boundary=mdb") == 1
        assert not any(line.lower().startswith(b"transfer-encoding") for line in header_lines)
        assert await asyncio.wait_for(reader.readexactly(7), WAIT) == b"--mdb\r\n"
        for _ in range(3):
            part = await asyncio.wait_for(reader.readuntil(b"--mdb\r\n"), WAIT)
            match = PART.fullmatch(part)
            assert match, part
            assert all(0 <= int(level) <= 100 for level in match.groups())
    finally:
        writer.close()


async def test_5_4_5_by_post(camera: Camera) -> None:
    """Method GET/POST: the arguments may come in a form body."""
    await _two_windows(camera)
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    try:
        body = b"group=0,1"
        writer.write(
            request_bytes(
                "/axis-cgi/motion/motiondata.cgi",
                method="POST",
                headers=[("Content-Type", FORM)],
                body=body,
            )
        )
        status_line, _ = await read_head(reader)
        assert status_line == b"HTTP/1.0 200 OK"
        assert await asyncio.wait_for(reader.readexactly(7), WAIT) == b"--mdb\r\n"
        assert PART.fullmatch(await asyncio.wait_for(reader.readuntil(b"--mdb\r\n"), WAIT))
    finally:
        writer.close()


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_5_4_5_notes(camera: Camera, prefix: str) -> None:
    """1. no window (or only exclude windows): 204; 2. an error in the request: 400."""
    port, path = camera.server.port, f"{prefix}motion/motiondata.cgi"
    none = await cgi(port, path, "group=0,1")
    assert none.status_line == b"HTTP/1.0 204 No Content"
    assert none.body == b""
    await cgi(port, "/axis-cgi/param.cgi", f"{ADD}&Motion.M.WindowType=exclude")
    assert (await cgi(port, path, "")).status == 204
    bad = await cgi(port, path, "group=abc")
    assert bad.status_line == b"HTTP/1.0 400 Bad Request"
    assert bad.body == b"Invalid group 'abc' (window numbers, e.g. group=0,1)\n"


async def test_5_4_5_note_3_too_many_clients(camera_factory: object) -> None:
    """3. too many clients: 503 (the limit is ``motion_max_clients`` in the config file)."""
    assert callable(camera_factory)
    camera: Camera = await camera_factory(motion_max_clients=2)
    await _two_windows(camera)
    port = camera.server.port
    connections = []
    try:
        for _ in range(2):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            connections.append(writer)
            writer.write(request_bytes("/motion/motiondata.cgi"))
            status_line, _ = await read_head(reader)
            assert status_line == b"HTTP/1.0 200 OK"
        refused = await cgi(port, "/motion/motiondata.cgi", "group=0")
        assert refused.status_line == b"HTTP/1.0 503 Service Unavailable"
    finally:
        for writer in connections:
            writer.close()
