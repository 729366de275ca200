"""RTSP sources against a live RTSP server (tests/video/rtsp_server.py): pictures, ``no video``
when the feed dies or never was, reconnection with backoff, timeouts, credentials, the CLI."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import signal
import socket
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
import simplejpeg

from ipcamd.video import camera as camera_module
from ipcamd.video.sources import inputs
from tests.support import ROOT_PASSWORD, Camera
from tests.video.rtsp_server import Behaviour, RtspServer
from tests.video.streams import jpeg_size, open_stream, read_parts, wait_until


@pytest.fixture
async def rtsp() -> AsyncIterator[RtspServer]:
    """A live RTSP camera (320x240 H.264 at 15 fps) on a loopback port."""
    server = RtspServer()
    await server.start()
    yield server
    await server.stop()


def grey(jpeg: bytes) -> np.ndarray:
    """The decoded luminance of a JPEG, as int16 to subtract safely."""
    return simplejpeg.decode_jpeg(jpeg, colorspace="GRAY")[..., 0].astype(np.int16)


def is_rtsp_picture(jpeg: bytes) -> bool:
    """True for the server's clip: a ramp, dark at the left, bright at the right (a band
    below the moving box and above the text bar)."""
    picture = grey(jpeg)
    height, width = picture.shape
    band = picture[height * 2 // 3 : height * 5 // 6]
    return bool(band[:, : width // 8].mean() < 60 and band[:, -width // 8 :].mean() > 190)


def is_no_video_picture(cam: Camera, jpeg: bytes, number: int = 1) -> bool:
    """True for the camera's "NO VIDEO" picture (served at 640x480)."""
    expected = cam.device.video.cameras[number - 1].no_video_picture().y.astype(np.int16)
    picture = grey(jpeg)
    return picture.shape == expected.shape and float(np.abs(picture - expected).mean()) < 4


async def video_status(cam: Camera, number: int = 1) -> str:
    reply = await cam.get(f"/videostatus.cgi?status={number}")
    assert reply.status == 200
    return reply.text


VIDEO, NO_VIDEO = "Video 1 = video\n", "Video 1 = no video\n"


async def parts_until(
    response: aiohttp.ClientResponse, predicate: Any, limit: int = 60
) -> list[bytes]:
    """Read MJPEG parts until ``predicate(body)`` holds (bounded by ``limit`` parts)."""
    bodies = []
    for _ in range(limit):
        [(_type, body)] = await read_parts(response, 1)
        bodies.append(body)
        if predicate(body):
            return bodies
    raise AssertionError(f"no matching picture in {limit} parts")


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_rtsp_feed_gives_pictures_that_move(camera_factory: Any, rtsp: RtspServer) -> None:
    cam: Camera = await camera_factory(sources={1: rtsp.url})
    assert await video_status(cam) == VIDEO
    for resolution, size in (("640x480", (640, 480)), ("160x120", (160, 120))):
        snapshot = await cam.get(f"/axis-cgi/jpg/image.cgi?resolution={resolution}")
        assert snapshot.status == 200
        assert snapshot.headers["Content-Type"] == "image/jpeg"
        assert jpeg_size(snapshot.body) == size
        assert is_rtsp_picture(snapshot.body)
    # The box moves: the middle band (box, no text) differs from part to part.
    async with open_stream(cam, "/mjpg/video.mjpg?resolution=320x240") as response:
        bodies = [body for _, body in await read_parts(response, 8)]
    assert all(is_rtsp_picture(body) for body in bodies)
    bands = [grey(body)[84:140] for body in bodies]
    moved = [float(np.abs(a - b).mean()) > 1 for a, b in itertools.pairwise(bands)]
    assert sum(moved) >= 5, moved
    # FFmpeg was told to use TCP: it never offered UDP (which the server would refuse).
    assert rtsp.transports
    assert all(t.startswith("RTP/AVP/TCP") for t in rtsp.transports), rtsp.transports
    methods = {line.split(" ")[0] for line in rtsp.requests}
    assert {"OPTIONS", "DESCRIBE", "SETUP", "PLAY"} <= methods


async def test_feed_that_dies_and_returns(camera_factory: Any, rtsp: RtspServer) -> None:
    cam: Camera = await camera_factory(sources={1: rtsp.url})
    async with open_stream(cam, "/mjpg/video.mjpg?resolution=640x480") as response:
        await parts_until(response, is_rtsp_picture)
        assert await video_status(cam) == VIDEO
        await rtsp.stop()
        await asyncio.wait_for(
            parts_until(response, lambda body: is_no_video_picture(cam, body)), 10
        )
        assert await video_status(cam) == NO_VIDEO
        snapshot = await cam.get("/jpg/image.jpg")
        assert snapshot.status == 200
        assert is_no_video_picture(cam, snapshot.body)
        await rtsp.start()  # same port
        await asyncio.wait_for(parts_until(response, is_rtsp_picture), 20)
        assert await video_status(cam) == VIDEO


async def test_nobody_listening_is_no_video(camera_factory: Any) -> None:
    cam: Camera = await camera_factory(
        cameras=2, sources={1: f"rtsp://127.0.0.1:{free_port()}/cam"}
    )
    status = await cam.get("/videostatus.cgi?status=1,2")
    assert status.text == "Video 1 = no video\nVideo 2 = video\n"
    snapshot = await cam.get("/jpg/1/image.jpg")
    assert snapshot.status == 200
    assert is_no_video_picture(cam, snapshot.body)
    assert (await cam.get("/jpg/2/image.jpg")).status == 200


async def test_garbage_answers_are_no_video_and_retried_with_backoff(
    camera_factory: Any, rtsp: RtspServer
) -> None:
    rtsp.behaviour = Behaviour.GARBAGE
    cam: Camera = await camera_factory(sources={1: rtsp.url})
    assert await video_status(cam) == NO_VIDEO  # after the probe videostatus asked for
    probes = len(rtsp.connected)
    async with open_stream(cam, "/mjpg/video.mjpg") as response:
        # Attempts at about 0, 1 and 3 s: the delay doubles.
        for _ in range(8):
            [(_type, body)] = await read_parts(response, 1)
            assert is_no_video_picture(cam, body)
            if len(rtsp.connected) >= probes + 3:
                break
    attempts = rtsp.connected[probes:]
    assert len(attempts) >= 3, attempts
    first, second = attempts[1] - attempts[0], attempts[2] - attempts[1]
    assert 0.8 < first < 1.8, attempts
    assert second > first * 1.5, attempts


async def test_silent_server_times_out(
    camera_factory: Any, rtsp: RtspServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inputs, "OPEN_TIMEOUT", 1.0)
    monkeypatch.setattr(inputs, "READ_TIMEOUT", 1.0)
    rtsp.behaviour = Behaviour.SILENT
    cam: Camera = await camera_factory(sources={1: rtsp.url})
    assert await asyncio.wait_for(video_status(cam), 8) == NO_VIDEO
    assert rtsp.requests[0].startswith("OPTIONS ")


async def test_frozen_feed_times_out_and_recovers(
    camera_factory: Any, rtsp: RtspServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inputs, "READ_TIMEOUT", 1.0)
    cam: Camera = await camera_factory(sources={1: rtsp.url})
    async with open_stream(cam, "/mjpg/video.mjpg?resolution=640x480") as response:
        await parts_until(response, is_rtsp_picture)
        rtsp.behaviour = Behaviour.STALL  # the connection stays up, the packets stop
        await asyncio.wait_for(
            parts_until(response, lambda body: is_no_video_picture(cam, body), limit=200), 10
        )
        assert await video_status(cam) == NO_VIDEO
        rtsp.behaviour = Behaviour.SERVE
        await asyncio.wait_for(parts_until(response, is_rtsp_picture), 15)
        assert await video_status(cam) == VIDEO


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("ipcamd-camera")]


async def test_session_ends_when_nobody_watches_and_on_stop(
    camera_factory: Any, rtsp: RtspServer
) -> None:
    cam: Camera = await camera_factory(sources={1: rtsp.url})
    camera = cam.device.video.cameras[0]
    camera.linger = 0.1
    assert await video_status(cam) == VIDEO
    await wait_until(lambda: rtsp.sessions == 0)  # the probe's session ended
    async with open_stream(cam, "/mjpg/video.mjpg") as response:
        await parts_until(response, is_rtsp_picture)
        assert rtsp.sessions == 1
        assert len(reader_threads()) == 1
    # The viewer left: the source closes (TEARDOWN) and its reader thread ends.
    await wait_until(lambda: rtsp.sessions == 0 and not reader_threads())
    assert rtsp.requests[-1].startswith("TEARDOWN ")
    # A server stopping with a viewer attached ends the reader thread too.
    async with open_stream(cam, "/mjpg/video.mjpg") as response:
        await parts_until(response, is_rtsp_picture)
        assert len(reader_threads()) == 1
        await cam.server.stop()
    assert not reader_threads()
    await wait_until(lambda: rtsp.sessions == 0)


async def test_idle_status_follows_the_feed(
    camera_factory: Any, rtsp: RtspServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(camera_module, "STATUS_MAX_AGE", 0.0)  # probe on every request
    cam: Camera = await camera_factory(sources={1: rtsp.url})
    assert await video_status(cam) == VIDEO
    await rtsp.stop()
    assert await video_status(cam) == NO_VIDEO
    await rtsp.start()
    assert await video_status(cam) == VIDEO
    assert not cam.device.video.cameras[0].running  # nobody watched all along


async def test_a_slow_status_probe_does_not_hold_videostatus(
    camera_factory: Any, rtsp: RtspServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(camera_module, "STATUS_MAX_AGE", 0.0)
    monkeypatch.setattr(camera_module, "REFRESH_WAIT", 0.3)
    monkeypatch.setattr(inputs, "OPEN_TIMEOUT", 3.0)
    cam: Camera = await camera_factory(sources={1: rtsp.url})
    assert await video_status(cam) == VIDEO
    rtsp.behaviour = Behaviour.SILENT  # the next probe hangs until its 3 s open timeout
    # The previous answer comes back without waiting for that probe...
    assert await asyncio.wait_for(video_status(cam), 2.0) == VIDEO
    # ...and once it has timed out, the status follows.
    for _ in range(40):
        if await video_status(cam) == NO_VIDEO:
            break
        await asyncio.sleep(0.25)
    assert await video_status(cam) == NO_VIDEO


async def test_no_source_opens_before_someone_watches_or_asks(
    camera_factory: Any, rtsp: RtspServer, tmp_path: Path
) -> None:
    """The README's promise: a source runs only while watched (or videostatus asks)."""
    cam: Camera = await camera_factory(
        cameras=2, sources={1: rtsp.url, 2: f"file:{tmp_path / 'clip.mp4'}"}
    )
    cameras = cam.device.video.cameras
    assert not any(camera.running or camera.probing for camera in cameras)
    assert (await cam.get("/param.cgi?action=list&group=Image.I0.Enabled")).status == 200
    assert rtsp.connected == []
    assert not any(camera.running or camera.probing for camera in cameras)
    # videostatus.cgi asks: one probe opens the feed, and closes it again.
    assert await video_status(cam) == VIDEO
    assert len(rtsp.connected) == 1
    await wait_until(lambda: rtsp.sessions == 0)
    assert not cameras[0].running
    # Someone watches: now the source runs.
    snapshot = await cam.get("/jpg/1/image.jpg")
    assert is_rtsp_picture(snapshot.body)
    assert cameras[0].running
    assert len(rtsp.connected) == 2
    assert not cameras[1].running  # the file camera was never watched


async def test_credentials_in_the_url(
    camera_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = RtspServer(credentials=("viewer", "s3cret"))
    await server.start()
    try:
        good = server.url.replace("rtsp://", "rtsp://viewer:s3cret@")
        bad = server.url.replace("rtsp://", "rtsp://viewer:wrong-pw@")
        with caplog.at_level(logging.INFO):
            cam: Camera = await camera_factory(cameras=2, sources={1: good, 2: bad})
            status = await cam.get("/videostatus.cgi?status=1,2")
            assert status.text == "Video 1 = video\nVideo 2 = no video\n"
            assert is_rtsp_picture((await cam.get("/jpg/1/image.jpg")).body)
        assert "rtsp://viewer:***@127.0.0.1" in caplog.text
        assert "wrong-pw" not in caplog.text
        assert "s3cret" not in caplog.text
    finally:
        await server.stop()


async def test_cli_serves_an_rtsp_source(rtsp: RtspServer, tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ipcamd",
        "serve",
        "--port",
        "0",
        "--rtsp-port",
        "0",
        "--data-dir",
        str(tmp_path / "data"),
        "--root-password",
        ROOT_PASSWORD,
        "--source",
        f"1={rtsp.url}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        match = re.fullmatch(rb"ipcamd \S+ serving on (http://127\.0\.0\.1:\d+)\n", line)
        assert match is not None, line
        url = match.group(1).decode()
        headers = {"Authorization": aiohttp.encode_basic_auth("root", ROOT_PASSWORD)}
        async with aiohttp.ClientSession(headers=headers) as session:
            async with session.get(f"{url}/videostatus.cgi?status=1") as reply:
                assert await reply.text() == VIDEO
            async with session.get(f"{url}/jpg/image.jpg?resolution=320x240") as reply:
                body = await reply.read()
        assert jpeg_size(body) == (320, 240)
        assert is_rtsp_picture(body)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 15)
        assert process.returncode == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
