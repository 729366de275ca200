"""Spec 5.2.1, 5.2.2, 5.2.4.1-5.2.4.3: image size, video status and JPEG snapshots."""

from __future__ import annotations

import pytest
import simplejpeg

from ipcamd.video.resolution import SIZES
from tests.support import Camera
from tests.video.streams import jpeg_size, wait_until


async def newer_frame(camera: Camera) -> None:
    """Wait until the source has produced a frame after the one it showed last (or stopped,
    so the next snapshot opens it again)."""
    source = camera.device.video.cameras[0]
    shown = source.latest
    await wait_until(lambda: source.latest is None or shown is None or source.latest is not shown)


async def test_imagesize_with_parameters_is_the_spec_example(camera: Camera) -> None:
    reply = await camera.get("/imagesize.cgi?camera=1&resolution=QCIF&compression=60")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.body == b"image width = 160\nimage height = 120\n"


async def test_imagesize_of_default_settings(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/imagesize.cgi?camera=1")
    assert reply.body == b"image width = 640\nimage height = 480\n"
    await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.Resolution=D1")
    reply = await camera.get("/imagesize.cgi?camera=1")
    assert reply.body == b"image width = 720\nimage height = 576\n"


@pytest.mark.parametrize(("name", "size"), sorted(SIZES.items()))
async def test_imagesize_of_every_resolution_and_rotation(
    camera: Camera, name: str, size: tuple[int, int]
) -> None:
    reply = await camera.get(f"/imagesize.cgi?camera=1&resolution={name}&rotation=90")
    assert reply.text == f"image width = {size[1]}\nimage height = {size[0]}\n"


async def test_imagesize_needs_an_existing_camera(camera: Camera) -> None:
    missing = await camera.get("/imagesize.cgi?resolution=QCIF")
    assert missing.status == 400
    assert missing.text.count("\n") == 1
    assert (await camera.get("/imagesize.cgi?camera=2")).status == 404
    assert (await camera.get("/imagesize.cgi?camera=quad")).status == 404


async def test_videostatus_of_one_camera_unit(camera: Camera) -> None:
    reply = await camera.get("/videostatus.cgi?status=1,2,3,4")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.text == (
        "Video 1 = video\nVideo 2 = no video\nVideo 3 = no video\nVideo 4 = no video\n"
    )


@pytest.mark.parametrize("query", ["", "?status=", "?status=0", "?status=42", "?status=1,x"])
async def test_videostatus_bad_arguments(camera: Camera, query: str) -> None:
    reply = await camera.get(f"/videostatus.cgi{query}")
    assert reply.status == 400
    assert reply.text.endswith("\n")


@pytest.mark.parametrize(
    "path",
    [
        "/jpg/image.jpg",
        "/jpg/1/image.jpg",
        "/image.cgi",
        "/image.cgi?camera=1",
        "/jpg/image.cgi?camera=1",
        "/axis-cgi/jpg/image.cgi",
        "/axis-cgi/jpg/image.cgi?camera=1",
    ],
)
async def test_snapshot_paths(camera: Camera, path: str) -> None:
    reply = await camera.get(path)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "image/jpeg"
    assert int(reply.headers["Content-Length"]) == len(reply.body)
    assert "chunked" not in reply.headers.get("Transfer-Encoding", "")
    assert jpeg_size(reply.body) == (640, 480)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("name", ["1280x1024", "4CIF", "D1", "CIF", "QQVGA"])
async def test_snapshot_size_follows_resolution_and_rotation(
    camera: Camera, name: str, rotation: int
) -> None:
    reply = await camera.get(f"/axis-cgi/jpg/image.cgi?resolution={name}&rotation={rotation}")
    assert reply.status == 200
    width, height = SIZES[name]
    expected = (height, width) if rotation in (90, 270) else (width, height)
    assert jpeg_size(reply.body) == expected


async def test_rotation_parameter_is_the_default(camera: Camera) -> None:
    await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.Rotation=270")
    reply = await camera.get("/jpg/image.jpg?resolution=QVGA")
    assert jpeg_size(reply.body) == (240, 320)


async def test_successive_test_pattern_frames_differ(camera: Camera) -> None:
    first = await camera.get("/jpg/image.jpg?resolution=QVGA")
    await newer_frame(camera)
    second = await camera.get("/jpg/image.jpg?resolution=QVGA")
    assert first.body != second.body
    pixels = [simplejpeg.decode_jpeg(r.body) for r in (first, second)]
    assert (pixels[0] != pixels[1]).any()


async def test_resolution_update_changes_the_next_snapshot(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.Resolution=320x240")
    assert reply.text == "OK\r\n"
    assert jpeg_size((await camera.get("/jpg/image.jpg")).body) == (320, 240)


async def test_compression_changes_the_size_of_the_jpeg(camera: Camera) -> None:
    fine = await camera.get("/jpg/image.jpg?compression=0")
    coarse = await camera.get("/jpg/image.jpg?compression=100")
    assert len(coarse.body) < len(fine.body)


async def test_stream_profile_gives_its_parameters(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/jpg/image.cgi?camera=1&streamprofile=Bandwidth")
    assert jpeg_size(reply.body) == (320, 240)
    override = await camera.get("/axis-cgi/jpg/image.cgi?streamprofile=Bandwidth&resolution=QCIF")
    assert jpeg_size(override.body) == (160, 120)


@pytest.mark.parametrize(
    "query",
    [
        "resolution=123x45",
        "resolution=vga",
        "compression=101",
        "compression=-1",
        "rotation=45",
        "mirror=2",
        "clock=yes",
        "fps=fast",
        "duration=-3",
        "textpos=middle",
        "textstring=%0Aevil",
        "streamprofile=NoSuchProfile",
        "resolution=QCIF&resolution=CIF",
    ],
)
async def test_bad_arguments_are_400_with_a_reason(camera: Camera, query: str) -> None:
    for path in ("/jpg/image.jpg", "/mjpg/video.mjpg", "/imagesize.cgi"):
        reply = await camera.get(f"{path}?camera=1&{query}")
        assert reply.status == 400, (path, query)
        assert reply.headers["Content-Type"] == "text/plain"
        assert reply.text.endswith("\n")
        assert reply.text.count("\n") == 1
    assert camera.device.video.hub.viewers == 0


@pytest.mark.parametrize(
    "path", ["/jpg/2/image.jpg", "/jpg/quad/image.jpg", "/image.cgi?camera=5", "/jpg/x/image.jpg"]
)
async def test_unknown_camera_is_404(camera: Camera, path: str) -> None:
    reply = await camera.get(path)
    assert reply.status == 404


async def test_images_need_a_viewer(camera: Camera) -> None:
    reply = await camera.get("/jpg/image.jpg", user=None)
    assert reply.status == 401
    await camera.add_user("watcher", "secret1", "axview")
    reply = await camera.get("/jpg/image.jpg", user="watcher", password="secret1")
    assert reply.status == 200


async def test_unknown_arguments_are_ignored_like_a_real_camera(camera: Camera) -> None:
    reply = await camera.get("/jpg/image.jpg?_=1700000000&resolution=QCIF")
    assert reply.status == 200
    assert jpeg_size(reply.body) == (160, 120)


async def test_camera_stops_after_the_last_viewer(camera_factory: object) -> None:
    assert callable(camera_factory)
    cam: Camera = await camera_factory()
    video_camera = cam.device.video.cameras[0]
    video_camera.linger = 0.05
    await cam.get("/jpg/image.jpg")
    await wait_until(lambda: not video_camera.running)
    assert not video_camera.running
    assert cam.device.video.hub.profiles == 0
