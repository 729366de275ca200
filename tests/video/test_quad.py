"""Four inputs and ``quad``, the 2x2 composition (5.2.4.1, 5.2.4.5)."""

from __future__ import annotations

from typing import Any

import numpy as np
import simplejpeg

from tests.support import Camera
from tests.video.streams import jpeg_size, open_stream, read_parts, wait_until


async def test_four_cameras_and_quad(camera_factory: Any) -> None:
    cam: Camera = await camera_factory(cameras=4, seed=7)
    status = await cam.get("/videostatus.cgi?status=1,2,3,4")
    assert status.text == "Video 1 = video\nVideo 2 = video\nVideo 3 = video\nVideo 4 = video\n"
    bodies = []
    for number in range(1, 5):
        reply = await cam.get(f"/jpg/{number}/image.jpg?resolution=QVGA")
        assert reply.status == 200
        assert jpeg_size(reply.body) == (320, 240)
        bodies.append(reply.body)
    assert len(set(bodies)) == 4
    quad = await cam.get("/jpg/quad/image.jpg")
    assert quad.status == 200
    assert jpeg_size(quad.body) == (640, 480)
    size = await cam.get("/imagesize.cgi?camera=quad&resolution=4CIF")
    assert size.text == "image width = 704\nimage height = 576\n"
    assert (await cam.get("/jpg/5/image.jpg")).status == 404


async def test_quad_tiles_show_the_four_inputs(camera_factory: Any) -> None:
    cam: Camera = await camera_factory(cameras=4, seed=3)
    async with open_stream(cam, "/mjpg/quad/video.mjpg?resolution=640x480") as response:
        parts = await read_parts(response, 3)
    pixels = simplejpeg.decode_jpeg(parts[-1][1], colorspace="GRAY").astype(np.int16)
    tiles = [pixels[:240, :320], pixels[:240, 320:], pixels[240:, :320], pixels[240:, 320:]]
    # Each input has its own seed, so its own bar order: no two tiles look alike.
    for i in range(4):
        for j in range(i + 1, 4):
            assert np.abs(tiles[i] - tiles[j]).mean() > 5


async def test_quad_stream_through_the_cgi(camera_factory: Any) -> None:
    cam: Camera = await camera_factory(cameras=4)
    cameras = cam.device.video.cameras
    for camera in cameras:
        camera.linger = 0.05
    async with open_stream(cam, "/axis-cgi/mjpg/video.cgi?camera=quad&resolution=QCIF") as r:
        parts = await read_parts(r, 2)
        assert all(camera.running for camera in cameras)
    assert [jpeg_size(body) for _, body in parts] == [(160, 120), (160, 120)]
    # Once nobody watches the quad, its four inputs stop producing.
    await wait_until(lambda: not any(camera.running for camera in cameras))
