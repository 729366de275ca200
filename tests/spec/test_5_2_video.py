"""Spec 5.2 replayed over a raw socket: imagesize.cgi, videostatus.cgi, JPEG and MJPEG.

Status lines, ``Content-Type`` values, ``Content-Length`` and the multipart framing are checked on
the bytes as they arrive (``tests/video/`` checks the pictures through client libraries).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import simplejpeg

from tests.spec.raw import (
    BOUNDARY_LINE,
    FORM,
    MULTIPART,
    PREFIXES,
    TEXT_PLAIN,
    VERSIONS,
    RawReply,
    exchange,
    open_raw,
    read_head,
    read_jpeg_part,
    request_bytes,
)
from tests.support import Camera

#: Every resolution name of 5.2.4.2 / 5.2.4.6 and the size it gives (docs/decisions.md).
RESOLUTIONS = {
    "1280x1024": (1280, 1024),
    "1024x768": (1024, 768),
    "4CIF": (704, 576),
    "D1": (720, 576),
    "VGA": (640, 480),
    "640x480": (640, 480),
    "QVGA": (320, 240),
    "CIF": (320, 240),
    "320x240": (320, 240),
    "QQVGA": (160, 120),
    "QCIF": (160, 120),
    "160x120": (160, 120),
}


def jpeg_size(data: bytes) -> tuple[int, int]:
    assert simplejpeg.is_jpeg(data)
    height, width, _, _ = simplejpeg.decode_jpeg_header(data)
    return int(width), int(height)


def assert_jpeg_reply(reply: RawReply, version: str = "1.0") -> tuple[int, int]:
    """5.2.4.3: 200, ``Content-Type: image/jpeg`` exactly, ``Content-Length`` = image size."""
    assert reply.status_line == f"HTTP/{version} 200 OK".encode(), (reply.status_line, reply.body)
    assert reply.headers("Content-Type") == ["image/jpeg"]
    assert reply.header("Content-Length") == str(len(reply.body))
    assert reply.header("Transfer-Encoding") is None
    return jpeg_size(reply.body)


def assert_text_reply(reply: RawReply, version: str = "1.0") -> None:
    assert reply.status_line == f"HTTP/{version} 200 OK".encode(), (reply.status_line, reply.body)
    assert reply.headers("Content-Type") == [TEXT_PLAIN]


# --- 5.2.1 imagesize.cgi -------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_imagesize_examples(camera: Camera, prefix: str, version: str) -> None:
    """Default settings of camera 1 (the configured resolution), then QCIF → 160x120."""
    port = camera.server.port
    listed = await exchange(port, "/param.cgi?action=list&group=Image.I0.Resolution")
    width, height = listed.text.strip().split("=")[1].split("x")
    default = await exchange(port, f"{prefix}imagesize.cgi?camera=1", version=version)
    assert_text_reply(default, version)
    assert default.body == f"image width = {width}\nimage height = {height}\n".encode()
    qcif = await exchange(
        port, f"{prefix}imagesize.cgi?camera=1&resolution=QCIF&compression=60", version=version
    )
    assert_text_reply(qcif, version)
    assert qcif.body == b"image width = 160\nimage height = 120\n"


async def test_imagesize_follows_the_default_image_settings(camera: Camera) -> None:
    port = camera.server.port
    await exchange(port, "/param.cgi?action=update&Image.I0.Resolution=QCIF")
    reply = await exchange(port, "/imagesize.cgi?camera=1")
    assert reply.body == b"image width = 160\nimage height = 120\n"


async def test_imagesize_of_every_resolution(camera: Camera) -> None:
    for name, size in RESOLUTIONS.items():
        reply = await exchange(camera.server.port, f"/imagesize.cgi?camera=1&resolution={name}")
        assert reply.body == f"image width = {size[0]}\nimage height = {size[1]}\n".encode()


async def test_imagesize_by_post(camera: Camera) -> None:
    """Method GET/POST."""
    reply = await exchange(
        camera.server.port,
        "/axis-cgi/imagesize.cgi",
        method="POST",
        headers=[("Content-Type", FORM)],
        body=b"camera=1&resolution=QCIF",
    )
    assert_text_reply(reply)
    assert reply.body == b"image width = 160\nimage height = 120\n"


@pytest.mark.parametrize("query", ["", "?resolution=QCIF", "?camera=", "?camera=9"])
async def test_imagesize_camera_is_required_and_checked(camera: Camera, query: str) -> None:
    """ "Note: This parameter is required." Missing or bad → an error, never a size."""
    reply = await exchange(camera.server.port, f"/imagesize.cgi{query}")
    assert reply.status in (400, 404)
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert b"image width" not in reply.body


async def test_imagesize_quad_needs_several_inputs(camera_factory: Any) -> None:
    one = await camera_factory()
    assert (await exchange(one.server.port, "/imagesize.cgi?camera=quad")).status == 404
    four = await camera_factory(cameras=4)
    for cam in ("1", "2", "3", "4", "quad"):
        reply = await exchange(four.server.port, f"/imagesize.cgi?camera={cam}")
        assert_text_reply(reply)
        assert reply.body == b"image width = 640\nimage height = 480\n"


# --- 5.2.2 videostatus.cgi -----------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_videostatus_example_on_a_one_camera_unit(
    camera: Camera, prefix: str, version: str
) -> None:
    """``status=1,2,3,4`` on a one-input unit: input 1 has video, the others none."""
    reply = await exchange(
        camera.server.port, f"{prefix}videostatus.cgi?status=1,2,3,4", version=version
    )
    assert_text_reply(reply, version)
    assert reply.body == (
        b"Video 1 = video\nVideo 2 = no video\nVideo 3 = no video\nVideo 4 = no video\n"
    )


async def test_videostatus_on_a_four_input_unit(camera_factory: Any) -> None:
    cam = await camera_factory(cameras=4, sources={3: "file:does-not-exist.mp4"})
    reply = await exchange(cam.server.port, "/videostatus.cgi?status=1,2,3,4")
    assert_text_reply(reply)
    assert reply.body == b"Video 1 = video\nVideo 2 = video\nVideo 3 = no video\nVideo 4 = video\n"
    one = await exchange(cam.server.port, "/videostatus.cgi?status=41")
    assert one.body == b"Video 41 = no video\n"


@pytest.mark.parametrize("query", ["", "?status=", "?status=0", "?status=42", "?status=1,x"])
async def test_videostatus_bad_inputs(camera: Camera, query: str) -> None:
    reply = await exchange(camera.server.port, f"/videostatus.cgi{query}")
    assert reply.status == 400
    assert reply.headers("Content-Type") == [TEXT_PLAIN]


# --- 5.2.4.1-5.2.4.3 JPEG ------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", ["/jpg/image.jpg", "/jpg/1/image.jpg"])
async def test_jpeg_of_the_default_camera(camera: Camera, path: str, version: str) -> None:
    """5.2.4.1 on a one-input unit: the default camera, and camera 1 named."""
    reply = await exchange(camera.server.port, path, version=version)
    assert assert_jpeg_reply(reply, version) == (640, 480)


async def test_jpeg_examples_of_a_four_input_unit(camera_factory: Any) -> None:
    """5.2.4.1: ``/jpg/image.jpg``, ``/jpg/2/image.jpg``, ``/jpg/quad/image.jpg``."""
    cam = await camera_factory(cameras=4)
    port = cam.server.port
    for path in ("/jpg/image.jpg", "/jpg/2/image.jpg", "/jpg/4/image.jpg", "/jpg/quad/image.jpg"):
        assert assert_jpeg_reply(await exchange(port, path)) == (640, 480)
    for path in ("/jpg/5/image.jpg", "/jpg/0/image.jpg"):
        reply = await exchange(port, path)
        assert reply.status == 404
        assert reply.headers("Content-Type") == [TEXT_PLAIN]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_image_cgi_example(camera: Camera, prefix: str, version: str) -> None:
    """5.2.4.2: ``image.cgi?camera=1`` (also at ``jpg/image.cgi``, where clients ask)."""
    port = camera.server.port
    for path in ("image.cgi?camera=1", "jpg/image.cgi?camera=1", "jpg/image.cgi"):
        reply = await exchange(port, prefix + path, version=version)
        assert assert_jpeg_reply(reply, version) == (640, 480)


async def test_image_cgi_with_each_resolution(camera: Camera) -> None:
    for name, size in RESOLUTIONS.items():
        reply = await exchange(camera.server.port, f"/axis-cgi/jpg/image.cgi?resolution={name}")
        assert assert_jpeg_reply(reply) == size, name


async def test_unknown_resolution_and_camera(camera: Camera) -> None:
    port = camera.server.port
    for path, status in (
        ("/image.cgi?resolution=800x601", 400),
        ("/image.cgi?resolution=", 400),
        ("/image.cgi?camera=2", 404),
        ("/image.cgi?camera=quad", 404),
        ("/jpg/2/image.jpg", 404),
        ("/jpg/quad/image.jpg", 404),
    ):
        reply = await exchange(port, path)
        assert reply.status == status, path
        assert reply.headers("Content-Type") == [TEXT_PLAIN]
        assert reply.body.endswith(b"\n")


async def test_snapshot_keep_alive_on_http_1_1(camera: Camera) -> None:
    """Two snapshots on one HTTP/1.1 connection: Content-Length frames each exactly."""
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    try:
        for _ in range(2):
            writer.write(request_bytes("/jpg/image.jpg", version="1.1"))
            status, lines = await read_head(reader)
            head = RawReply(status, lines, b"")
            assert status == b"HTTP/1.1 200 OK"
            length = int(head.header("Content-Length") or "-1")
            body = await asyncio.wait_for(reader.readexactly(length), 10)
            assert jpeg_size(body) == (640, 480)
    finally:
        writer.close()


# --- 5.2.4.5-5.2.4.7 MJPEG -----------------------------------------------------------------


async def read_stream(port: int, target: str, version: str, parts: int) -> list[bytes]:
    """Open a stream; check the head and the spec's framing; return ``parts`` JPEGs."""
    async with open_raw(port, target, version=version) as (head, reader):
        assert head.status_line == f"HTTP/{version} 200 OK".encode(), head.status_line
        assert head.headers("Content-Type") == [MULTIPART]
        assert head.header("Content-Length") is None
        assert head.header("Transfer-Encoding") is None
        assert await asyncio.wait_for(reader.readexactly(len(BOUNDARY_LINE)), 10) == (BOUNDARY_LINE)
        jpegs = []
        for _ in range(parts):
            jpegs.append(await read_jpeg_part(reader))
            # "each image ends with a boundary string"
            assert await asyncio.wait_for(reader.readexactly(len(BOUNDARY_LINE)), 10) == (
                BOUNDARY_LINE
            )
        return jpegs


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", ["/mjpg/video.mjpg", "/mjpg/1/video.mjpg"])
async def test_mjpeg_of_the_default_camera(camera: Camera, path: str, version: str) -> None:
    jpegs = await read_stream(camera.server.port, path, version, 3)
    assert [jpeg_size(j) for j in jpegs] == [(640, 480)] * 3
    assert len(set(jpegs)) == 3  # the test pattern moves


async def test_mjpeg_examples_of_a_four_input_unit(camera_factory: Any) -> None:
    """5.2.4.5: ``/mjpg/2/video.mjpg`` and ``/mjpg/quad/video.mjpg``."""
    cam = await camera_factory(cameras=4)
    for path in ("/mjpg/2/video.mjpg", "/mjpg/quad/video.mjpg", "/mjpg/video.cgi?camera=3"):
        jpegs = await read_stream(cam.server.port, path, "1.0", 2)
        assert [jpeg_size(j) for j in jpegs] == [(640, 480)] * 2


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_mjpeg_cgi_example(camera: Camera, prefix: str, version: str) -> None:
    """5.2.4.6: ``mjpg/video.cgi?camera=1``; and ZoneMinder's URL with ``req_fps``."""
    port = camera.server.port
    await read_stream(port, f"{prefix}mjpg/video.cgi?camera=1", version, 2)
    zoneminder = f"{prefix}mjpg/video.cgi?resolution=640x480&req_fps=5"
    jpegs = await read_stream(port, zoneminder, version, 2)
    assert jpeg_size(jpegs[0]) == (640, 480)


async def test_mjpeg_cgi_with_each_resolution(camera: Camera) -> None:
    """One frame per resolution name; ``nbrofframes`` ends the body with the close-delimiter."""
    for name, size in RESOLUTIONS.items():
        reply = await exchange(
            camera.server.port, f"/axis-cgi/mjpg/video.cgi?resolution={name}&nbrofframes=1"
        )
        assert reply.headers("Content-Type") == [MULTIPART]
        head = b"--myboundary\r\nContent-Type: image/jpeg\r\nContent-Length: "
        assert reply.body.startswith(head)
        length_end = reply.body.index(b"\r\n\r\n")
        length = int(reply.body[len(head) : length_end])
        jpeg = reply.body[length_end + 4 : length_end + 4 + length]
        assert jpeg_size(jpeg) == size, name
        assert reply.body[length_end + 4 + length :] == b"\r\n--myboundary--\r\n"


async def test_mjpeg_bad_arguments_are_refused_before_the_stream(camera: Camera) -> None:
    port = camera.server.port
    for path, status in (
        ("/mjpg/video.cgi?resolution=bogus", 400),
        ("/mjpg/video.cgi?camera=2", 404),
        ("/mjpg/2/video.mjpg", 404),
        ("/mjpg/quad/video.mjpg", 404),
        ("/mjpg/video.cgi?fps=-1", 400),
    ):
        reply = await exchange(port, path)
        assert reply.status == status, path
        assert reply.headers("Content-Type") == [TEXT_PLAIN]


async def test_video_needs_a_viewer(camera: Camera) -> None:
    port = camera.server.port
    for path in ("/jpg/image.jpg", "/mjpg/video.mjpg", "/imagesize.cgi?camera=1"):
        reply = await exchange(port, path, user=None)
        assert reply.status == 401
        assert reply.headers("WWW-Authenticate")
