"""``Image.I<n>.Enabled=no`` switches a video channel off: no pictures of it anywhere."""

from __future__ import annotations

import asyncio

import numpy as np
import simplejpeg

from tests.conftest import CameraFactory
from tests.support import Camera
from tests.video.streams import jpeg_size, open_stream, read_parts


async def set_enabled(camera: Camera, index: int, value: str) -> None:
    query = f"action=update&Image.I{index}.Enabled={value}"
    assert (await camera.get(f"/axis-cgi/param.cgi?{query}")).text == "OK\r\n"


async def test_a_disabled_channel_is_not_found(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(cameras=2, seed=5)
    await set_enabled(camera, 1, "no")
    for path in (
        "/jpg/2/image.jpg",
        "/axis-cgi/jpg/image.cgi?camera=2",
        "/mjpg/2/video.mjpg",
        "/axis-cgi/mjpg/video.cgi?camera=2",
        "/axis-cgi/imagesize.cgi?camera=2",
    ):
        reply = await camera.get(path)
        assert reply.status == 404, path
        assert reply.headers["Content-Type"] == "text/plain"
        assert reply.text == "Camera 2 is disabled\n", path
    status = await camera.get("/axis-cgi/videostatus.cgi?status=1,2")
    assert status.text == "Video 1 = video\nVideo 2 = no video\n"
    # The other channel is untouched, and nothing of the disabled one is running.
    assert jpeg_size((await camera.get("/jpg/1/image.jpg?resolution=QVGA")).body) == (320, 240)
    assert not camera.device.video.cameras[1].running
    # Switched on again, it serves pictures again.
    await set_enabled(camera, 1, "yes")
    again = await camera.get("/jpg/2/image.jpg?resolution=QVGA")
    assert again.status == 200
    assert jpeg_size(again.body) == (320, 240)
    assert (await camera.get("/videostatus.cgi?status=2")).text == "Video 2 = video\n"


async def test_quad_shows_a_disabled_input_as_a_black_tile(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(cameras=4, seed=3)
    await set_enabled(camera, 1, "no")  # input 2: the top-right tile
    async with open_stream(camera, "/mjpg/quad/video.mjpg?resolution=640x480") as response:
        parts = await read_parts(response, 3)
    pixels = simplejpeg.decode_jpeg(parts[-1][1], colorspace="GRAY")[:, :, 0]
    top_left, top_right = pixels[:240, :320], pixels[:240, 320:]
    assert float(np.abs(top_right.astype(np.int16) - 16).max()) <= 4  # black (luma 16)
    assert float(top_left.std()) > 20  # the test pattern of input 1
    # Only when every input is off is the quad view itself off.
    for index in (0, 2, 3):
        await set_enabled(camera, index, "no")
    reply = await camera.get("/jpg/quad/image.jpg")
    assert (reply.status, reply.text) == (404, "Camera quad is disabled\n")


async def test_disabling_a_channel_ends_its_running_streams(camera: Camera) -> None:
    async with open_stream(camera, "/mjpg/1/video.mjpg?resolution=QCIF") as response:
        first = await read_parts(response, 1)
        assert jpeg_size(first[0][1]) == (160, 120)
        await set_enabled(camera, 0, "no")
        # The body ends (after the boundary that closes its last part, the connection closes)
        # instead of running on: read() returns at the end of the body. The stream ends at
        # once, so what follows the part read may be its boundary line only.
        rest = await asyncio.wait_for(response.content.read(), 10)
    assert rest.endswith(b"--myboundary\r\n")
    assert (await camera.get("/jpg/1/image.jpg")).status == 404
