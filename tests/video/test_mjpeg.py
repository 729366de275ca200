"""Spec 5.2.4.5-5.2.4.7: MJPEG streams, the viewer cap, encode-once fan-out, shutdown."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
import simplejpeg

from ipcamd.rtsp.jpeg_rtp import parse_jpeg
from tests.support import ROOT_PASSWORD, Camera, require_tool
from tests.video.streams import jpeg_size, open_stream, read_parts, wait_until

MULTIPART = "multipart/x-mixed-replace;boundary=myboundary"


@pytest.mark.parametrize(
    "path",
    [
        "/mjpg/video.mjpg",
        "/mjpg/1/video.mjpg",
        "/mjpg/video.cgi?camera=1",
        "/axis-cgi/mjpg/video.cgi?camera=1",
        "/axis-cgi/mjpg/video.cgi?resolution=640x480&req_fps=5",
    ],
)
async def test_stream_headers_and_parts(camera: Camera, path: str) -> None:
    async with open_stream(camera, path) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == MULTIPART
        assert "Transfer-Encoding" not in response.headers
        assert "Content-Length" not in response.headers
        assert response.headers["Connection"] == "close"
        assert "no-cache" in response.headers["Cache-Control"]
        assert response.headers["Pragma"] == "no-cache"
        parts = await read_parts(response, 3)
    assert [content_type for content_type, _ in parts] == ["image/jpeg"] * 3
    assert all(jpeg_size(body) == (640, 480) for _, body in parts)
    assert len({body for _, body in parts}) == 3


async def test_a_still_scene_streams_jpegs_joined_from_tiles(camera: Camera) -> None:
    """Over still bars only the box, the counter and the clock change: after the first
    frames a part is joined from tiles of 16 MCUs (a restart marker after each), and decodes
    whole."""
    async with open_stream(camera, "/mjpg/video.mjpg?resolution=1280x720") as response:
        parts = await read_parts(response, 6)
    scans = [parse_jpeg(body) for _, body in parts]
    assert scans[-1].restart_interval == 16  # 256 pixels: 5 tiles a row
    for _, body in parts:
        picture = simplejpeg.decode_jpeg(body, colorspace="GRAY")
        assert picture.shape == (720, 1280, 1)
    assert len({body for _, body in parts}) == 6


async def test_stream_bytes_on_the_wire(camera: Camera) -> None:
    """Raw HTTP/1.0 request, as the spec's clients speak: the body is the spec's multipart."""
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    auth = aiohttp.encode_basic_auth("root", ROOT_PASSWORD)
    writer.write(
        f"GET /mjpg/video.mjpg?resolution=QCIF&nbrofframes=2 HTTP/1.0\r\n"
        f"Authorization: {auth}\r\n\r\n".encode()
    )
    data = await asyncio.wait_for(reader.read(), 10)  # the server closes after two frames
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 OK\r\n")
    assert b"\r\nContent-Type: multipart/x-mixed-replace;boundary=myboundary\r\n" in head
    offset = 0
    for _ in range(2):
        prefix = b"--myboundary\r\nContent-Type: image/jpeg\r\nContent-Length: "
        assert body[offset:].startswith(prefix)
        offset += len(prefix)
        length_end = body.index(b"\r\n\r\n", offset)
        length = int(body[offset:length_end])
        jpeg = body[length_end + 4 : length_end + 4 + length]
        assert jpeg_size(jpeg) == (160, 120)
        offset = length_end + 4 + length
        assert body[offset : offset + 2] == b"\r\n"
        offset += 2
    assert body[offset:] == b"--myboundary--\r\n"


async def test_nbrofframes_ends_the_stream(camera: Camera) -> None:
    async with open_stream(camera, "/mjpg/video.mjpg?nbrofframes=3&resolution=QQVGA") as response:
        reader = aiohttp.MultipartReader.from_response(response)
        count = 0
        while (part := await asyncio.wait_for(reader.next(), 10)) is not None:
            assert isinstance(part, aiohttp.BodyPartReader)
            await part.read()
            count += 1
    assert count == 3


async def test_duration_ends_the_stream(camera: Camera) -> None:
    """With a frame rate the last frame is known in time: the body closes properly."""
    path = "/mjpg/video.mjpg?duration=1&fps=4&resolution=QQVGA"
    async with open_stream(camera, path) as response:
        body = await asyncio.wait_for(response.read(), 10)
    assert body.startswith(b"--myboundary\r\n")
    assert body.endswith(b"\r\n--myboundary--\r\n")
    assert 3 <= body.count(b"Content-Length: ") <= 5


async def test_duration_at_the_source_rate_ends_after_a_boundary(camera: Camera) -> None:
    """Without a frame rate the stream ends after the last picture's boundary line."""
    async with open_stream(camera, "/mjpg/video.mjpg?duration=1&resolution=QQVGA") as response:
        body = await asyncio.wait_for(response.read(), 10)
    assert body.startswith(b"--myboundary\r\n")
    assert body.endswith(b"\xff\xd9\r\n--myboundary\r\n")


async def test_ffmpeg_reads_the_stream(camera: Camera) -> None:
    url = camera.url.replace("http://", f"http://root:{ROOT_PASSWORD}@") + "/mjpg/video.mjpg"
    process = await asyncio.create_subprocess_exec(
        require_tool("ffmpeg"),
        "-nostdin",
        "-loglevel",
        "error",
        "-i",
        url,
        "-frames:v",
        "5",
        "-f",
        "null",
        "-",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()


async def test_max_viewers_caps_streams_and_snapshots(camera: Camera) -> None:
    await camera.get("/axis-cgi/param.cgi?action=update&Image.MaxViewers=2")
    hub = camera.device.video.hub
    async with open_stream(camera, "/mjpg/video.mjpg") as first:
        await read_parts(first, 1)
        async with open_stream(camera, "/mjpg/video.mjpg?resolution=QCIF") as second:
            await read_parts(second, 1)
            third = await camera.get("/mjpg/video.mjpg")
            assert third.status == 503
            assert third.text.endswith("\n")
            snapshot = await camera.get("/jpg/image.jpg")
            assert snapshot.status == 503
        # The second viewer hung up: its slot is free as soon as the server notices.
        await wait_until(lambda: hub.viewers == 1)
        async with open_stream(camera, "/mjpg/video.mjpg") as again:
            assert again.status == 200
            await read_parts(again, 1)
    await wait_until(lambda: hub.viewers == 0)


async def test_unlimited_viewers_with_zero(camera: Camera) -> None:
    await camera.get("/axis-cgi/param.cgi?action=update&Image.MaxViewers=0")
    async with open_stream(camera, "/mjpg/video.mjpg?resolution=QQVGA") as first:
        await read_parts(first, 1)
        assert (await camera.get("/jpg/image.jpg")).status == 200


async def test_viewers_of_one_profile_share_each_encode(camera: Camera) -> None:
    video = camera.device.video
    path = "/mjpg/video.mjpg?resolution=QVGA"
    async with (
        open_stream(camera, path) as a,
        open_stream(camera, path) as b,
        open_stream(camera, path) as c,
        open_stream(camera, path) as d,
    ):
        responses = [a, b, c, d]
        await asyncio.gather(*(read_parts(r, 1) for r in responses))
        assert video.hub.profiles == 1
        producer = video.producer("1")
        assert producer.latest is not None
        seq_before, encodes_before = producer.latest.seq, video.hub.encodes
        bodies = await asyncio.gather(*(read_parts(r, 10) for r in responses))
        seq_after, encodes_after = producer.latest.seq, video.hub.encodes
    assert all(len(parts) == 10 for parts in bodies)
    # Four viewers, but never more encodes than frames the camera produced meanwhile.
    assert 0 < encodes_after - encodes_before <= seq_after - seq_before + 1


async def test_stream_follows_a_resolution_update(camera: Camera) -> None:
    async with open_stream(camera, "/mjpg/video.mjpg") as response:
        reader = aiohttp.MultipartReader.from_response(response)
        sizes = []

        async def next_size() -> tuple[int, int]:
            part = await asyncio.wait_for(reader.next(), 10)
            assert isinstance(part, aiohttp.BodyPartReader)
            return jpeg_size(bytes(await part.read()))

        sizes.append(await next_size())
        reply = await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.Resolution=QQVGA")
        assert reply.text == "OK\r\n"
        for _ in range(20):
            sizes.append(await next_size())
            if sizes[-1] == (160, 120):
                break
    assert sizes[0] == (640, 480)
    assert sizes[-1] == (160, 120)


async def _read_to_end(response: aiohttp.ClientResponse) -> str:
    """Read until the server ends the body; how it ended."""
    try:
        while await response.content.read(65536):
            pass
    except aiohttp.ClientError as err:
        return type(err).__name__
    return "eof"


async def test_server_shutdown_ends_streams(camera_factory: Any) -> None:
    cam: Camera = await camera_factory()
    async with open_stream(cam, "/mjpg/video.mjpg?resolution=QQVGA") as response:
        await read_parts(response, 1)
        await asyncio.wait_for(cam.server.stop(), 10)
        # Bounded only to keep a broken server from hanging the suite.
        ended = await asyncio.wait_for(_read_to_end(response), 10)
    assert ended in ("eof", "ClientPayloadError")
