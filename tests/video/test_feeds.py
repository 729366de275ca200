"""Raw pictures for internal consumers: open_frames gives the motion detector small grey
pictures of a camera at a bounded rate, through an ordinary profile, never a viewer slot."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import numpy as np
import pytest

from ipcamd.access import AccessLevel
from ipcamd.errors import Disabled, InvalidParameter, NotFound
from ipcamd.video.consumers import ConsumerKind
from ipcamd.video.feeds import FrameFeed
from ipcamd.video.hub import StreamHub
from ipcamd.video.options import StreamOptions
from ipcamd.video.render import Codec, RenderSpec
from ipcamd.video.stream import Subscription
from ipcamd.video.view import Window
from tests.support import Camera
from tests.video.stages import Stage, picture, view_stage
from tests.video.streams import open_stream, read_parts, wait_until


@pytest.fixture
async def stage() -> AsyncIterator[Stage]:
    async with view_stage(max_viewers=1) as parts:
        yield parts


def feed(hub: StreamHub, spec: RenderSpec, name: str = "motion 1") -> FrameFeed:
    options = StreamOptions(spec)
    consumer = hub.attach(name, ConsumerKind.INTERNAL)
    return FrameFeed(Subscription(consumer, lambda: options, options, lambda _s: None))


async def test_grey_pictures_are_the_scaled_luma_of_the_view(
    stage: Stage,
) -> None:
    hub, source, view = stage
    spec = RenderSpec("1", 64, 48, 0, fps=10, codec=Codec.GREY)
    with feed(hub, spec) as pictures:
        source.publish(picture(0), when=1.0)
        first = await pictures.next()
        assert first.pixels.shape == (48, 64)
        assert first.pixels.dtype == np.uint8
        assert not first.pixels.flags.writeable  # shared by every consumer of the profile
        assert np.array_equal(first.pixels, picture(0).y[::2, ::2])
        assert (first.seq, first.time) == (1, 1.0)
        view.set_window(Window.centred(0.5, 0.5, 2.0))  # what the view shows, PTZ included
        source.publish(picture(1), when=2.0)
        second = await pictures.next()
        assert np.array_equal(second.pixels, picture(1).y[24:72, 32:96])


async def test_the_rate_is_bounded_by_the_frames_timestamps(
    stage: Stage,
) -> None:
    hub, source, _view = stage
    spec = RenderSpec("1", 32, 24, 0, fps=5, codec=Codec.GREY)
    with feed(hub, spec) as pictures:
        got = []
        for n in range(60):  # two seconds of a 30 fps source
            source.publish(picture(n), when=100.0 + n / 30)
            if n % 6 == 0:
                got.append(await pictures.next())
    times = [p.time for p in got]
    assert len(times) == 10
    assert all(later - earlier >= 0.75 / 5 - 1e-9 for earlier, later in itertools.pairwise(times))


async def test_a_slow_reader_gets_the_newest_picture(
    stage: Stage,
) -> None:
    hub, source, _view = stage
    spec = RenderSpec("1", 32, 24, 0, fps=100, codec=Codec.GREY)
    with feed(hub, spec) as pictures:
        source.publish(picture(0), when=1.0)
        assert (await pictures.next()).seq == 1
        for n in range(1, 6):
            source.publish(picture(n), when=1.0 + n)
        newest = await pictures.next()
    assert newest.seq == 6
    assert np.array_equal(newest.pixels, picture(5).y[::4, ::4])


async def test_internal_feeds_take_no_viewer_slot_and_share_a_profile(
    stage: Stage,
) -> None:
    hub, source, _view = stage  # Image.MaxViewers=1
    spec = RenderSpec("1", 32, 24, 0, fps=10, codec=Codec.GREY)
    viewer, one, two = hub.attach("viewer a"), feed(hub, spec), feed(hub, spec, "motion 2")
    with viewer, one, two:
        assert hub.viewers == 1
        viewer.use(RenderSpec("1", 64, 48, 30))
        source.publish(picture(3), when=1.0)
        encodes = hub.encodes
        a, b = await asyncio.gather(one.next(), two.next())
        assert hub.profiles == 2  # the viewer's, and one for both detectors
        assert hub.encodes == encodes + 1
        assert a.pixels is not b.pixels
        assert np.array_equal(a.pixels, b.pixels)
        assert [c.name for c in hub.consumers()] == ["viewer a", "motion 1", "motion 2"]


async def test_open_frames_on_a_running_unit(camera: Camera) -> None:
    video = camera.device.video
    await video.params.async_update([("Image.MaxViewers", "1")], AccessLevel.ROOT)
    async with open_stream(camera, "/mjpg/video.mjpg?resolution=QQVGA") as response:
        await read_parts(response, 1)  # the one viewer slot is taken
        with video.open_frames("1", name="motion 1") as pictures:
            [info] = [c for c in video.consumers() if c.name == "motion 1"]
            assert info.describe() == "motion 1 (internal): camera 1 grey 160x120 5 fps"
            first = await pictures.next()
            second = await pictures.next()
            assert first.pixels.shape == (120, 160)
            assert second.seq > first.seq
            assert second.time - first.time >= 0.75 / 5 - 1e-9
            assert float(first.pixels.std()) > 10  # the test pattern
            assert video.hub.viewers == 1
    await wait_until(lambda: video.consumers() == [])  # once the server sees the client go


async def test_open_frames_ends_when_the_channel_is_switched_off(camera: Camera) -> None:
    video = camera.device.video
    with video.open_frames("1", name="motion 1", size=(80, 60), fps=10) as pictures:
        assert (await pictures.next()).pixels.shape == (60, 80)
        await video.params.async_update([("Image.I0.Enabled", "no")], AccessLevel.ROOT)
        assert len([p async for p in pictures]) <= 1
        with pytest.raises(Disabled):
            await pictures.next()
    with pytest.raises(Disabled):
        video.open_frames("1", name="motion 1")


@pytest.mark.parametrize(
    ("camera_name", "size", "fps", "error"),
    [
        ("2", (160, 120), 5.0, NotFound),
        ("1", (161, 120), 5.0, InvalidParameter),
        ("1", (0, 120), 5.0, InvalidParameter),
        ("1", (160, 4096), 5.0, InvalidParameter),
        ("1", (160, 120), 0.0, InvalidParameter),
        ("1", (160, 120), 101.0, InvalidParameter),
    ],
)
async def test_bad_requests_are_refused(
    camera: Camera, camera_name: str, size: tuple[int, int], fps: float, error: type[Exception]
) -> None:
    video = camera.device.video
    with pytest.raises(error):
        video.open_frames(camera_name, name="motion", size=size, fps=fps)
    assert video.consumers() == []
