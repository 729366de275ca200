"""Sources: files (looped), HTTP MJPEG, missing devices; ``no video`` and reconnection."""

from __future__ import annotations

import asyncio
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from ipcamd.cli import _sources
from ipcamd.errors import IpcamdError
from ipcamd.video.sources import check_uri
from tests.support import ROOT_PASSWORD, Camera
from tests.video.streams import jpeg_size, open_stream, read_parts, wait_until


def write_clip(path: Path, frames: int = 10, fps: int = 10) -> None:
    """A tiny MPEG-4 clip of ``frames`` grey levels (PyAV, so no ffmpeg binary is needed)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 176, 144, "yuv420p"
        for index in range(frames):
            picture = np.full((144, 176, 3), 20 + index * 20, np.uint8)
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


async def test_file_source_plays_and_loops(camera_factory: Any, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    write_clip(clip, frames=5)
    cam: Camera = await camera_factory(cameras=2, sources={2: f"file:{clip}"})
    status = await cam.get("/videostatus.cgi?status=1,2")
    assert status.text == "Video 1 = video\nVideo 2 = video\n"
    snapshot = await cam.get("/jpg/2/image.jpg?resolution=CIF")
    assert snapshot.status == 200
    assert jpeg_size(snapshot.body) == (320, 240)
    # Twelve frames of a five-frame clip: it looped, and the camera still reports video.
    async with open_stream(cam, "/mjpg/2/video.mjpg?resolution=QQVGA") as response:
        parts = await read_parts(response, 12)
    assert len({body for _, body in parts}) >= 5
    assert (await cam.get("/videostatus.cgi?status=2")).text == "Video 2 = video\n"


async def test_missing_file_is_no_video_and_serves_a_picture(
    camera_factory: Any, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.mp4"
    cam: Camera = await camera_factory(cameras=2, sources={2: f"file:{missing}"})
    status = await cam.get("/videostatus.cgi?status=1,2")
    assert status.text == "Video 1 = video\nVideo 2 = no video\n"
    snapshot = await cam.get("/jpg/2/image.jpg")
    assert snapshot.status == 200
    assert jpeg_size(snapshot.body) == (640, 480)
    assert (await cam.get("/jpg/1/image.jpg")).status == 200


async def test_source_that_appears_is_picked_up_with_backoff(
    camera_factory: Any, tmp_path: Path
) -> None:
    clip = tmp_path / "later.mp4"
    cam: Camera = await camera_factory(sources={1: f"file:{clip}"})
    async with open_stream(cam, "/mjpg/video.mjpg?resolution=QQVGA") as response:
        await read_parts(response, 1)  # the "no video" picture
        assert (await cam.get("/videostatus.cgi?status=1")).text == "Video 1 = no video\n"
        await asyncio.to_thread(write_clip, clip)
        for _ in range(20):  # "no video" comes once a second; the retry is after 1 s
            await read_parts(response, 1)
            if (await cam.get("/videostatus.cgi?status=1")).text == "Video 1 = video\n":
                break
    assert (await cam.get("/videostatus.cgi?status=1")).text == "Video 1 = video\n"


async def test_http_mjpeg_source(camera_factory: Any) -> None:
    upstream: Camera = await camera_factory()
    url = upstream.url.replace("http://", f"http://root:{ROOT_PASSWORD}@")
    cam: Camera = await camera_factory(sources={1: f"{url}/mjpg/video.mjpg?resolution=QVGA"})
    assert (await cam.get("/videostatus.cgi?status=1")).text == "Video 1 = video\n"
    snapshot = await cam.get("/jpg/image.jpg?resolution=QCIF")
    assert jpeg_size(snapshot.body) == (160, 120)
    # The downstream camera is one viewer of the upstream one while it runs.
    await wait_until(lambda: upstream.device.video.hub.viewers == 1)


async def test_missing_webcam_is_no_video(camera_factory: Any) -> None:
    cam: Camera = await camera_factory(sources={1: "v4l2:/dev/video-none"})
    assert (await cam.get("/videostatus.cgi?status=1")).text == "Video 1 = no video\n"
    assert (await cam.get("/jpg/image.jpg")).status == 200


@pytest.mark.parametrize("uri", ["", "file:", "ftp://x/y", "webcam", "v4l2:"])
def test_unknown_source_uris_are_refused(uri: str) -> None:
    with pytest.raises(IpcamdError):
        check_uri(uri)


def test_source_flags() -> None:
    assert _sources(["2=file:lobby.mp4", "3=rtsp://127.0.0.1:8554/cam"]) == {
        2: "file:lobby.mp4",
        3: "rtsp://127.0.0.1:8554/cam",
    }
    assert _sources(None) is None
    with pytest.raises(IpcamdError):
        _sources(["lobby.mp4"])


async def test_source_for_a_camera_that_does_not_exist_is_refused(
    camera_factory: Any,
) -> None:
    with pytest.raises(IpcamdError):
        await camera_factory(cameras=2, sources={3: "testpattern"})
