"""Consumer handles: viewers count against Image.MaxViewers, internal consumers never do;
every handle is named, listed and logged; a handle moves between profiles at once."""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from collections.abc import AsyncIterator

import pytest

from ipcamd.errors import Busy, StreamClosed
from ipcamd.video.consumers import ConsumerKind
from ipcamd.video.frame import solid
from ipcamd.video.hub import StreamHub
from ipcamd.video.osd import TextPainter
from ipcamd.video.pool import FramePool
from ipcamd.video.producer import Producer
from ipcamd.video.render import Codec, RenderSpec
from tests.support import Camera
from tests.video.streams import jpeg_size, open_stream, read_parts, wait_until

INTERNAL = ConsumerKind.INTERNAL


class Limit:
    """Image.MaxViewers, as the hub reads it."""

    value = 2

    def __call__(self) -> int:
        return self.value


@pytest.fixture
async def setup() -> AsyncIterator[tuple[StreamHub, Producer, Limit]]:
    producer = Producer("1")
    executor = FramePool(2)
    limit = Limit()
    hub = StreamHub(lambda _name: producer, executor, TextPainter(), limit)
    yield hub, producer, limit
    hub.close()
    executor.shutdown()


def test_viewers_count_and_are_refused_at_the_limit(
    setup: tuple[StreamHub, Producer, Limit],
) -> None:
    hub, _producer, _limit = setup
    first = hub.attach("viewer a")
    second = hub.attach("viewer b", ConsumerKind.VIEWER)
    assert hub.viewers == 2
    with pytest.raises(Busy, match=r"Too many viewers \(Image.MaxViewers=2\)"):
        hub.attach("viewer c")
    assert hub.viewers == 2
    second.close()
    second.close()  # twice is harmless
    assert hub.viewers == 1
    third = hub.attach("viewer c")
    assert hub.viewers == 2
    first.close()
    third.close()
    assert hub.viewers == 0
    assert hub.consumers() == []


def test_internal_consumers_are_never_counted_nor_refused(
    setup: tuple[StreamHub, Producer, Limit],
) -> None:
    hub, _producer, limit = setup
    viewers = [hub.attach("viewer a"), hub.attach("viewer b")]
    internal = [hub.attach(name, INTERNAL) for name in ("motion 1", "recorder", "rtsp h264")]
    assert hub.viewers == 2  # the limit is reached by viewers alone
    with pytest.raises(Busy):
        hub.attach("viewer c")
    limit.value = 1  # even below what is attached
    more = hub.attach("motion 2", INTERNAL)
    assert [c.kind for c in hub.consumers()] == [ConsumerKind.VIEWER] * 2 + [INTERNAL] * 4
    for consumer in [*internal, more]:
        consumer.close()
    assert hub.viewers == 2
    for consumer in viewers:
        consumer.close()
    assert hub.viewers == 0


def test_no_limit_with_zero(setup: tuple[StreamHub, Producer, Limit]) -> None:
    hub, _producer, limit = setup
    limit.value = 0
    handles = [hub.attach(f"viewer {n}") for n in range(50)]
    assert hub.viewers == 50
    for handle in handles:
        handle.close()


def test_nobody_is_attached_while_shutting_down(setup: tuple[StreamHub, Producer, Limit]) -> None:
    hub, _producer, _limit = setup
    early = hub.attach("early")
    hub.close()
    for kind in ConsumerKind:
        with pytest.raises(StreamClosed):
            hub.attach("late", kind)
    with pytest.raises(StreamClosed):
        early.use(RenderSpec("1", 32, 24, 30))
    assert hub.profiles == 0
    early.close()
    assert hub.viewers == 0


async def test_handles_are_named_listed_and_logged(
    setup: tuple[StreamHub, Producer, Limit], caplog: pytest.LogCaptureFixture
) -> None:
    hub, producer, _limit = setup
    spec = RenderSpec("1", 160, 120, 30, fps=5)
    grey = RenderSpec("1", 80, 60, 0, fps=2, codec=Codec.GREY)
    with caplog.at_level(logging.DEBUG, logger="ipcamd.video"):
        viewer, motion = hub.attach("viewer 127.0.0.1:5555"), hub.attach("motion 1", INTERNAL)
        with viewer, motion:
            viewer.use(spec)
            motion.use(grey)
            listed = hub.consumers()
            assert [(c.name, c.kind, c.spec) for c in listed] == [
                ("viewer 127.0.0.1:5555", ConsumerKind.VIEWER, spec),
                ("motion 1", INTERNAL, grey),
            ]
            assert listed[0].describe() == (
                "viewer 127.0.0.1:5555 (viewer): camera 1 jpeg 160x120 compression 30 5 fps"
            )
            assert listed[1].describe() == "motion 1 (internal): camera 1 grey 80x60 2 fps"
            assert listed[0].since <= listed[1].since
            # The camera knows who keeps it running.
            assert producer.users == ["viewer 127.0.0.1:5555", "motion 1"]
        assert producer.users == []
    text = caplog.text
    assert "Video consumer viewer 127.0.0.1:5555 (viewer) attached: 1 viewers" in text
    assert "Video consumer motion 1 (internal) attached: 1 viewers, 2 consumers" in text
    assert "Video consumer motion 1 watches camera 1 grey 80x60 2 fps" in text
    assert "Video consumer motion 1 (internal) detached: 1 viewers, 1 consumers" in text
    assert "Video consumer viewer 127.0.0.1:5555 (viewer) detached: 0 viewers" in text


class Counting(Producer):
    """A producer that counts how often it was started and stopped."""

    def __init__(self) -> None:
        super().__init__("1")
        self.starts = self.stops = 0

    def _start(self) -> None:
        self.starts += 1

    def _stop(self) -> None:
        self.stops += 1


def test_a_producer_runs_while_any_user_is_attached() -> None:
    producer = Counting()
    producer.attach("a")
    producer.attach("b")
    producer.attach("a")  # one user, attached twice (moving between two profiles)
    producer.detach("a")
    producer.detach("b")
    assert (producer.starts, producer.stops, producer.users) == (1, 0, ["a"])
    producer.detach("a")
    assert (producer.starts, producer.stops, producer.users) == (1, 1, [])
    producer.detach("a")  # not attached: nothing happens
    assert producer.stops == 1
    producer.attach("c")
    assert producer.starts == 2


async def test_a_waiting_consumer_moves_to_its_new_profile_at_once(
    setup: tuple[StreamHub, Producer, Limit],
) -> None:
    hub, producer, _limit = setup
    small, large = RenderSpec("1", 32, 24, 30), RenderSpec("1", 64, 48, 30)
    with hub.attach("viewer") as viewer, hub.attach("other viewer") as other:
        viewer.use(small)
        other.use(small)  # the old profile lives on, with this viewer
        producer.publish(solid(128, 96, 50), when=1.0)
        first = await viewer.next(0)
        waiting = asyncio.create_task(viewer.next(first.seq))
        await asyncio.sleep(0)
        assert not waiting.done()
        viewer.use(large)
        assert hub.profiles == 2
        producer.publish(solid(128, 96, 60), when=2.0)
        moved = await asyncio.wait_for(waiting, 10)
        assert moved.seq == 2
        assert (jpeg_size(first.data), jpeg_size(moved.data)) == ((32, 24), (64, 48))
        assert viewer.profile is not None
        assert viewer.profile.spec == large
        # Leaving ends a wait in progress.
        waiting = asyncio.create_task(viewer.next(moved.seq))
        await asyncio.sleep(0)
        viewer.leave()
        with pytest.raises(StreamClosed):
            await asyncio.wait_for(waiting, 10)
        assert hub.profiles == 1


async def test_http_viewers_are_listed_by_address(camera: Camera) -> None:
    video = camera.device.video
    async with open_stream(camera, "/mjpg/video.mjpg?resolution=QQVGA") as response:
        await read_parts(response, 1)
        [info] = video.consumers()
        assert info.name.startswith("viewer 127.0.0.1:")
        assert info.kind is ConsumerKind.VIEWER
        assert info.spec is not None
        assert (info.spec.camera, info.spec.width, info.spec.height) == ("1", 160, 120)
    await wait_until(lambda: video.consumers() == [])


async def test_a_profile_its_last_consumer_left_is_freed_at_once(
    setup: tuple[StreamHub, Producer, Limit],
) -> None:
    """No reference cycle keeps an ended profile (its pictures, its encoder's rows) for the
    collector, nor does the pool thread that encoded its last frame: with the collector off,
    it is gone once its last consumer left (and the worker let go of its job)."""
    hub, producer, _limit = setup
    spec = RenderSpec("1", 32, 24, 30)
    producer.publish(solid(64, 48, 1), when=1.0)
    gc.collect()
    gc.disable()
    try:
        with hub.attach("snapshot") as consumer:
            profile = weakref.ref(consumer.use(spec))
            assert (await consumer.use(spec).next(0)).seq == 1
        assert hub.profile(spec) is None
        await wait_until(lambda: profile() is None)
    finally:
        gc.enable()
