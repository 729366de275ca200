"""Frame-rate profiles: one schedule for all viewers, each chosen frame encoded once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest

from ipcamd.video.encoder import Encoded
from ipcamd.video.frame import solid
from ipcamd.video.hub import Profile, StreamHub
from ipcamd.video.osd import TextPainter
from ipcamd.video.producer import Producer, StreamClosed
from ipcamd.video.render import RenderSpec
from tests.support import Camera
from tests.video.streams import open_stream, wait_until


@pytest.fixture
async def hub() -> AsyncIterator[tuple[StreamHub, Producer]]:
    producer = Producer("1")
    executor = ThreadPoolExecutor(2)
    hub = StreamHub(lambda _name: producer, executor, TextPainter(), lambda: 0)
    yield hub, producer
    hub.close()
    executor.shutdown()


async def watch(hub: StreamHub, spec: RenderSpec, got: list[Encoded]) -> None:
    """One viewer: every frame it is given, until the stream closes."""
    with hub.attach("test viewer") as viewer:
        profile = viewer.use(spec)
        seq = 0
        try:
            while True:
                encoded = await profile.next(seq)
                got.append(encoded)
                seq = encoded.seq
        except StreamClosed:
            return


def profile_of(hub: StreamHub, spec: RenderSpec) -> Profile:
    """The live profile of ``spec`` (its viewers are watching)."""
    profile = hub._profiles[spec]
    assert profile.users
    return profile


async def play(
    producer: Producer, viewers: list[tuple[Profile, list[Encoded]]], rate: float, count: int
) -> None:
    """Publish ``count`` frames stamped ``rate`` per second apart; after each, wait until every
    viewer has been given the newest frame its profile chose, so none can be skipped."""
    start = 1_000_000.0
    for n in range(count):
        planes = solid(64, 48, 16 + (n * 7) % 200)
        producer.publish(planes, when=start + n / rate)
        await wait_until(
            lambda: all(got and got[-1].seq >= profile.chosen_seq for profile, got in viewers)
        )


async def test_viewers_of_a_rate_limited_profile_share_one_schedule(
    hub: tuple[StreamHub, Producer],
) -> None:
    stream_hub, producer = hub
    spec = RenderSpec("1", 32, 24, 30, fps=15)
    viewers: list[list[Encoded]] = [[] for _ in range(5)]
    tasks = [asyncio.create_task(watch(stream_hub, spec, got)) for got in viewers]
    await wait_until(lambda: stream_hub.viewers == 5)
    profile = profile_of(stream_hub, spec)
    # Two seconds of a 30 fps source.
    await play(producer, [(profile, got) for got in viewers], rate=30, count=60)
    stream_hub.close()
    await asyncio.gather(*tasks)
    assert stream_hub.profiles == 0
    expected = list(range(1, 61, 2))  # every other frame, the same for everyone
    for got in viewers:
        assert [encoded.seq for encoded in got] == expected
        assert [encoded.jpeg for encoded in got] == [e.jpeg for e in viewers[0]]
    assert stream_hub.encodes == len(expected)  # 15 per second of source, not 30, not 5 x 15


async def test_a_slower_source_has_every_frame_delivered(hub: tuple[StreamHub, Producer]) -> None:
    stream_hub, producer = hub
    viewers: list[list[Encoded]] = [[] for _ in range(3)]
    spec = RenderSpec("1", 32, 24, 30, fps=25)
    tasks = [asyncio.create_task(watch(stream_hub, spec, got)) for got in viewers]
    await wait_until(lambda: stream_hub.viewers == 3)
    profile = profile_of(stream_hub, spec)
    await play(producer, [(profile, got) for got in viewers], rate=10, count=20)
    stream_hub.close()
    await asyncio.gather(*tasks)
    for got in viewers:
        assert [encoded.seq for encoded in got] == list(range(1, 21))  # none twice, none lost
    assert stream_hub.encodes == 20


async def test_another_rate_is_another_profile(hub: tuple[StreamHub, Producer]) -> None:
    stream_hub, producer = hub
    viewers: list[list[Encoded]] = [[], [], []]
    specs = [RenderSpec("1", 32, 24, 30, fps=f) for f in (15, 10, 0)]
    tasks = [
        asyncio.create_task(watch(stream_hub, spec, got))
        for spec, got in zip(specs, viewers, strict=True)
    ]
    await wait_until(lambda: stream_hub.viewers == 3)
    assert stream_hub.profiles == 3
    watched = [(profile_of(stream_hub, s), got) for s, got in zip(specs, viewers, strict=True)]
    await play(producer, watched, rate=30, count=30)
    stream_hub.close()
    await asyncio.gather(*tasks)
    fifteen, ten, every = ([e.seq for e in got] for got in viewers)
    assert fifteen == list(range(1, 31, 2))
    assert ten == list(range(1, 31, 3))
    assert every == list(range(1, 31))
    assert stream_hub.encodes == 15 + 10 + 30


async def _bodies(response: aiohttp.ClientResponse, count: int) -> list[bytes]:
    reader = aiohttp.MultipartReader.from_response(response)
    bodies = []
    for _ in range(count):
        part = await asyncio.wait_for(reader.next(), 10)
        assert isinstance(part, aiohttp.BodyPartReader)
        bodies.append(bytes(await part.read()))
    return bodies


async def test_fps_viewers_over_http_cost_one_encode_per_chosen_frame(camera: Camera) -> None:
    """Four ``fps=5`` viewers of the 30 fps test pattern: 5 encodes a second, shared bytes."""
    video = camera.device.video
    hub = video.hub
    path = "/mjpg/video.mjpg?resolution=QQVGA&fps=5"
    async with (
        open_stream(camera, path) as a,
        open_stream(camera, path) as b,
        open_stream(camera, path) as c,
        open_stream(camera, "/mjpg/video.mjpg?resolution=QQVGA&req_fps=5") as d,
    ):
        responses = [a, b, c, d]
        await asyncio.gather(*(_bodies(r, 1) for r in responses))
        assert hub.profiles == 1  # fps and req_fps ask the same thing
        producer = video.producer("1")
        assert producer.latest is not None
        loop = asyncio.get_running_loop()
        started, seq_before, encodes_before = loop.time(), producer.latest.seq, hub.encodes
        received = await asyncio.gather(*(_bodies(r, 8) for r in responses))
        elapsed = loop.time() - started
        source_frames = producer.latest.seq - seq_before
        encodes = hub.encodes - encodes_before
        async with open_stream(camera, "/mjpg/video.mjpg?resolution=QQVGA&fps=10") as other:
            await _bodies(other, 1)
            assert hub.profiles == 2  # another rate, another profile
    assert source_frames >= 30 * elapsed * 0.5  # the source did run much faster than 5 fps
    assert encodes <= 5 * elapsed + 2
    assert encodes < source_frames / 3
    # Everyone got the same frames in the same order (one viewer may be a frame ahead).
    first = received[0]
    for bodies in received[1:]:
        common = [body for body in bodies if body in first]
        assert len(common) >= 7
        indexes = [first.index(body) for body in common]
        assert indexes == list(range(indexes[0], indexes[0] + len(indexes)))


async def test_a_live_fps_change_moves_the_stream_to_the_new_rate(camera: Camera) -> None:
    video = camera.device.video
    async with open_stream(camera, "/mjpg/video.mjpg?resolution=QQVGA") as response:
        await _bodies(response, 2)
        reply = await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.FPS=5")
        assert reply.text == "OK\r\n"
        await _bodies(response, 2)  # the stream has switched to the 5 fps profile by now
        producer = video.producer("1")
        assert producer.latest is not None
        seq_before, encodes_before = producer.latest.seq, video.hub.encodes
        await _bodies(response, 6)
        source_frames = producer.latest.seq - seq_before
        encodes = video.hub.encodes - encodes_before
    await wait_until(lambda: video.hub.profiles == 0)  # the viewer left: nothing runs
    assert 5 <= encodes <= 7  # the frames this viewer got, and at most one more in flight
    assert source_frames >= 3 * encodes  # the 30 fps camera ran on meanwhile
