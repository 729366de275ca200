"""The view stage (source → view → profiles): a digital PTZ window that every profile of the
camera shows from its next frame, without new profiles; snapshots right after a move."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import simplejpeg

from ipcamd.errors import InvalidParameter, NotFound
from ipcamd.video.consumers import ConsumerKind
from ipcamd.video.producer import Producer
from ipcamd.video.render import Codec, RenderSpec
from ipcamd.video.view import FULL_FRAME, View, Window, crop
from tests.support import Camera
from tests.video.stages import H, Stage, W, grey, picture, view_stage
from tests.video.streams import jpeg_size, open_stream, read_parts


@pytest.fixture
async def stage() -> AsyncIterator[Stage]:
    async with view_stage() as parts:
        yield parts


# ---------------------------------------------------------------------- windows


def test_the_default_window_is_the_whole_frame() -> None:
    assert Window() == FULL_FRAME == Window.centred(0.5, 0.5, 1.0)
    assert FULL_FRAME.whole
    assert (FULL_FRAME.centre, FULL_FRAME.zoom) == ((0.5, 0.5), 1.0)
    planes = picture()
    assert crop(planes, FULL_FRAME) is planes


def test_a_centred_window() -> None:
    window = Window.centred(0.5, 0.5, 2.0)
    assert (window.left, window.top, window.width, window.height) == (0.25, 0.25, 0.5, 0.5)
    assert (window.centre, window.zoom) == ((0.5, 0.5), 2.0)
    assert window.box(1280, 960) == (320, 240, 640, 480)
    assert not window.whole


def test_a_centre_near_an_edge_moves_inwards() -> None:
    window = Window.centred(0.95, 0.0, 4.0)
    assert (window.left, window.top, window.width) == (0.75, 0.0, 0.25)
    assert window.box(1280, 960) == (960, 0, 320, 240)


def test_pixel_boxes_are_even_inside_the_frame_and_at_least_two_pixels() -> None:
    assert Window(0.1, 0.1, 0.3, 0.3).box(101 * 2, 77 * 2) == (20, 16, 60, 46)
    assert Window(0.999, 0.999, 0.001, 0.001).box(W, H) == (W - 2, H - 2, 2, 2)
    for x, y, zoom in ((0.3, 0.7, 3.3), (0.01, 0.99, 1.7), (0.5, 0.5, 17.0)):
        bx, by, bw, bh = Window.centred(x, y, zoom).box(W, H)
        assert all(value % 2 == 0 for value in (bx, by, bw, bh))
        assert 0 <= bx <= bx + bw <= W
        assert 0 <= by <= by + bh <= H
        assert min(bw, bh) >= 2


@pytest.mark.parametrize(
    "make",
    [
        lambda: Window.centred(0.5, 0.5, 0.5),
        lambda: Window.centred(1.5, 0.5, 2),
        lambda: Window.centred(0.5, -0.1, 2),
        lambda: Window.centred(0.5, 0.5, float("nan")),
        lambda: Window.centred(0.5, 0.5, float("inf")),
        lambda: Window(0.0, 0.0, 0.0, 1.0),
        lambda: Window(0.6, 0.0, 0.5, 1.0),
        lambda: Window(0.0, 0.2, 1.0, 0.9),
        lambda: Window(-0.1, 0.0, 0.5, 0.5),
        lambda: Window(0.0, 0.0, float("nan"), 0.5),
    ],
)
def test_bad_windows_are_refused(make: Any) -> None:
    with pytest.raises(InvalidParameter, match="view window"):
        make()


def test_crop_is_a_slice_of_every_plane() -> None:
    planes = picture()
    out = crop(planes, Window.centred(0.5, 0.5, 2.0))
    assert np.shares_memory(out.y, planes.y)  # no copy
    assert (out.width, out.height) == (64, 48)
    assert np.array_equal(out.y, planes.y[24:72, 32:96])
    assert np.array_equal(out.u, planes.u[12:36, 16:48])
    assert np.array_equal(out.v, planes.v[12:36, 16:48])


# ---------------------------------------------------------------------- the stage


async def test_a_move_shows_in_the_next_frame_without_a_new_profile(
    stage: Stage,
) -> None:
    hub, source, view = stage
    spec = RenderSpec("1", 64, 48, 0, codec=Codec.GREY)
    frame = picture()
    with hub.attach("viewer") as viewer:
        profile = viewer.use(spec)
        source.publish(frame, when=1.0)
        before = await viewer.next(0)
        assert np.array_equal(grey(before.data, 64, 48), frame.y[::2, ::2])  # scaled whole
        waiting = asyncio.create_task(viewer.next(before.seq))
        await asyncio.sleep(0)
        view.set_window(Window.centred(0.5, 0.5, 2.0))
        # The source's current frame again, through the new window: no new source frame.
        after = await asyncio.wait_for(waiting, 10)
        assert after.time == before.time == 1.0
        assert np.array_equal(grey(after.data, 64, 48), frame.y[24:72, 32:96])
        assert viewer.profile is profile
        assert hub.profiles == 1
        # The next source frame is shown through the window too.
        source.publish(picture(shift=5), when=2.0)
        following = await viewer.next(after.seq)
        assert np.array_equal(grey(following.data, 64, 48), picture(shift=5).y[24:72, 32:96])
        # Back to the whole frame.
        view.set_window(FULL_FRAME)
        whole = await viewer.next(following.seq)
        assert np.array_equal(grey(whole.data, 64, 48), picture(shift=5).y[::2, ::2])
        assert hub.profiles == 1


async def test_a_step_without_republishing_shows_from_the_next_source_frame(
    stage: Stage,
) -> None:
    hub, source, view = stage
    spec = RenderSpec("1", 64, 48, 0, codec=Codec.GREY)
    with hub.attach("viewer") as viewer:
        viewer.use(spec)
        source.publish(picture(), when=1.0)
        before = await viewer.next(0)
        view.set_window(Window.centred(0.5, 0.5, 2.0), republish=False)
        assert view.latest is not None
        assert view.latest.time == 1.0  # nothing published again
        source.publish(picture(shift=7), when=2.0)
        after = await viewer.next(before.seq)
        assert after.time == 2.0
        assert after.seq == before.seq + 1
        assert np.array_equal(grey(after.data, 64, 48), picture(shift=7).y[24:72, 32:96])


async def test_a_snapshot_right_after_a_move_shows_it(
    stage: Stage,
) -> None:
    hub, source, view = stage
    spec = RenderSpec("1", 64, 48, 0, codec=Codec.GREY)
    frame = picture()
    with hub.attach("viewer") as stream:
        stream.use(spec)
        source.publish(frame, when=1.0)
        await stream.next(0)  # the profile holds a chosen, encoded frame of the whole view
        view.set_window(Window(0.5, 0.5, 0.5, 0.5))
        with hub.attach("snapshot") as snapshot:
            assert snapshot.use(spec) is stream.profile  # shares the profile
            shot = await snapshot.next(view.fresh_from - 1)
        assert np.array_equal(grey(shot.data, 64, 48), frame.y[48:96, 64:128])


async def test_a_frame_rate_profile_keeps_its_rate_and_shows_the_move_next(
    stage: Stage,
) -> None:
    hub, source, view = stage
    spec = RenderSpec("1", 64, 48, 0, fps=5, codec=Codec.GREY)
    with hub.attach("viewer") as viewer:
        viewer.use(spec)
        source.publish(picture(), when=10.0)
        first = await viewer.next(0)
        view.set_window(Window.centred(0.5, 0.5, 2.0))
        waiting = asyncio.create_task(viewer.next(first.seq))
        with hub.attach("snapshot") as snapshot:
            snapshot.use(spec)
            # The profile's latest frame still shows the whole view: a snapshot waits for the
            # profile's next one instead.
            assert (await snapshot.next(0)).seq == first.seq
            shot = asyncio.create_task(snapshot.next(view.fresh_from - 1))
            source.publish(picture(shift=1), when=10.1)  # too early for 5 fps: not chosen
            await asyncio.sleep(0)
            assert not waiting.done()  # the move did not add a frame to the schedule
            assert not shot.done()
            source.publish(picture(shift=2), when=10.2)
            second = await asyncio.wait_for(waiting, 10)
            assert (await asyncio.wait_for(shot, 10)) is second
        assert second.time == 10.2
        assert np.array_equal(grey(second.data, 64, 48), picture(shift=2).y[24:72, 32:96])


async def test_rotation_and_mirror_apply_after_the_view(
    stage: Stage,
) -> None:
    hub, source, view = stage
    view.set_window(Window.centred(0.5, 0.5, 2.0))  # before anyone watches: shown from the start
    frame = picture()
    window = frame.y[24:72, 32:96]
    turned = RenderSpec("1", 64, 48, 0, rotation=90, codec=Codec.GREY)
    mirrored = RenderSpec("1", 64, 48, 0, mirror=True, codec=Codec.GREY)
    with hub.attach("a") as a, hub.attach("b") as b:
        a.use(turned)
        b.use(mirrored)
        source.publish(frame, when=1.0)
        got_turned, got_mirrored = await asyncio.gather(a.next(0), b.next(0))
    assert np.array_equal(grey(got_turned.data, 48, 64), np.rot90(window, -1))
    assert np.array_equal(grey(got_mirrored.data, 64, 48), window[:, ::-1])


async def test_a_whole_picture_ignores_the_window() -> None:
    source = Producer("camera 1")
    no_video = picture(shift=9)
    view = View(source, 1, whole=no_video)
    view.set_window(Window.centred(0.5, 0.5, 4.0))
    view.attach("viewer")
    source.publish(no_video)
    assert view.latest is not None
    assert view.latest.planes is no_video
    source.publish(picture())
    assert view.latest.planes.width == W // 4
    view.detach("viewer")
    assert view.latest is None  # nobody watches: no frame is kept
    assert source.users == []


async def test_the_view_runs_only_while_used() -> None:
    source = Producer("camera 1")
    view = View(source, 1)
    source.publish(picture(), when=1.0)
    view.set_window(Window.centred(0.5, 0.5, 2.0))
    assert view.latest is None  # no users: nothing republished
    view.attach(ConsumerKind.INTERNAL)
    assert source.users == ["view 1"]
    assert view.latest is not None  # the source's current frame at once, through the window
    assert view.latest.planes.width == W // 2


# ---------------------------------------------------------------------- end to end


def write_halves(path: Path) -> None:
    """A still clip: the left half black, the right half white."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        rgb = np.zeros((240, 320, 3), np.uint8)
        rgb[:, 160:] = 255
        for index in range(10):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 10)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def halves(jpeg: bytes) -> tuple[float, float]:
    """Mean luma of the left and the right half of a JPEG."""
    pixels = simplejpeg.decode_jpeg(jpeg, colorspace="GRAY")[:, :, 0].astype(float)
    middle = pixels.shape[1] // 2
    return float(pixels[:, :middle].mean()), float(pixels[:, middle:].mean())


async def test_every_stream_snapshot_and_quad_tile_shows_the_window(
    camera_factory: Any, tmp_path: Path
) -> None:
    clip = tmp_path / "halves.mp4"
    write_halves(clip)
    cam: Camera = await camera_factory(cameras=2, sources={1: f"file:{clip}"})
    video = cam.device.video
    with pytest.raises(NotFound):
        video.view(3)
    path = "/mjpg/1/video.mjpg?resolution=QVGA"
    async with open_stream(cam, path) as response:
        [(_, part)] = await read_parts(response, 1)
        dark, bright = halves(part)
        assert dark < 40
        assert bright > 200
        profiles = video.hub.profiles
        video.view(1).set_window(Window(0.5, 0.0, 0.5, 1.0))  # the right half, magnified
        snapshot = await cam.get("/jpg/1/image.jpg?resolution=QVGA")  # the stream's profile
        assert jpeg_size(snapshot.body) == (320, 240)
        assert min(halves(snapshot.body)) > 200
        for _ in range(5):  # parts already under way, then the new window
            [(_, part)] = await read_parts(response, 1)
            if min(halves(part)) > 200:
                break
        assert min(halves(part)) > 200
        assert video.hub.profiles == profiles
        # Another profile of the same camera, and the quad view's tile of it.
        other = await cam.get("/jpg/1/image.jpg?resolution=QQVGA&compression=10")
        assert min(halves(other.body)) > 200
        quad = await cam.get("/jpg/quad/image.jpg?resolution=640x480")
        tile = simplejpeg.decode_jpeg(quad.body, colorspace="GRAY")[:240, :320, 0]
        assert float(tile.mean()) > 200
        # Camera 2 is not moved.
        assert video.view(2).window == FULL_FRAME


async def test_a_snapshot_after_an_idle_gap_shares_the_frames_encoding(stage: Stage) -> None:
    """The last viewer left (the view and its profile stopped) and the next asks for the
    same source frame: the view shows it under the number it had, and the profile's JPEG of
    it is not made again. A new source frame is a new number (and an encode)."""
    hub, source, _view = stage
    source.publish(picture())
    spec = RenderSpec("1", 64, 48, 30)
    with hub.attach("snapshot a") as first:
        shot = await first.use(spec).next(0)
    encodes = hub.encodes
    assert hub.profiles == 0
    with hub.attach("snapshot b") as second:
        again = await second.use(spec).next(0)
    assert again is shot
    assert hub.encodes == encodes
    source.publish(picture(shift=1))
    with hub.attach("snapshot c") as third:
        newer = await third.use(spec).next(0)
    assert newer.seq == shot.seq + 1
    assert hub.encodes == encodes + 1
