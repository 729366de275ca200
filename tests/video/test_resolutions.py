"""Modern resolutions (issue 15): HD to 4K UHD next to the spec's names, end to end.

The snapshot, the MJPEG part, imagesize.cgi and ``Properties.Image.Resolution`` agree; the
setting and the stream profiles take the new names; RTSP's media URL too; an unknown size is
still refused; a file source smaller than the size asked for is scaled up.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import simplejpeg

from ipcamd.params.types import MODERN_RESOLUTIONS, RESOLUTIONS, SPEC_RESOLUTIONS
from ipcamd.video.resolution import SIZES
from tests.conftest import CameraFactory
from tests.rtsp.client import RtspClient, rtsp_camera
from tests.support import Camera
from tests.video.streams import jpeg_size, open_stream, read_parts
from tests.video.test_sources import write_clip


def decoded_size(jpeg: bytes) -> tuple[int, int]:
    """``(width, height)`` of the decoded picture (not only its header)."""
    pixels = simplejpeg.decode_jpeg(jpeg)
    return int(pixels.shape[1]), int(pixels.shape[0])


async def imagesize(camera: Camera, query: str) -> tuple[int, int]:
    reply = await camera.get(f"/axis-cgi/imagesize.cgi?camera=1&{query}")
    assert reply.status == 200, reply.text
    lines = reply.text.splitlines()
    return int(lines[0].split(" = ")[1]), int(lines[1].split(" = ")[1])


async def test_properties_list_exactly_the_served_names(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/param.cgi?action=list&group=Properties.Image.Resolution")
    listed = reply.text.strip().split("=", 1)[1].split(",")
    assert listed == list(RESOLUTIONS)
    assert set(listed) == set(SIZES)
    assert set(SPEC_RESOLUTIONS) <= set(listed)
    assert {"1280x720", "1280x960", "1920x1080", "2560x1440", "3840x2160"} == set(
        MODERN_RESOLUTIONS
    )
    for name in listed:  # each listed name is served, at the size its name says
        assert await imagesize(camera, f"resolution={name}") == SIZES[name]


async def test_a_1920x1080_snapshot_and_mjpeg_part_agree_with_imagesize(camera: Camera) -> None:
    for path in ("/axis-cgi/jpg/image.cgi", "/jpg/image.jpg"):
        snapshot = await camera.get(f"{path}?resolution=1920x1080")
        assert snapshot.status == 200
        assert decoded_size(snapshot.body) == (1920, 1080)
    async with open_stream(camera, "/axis-cgi/mjpg/video.cgi?resolution=1920x1080") as response:
        assert response.status == 200
        parts = await read_parts(response, 2)
    assert [decoded_size(body) for _, body in parts] == [(1920, 1080)] * 2
    assert await imagesize(camera, "resolution=1920x1080") == (1920, 1080)
    assert await imagesize(camera, "resolution=1920x1080&rotation=90") == (1080, 1920)


async def test_a_3840x2160_snapshot(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/jpg/image.cgi?resolution=3840x2160&compression=60")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "image/jpeg"
    assert decoded_size(reply.body) == (3840, 2160)


@pytest.mark.parametrize("name", ["1280x720", "1280x960", "2560x1440"])
async def test_the_other_new_sizes_snapshot_at_their_size(camera: Camera, name: str) -> None:
    reply = await camera.get(f"/axis-cgi/jpg/image.cgi?resolution={name}")
    assert jpeg_size(reply.body) == SIZES[name]


async def test_the_setting_and_stream_profiles_take_the_new_names(camera: Camera) -> None:
    assert jpeg_size((await camera.get("/jpg/image.jpg")).body) == (640, 480)  # the default
    reply = await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.Resolution=1280x720")
    assert reply.text == "OK\r\n"
    assert jpeg_size((await camera.get("/jpg/image.jpg")).body) == (1280, 720)
    assert await imagesize(camera, "") == (1280, 720)
    added = await camera.get(
        "/axis-cgi/param.cgi?action=add&group=StreamProfile&template=streamprofile"
        "&StreamProfile.S.Name=Full&StreamProfile.S.Parameters=resolution%3D2560x1440"
    )
    assert added.status == 200, added.text
    snapshot = await camera.get("/axis-cgi/jpg/image.cgi?streamprofile=Full")
    assert jpeg_size(snapshot.body) == (2560, 1440)


@pytest.mark.parametrize("size", ["1920x1081", "4096x2160", "1366x768", "1920X1080", "FHD"])
async def test_unknown_sizes_are_still_refused(camera: Camera, size: str) -> None:
    for path in ("/axis-cgi/jpg/image.cgi", "/axis-cgi/mjpg/video.cgi", "/imagesize.cgi"):
        reply = await camera.get(f"{path}?camera=1&resolution={size}")
        assert reply.status == 400, (path, size)
        assert reply.text.startswith(f"Invalid resolution '{size}' (one of 3840x2160, ")
        assert reply.text.count("\n") == 1
    update = await camera.get(f"/axis-cgi/param.cgi?action=update&Image.I0.Resolution={size}")
    assert update.text.startswith("# Error:")
    listed = await camera.get("/axis-cgi/param.cgi?action=list&group=Image.I0.Resolution")
    assert listed.text == "Image.I0.Resolution=640x480\n"


async def test_rtsp_media_urls_take_the_new_sizes(camera_factory: CameraFactory) -> None:
    camera = await rtsp_camera(camera_factory)
    client = await RtspClient.connect(camera.server.rtsp_port)
    try:
        for query, status in (
            ("?resolution=1920x1080", 200),
            ("?resolution=3840x2160", 200),
            ("?resolution=1280x720&videocodec=jpeg", 200),
            ("?resolution=2560x1440&videocodec=jpeg", 400),  # beyond RFC 2435's 2040
            ("?resolution=1920x1081", 400),
        ):
            reply = await client.request("DESCRIBE", client.url + query)
            assert reply.status == status, (query, reply)
        described = await client.request("DESCRIBE", client.url + "?resolution=1920x1080")
        assert b"a=x-dimensions:1920,1080" in described.body
    finally:
        client.close()


async def test_a_small_file_source_is_scaled_up(
    camera_factory: CameraFactory, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"
    write_clip(clip, frames=5)  # 176x144
    camera = await camera_factory(sources={1: f"file:{clip}"})
    reply = await camera.get("/axis-cgi/jpg/image.cgi?resolution=1920x1080")
    assert reply.status == 200
    pixels = simplejpeg.decode_jpeg(reply.body, colorspace="GRAY")
    assert pixels.shape[:2] == (1080, 1920)
    # A grey clip scaled up stays one flat grey (no black border, no garbage).
    assert int(np.ptp(pixels)) <= 8
