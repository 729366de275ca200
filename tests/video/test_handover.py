"""Parts that leave with their source's next tick: held, hurried, never lost or late twice."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest

from ipcamd.video.fanout import MjpegSender
from ipcamd.video.frame import Frame, solid
from ipcamd.video.handover import Handover
from ipcamd.video.hub import StreamHub
from ipcamd.video.osd import TextPainter
from ipcamd.video.pool import FramePool
from ipcamd.video.producer import Producer
from ipcamd.video.render import RenderSpec
from tests.support import Camera
from tests.video.streams import RecordingTransport, wait_until

SPEC = RenderSpec(camera="1", width=64, height=48, compression=30)


async def loop_passes(count: int = 5) -> None:
    """Let the loop run ``count`` passes (whatever was woken would run meanwhile)."""
    for _ in range(count):
        await asyncio.sleep(0)


@pytest.fixture
async def pool() -> AsyncIterator[FramePool]:
    executor = FramePool(1)
    yield executor
    executor.shutdown()


def post(pool: FramePool, handover: Handover, value: int, got: list[int]) -> None:
    """One pool job doubling ``value``, its outcome handed over to ``got.append``."""
    ticket = handover.ticket()
    pool.post(
        lambda x: 2 * x, value, lambda result, _error: handover.hand(ticket, got.append, result)
    )


async def test_a_finished_job_waits_for_the_next_tick(pool: FramePool) -> None:
    handover = Handover(asyncio.get_running_loop())
    got: list[int] = []
    post(pool, handover, 21, got)
    await wait_until(lambda: handover.held == 1)
    await loop_passes()
    assert got == []
    handover.release()
    assert got == [42]
    assert handover.held == 0


async def test_a_job_still_running_at_the_tick_wakes_the_loop(pool: FramePool) -> None:
    handover = Handover(asyncio.get_running_loop())
    go = threading.Event()
    ran = asyncio.get_running_loop().create_future()
    ticket = handover.ticket()

    def slow(value: int) -> int:
        go.wait(10)
        return value

    pool.post(slow, 7, lambda result, _error: handover.hand(ticket, ran.set_result, result))
    handover.release()  # the tick came before the job ended
    go.set()
    assert await asyncio.wait_for(ran, 10) == 7  # no second tick needed
    assert handover.held == 0


async def test_a_hurried_job_does_not_wait(pool: FramePool) -> None:
    """A held outcome runs on the next pass once hurried; one still to come wakes the loop."""
    handover = Handover(asyncio.get_running_loop())
    got: list[int] = []
    post(pool, handover, 1, got)
    await wait_until(lambda: handover.held == 1)
    handover.hurry(handover.ticket())
    await wait_until(lambda: got == [2])
    post(pool, handover, 2, got)  # the same ticket, hurried already
    await wait_until(lambda: got == [2, 4])
    assert handover.held == 0


async def test_other_tickets_stay_held_when_one_is_hurried(pool: FramePool) -> None:
    handover = Handover(asyncio.get_running_loop())
    got: list[int] = []
    handover.hurry(handover.ticket() - 1)  # an older frame's
    post(pool, handover, 5, got)
    await wait_until(lambda: handover.held == 1)
    await loop_passes()
    assert got == []
    handover.release()
    assert got == [10]


async def test_a_closed_handover_holds_nothing(pool: FramePool) -> None:
    handover = Handover(asyncio.get_running_loop())
    got: list[int] = []
    post(pool, handover, 3, got)
    await wait_until(lambda: handover.held == 1)
    handover.close()
    assert got == [6]  # what was held ran at the close
    post(pool, handover, 4, got)
    await wait_until(lambda: got == [6, 8])
    assert handover.held == 0


async def test_a_failing_completion_does_not_stop_the_others(
    pool: FramePool, caplog: pytest.LogCaptureFixture
) -> None:
    handover = Handover(asyncio.get_running_loop())
    got: list[int] = []

    def broken(_result: int) -> None:
        raise ValueError("a bug")

    ticket = handover.ticket()
    pool.post(lambda x: x, 1, lambda result, _error: handover.hand(ticket, broken, result))
    post(pool, handover, 2, got)
    await wait_until(lambda: handover.held == 2)
    with caplog.at_level(logging.ERROR, "ipcamd.video.handover"):
        handover.release()
    assert got == [4]
    assert "A frame's completion failed" in caplog.text


class Ticking(Producer):
    """A producer whose parts wait for its next frame, as a computed source's do; the test
    is its clock."""

    def __init__(self) -> None:
        super().__init__("1")
        self.ticks = Handover(asyncio.get_running_loop())

    @property
    def handover(self) -> Handover:
        return self.ticks

    def tick(self, shade: int) -> Frame:
        """The next frame, as the camera's ticker makes it: held parts leave first."""
        self.ticks.release()
        return self.publish(solid(64, 48, shade))


@pytest.fixture
async def ticking(pool: FramePool) -> AsyncIterator[tuple[StreamHub, Ticking]]:
    producer = Ticking()
    hub = StreamHub(lambda _name: producer, pool, TextPainter(), lambda: 0)
    yield hub, producer
    hub.close()


@contextmanager
def viewing(
    hub: StreamHub, duration: float = 0.0
) -> Iterator[tuple[MjpegSender, RecordingTransport]]:
    """An MJPEG viewer of SPEC, in process: its sender and what it was written."""
    transport = RecordingTransport()
    with hub.attach("viewer") as viewer:
        viewer.use(SPEC)
        yield viewer.send(transport, duration=duration), transport


async def test_a_viewers_part_leaves_with_the_next_frame(
    ticking: tuple[StreamHub, Ticking],
) -> None:
    hub, producer = ticking
    with viewing(hub) as (sender, transport):
        first = producer.tick(50)
        await wait_until(lambda: producer.ticks.held == 1)
        await loop_passes()
        assert transport.chunks == []  # encoded, and waiting for the tick
        second = producer.tick(60)
        assert len(transport.chunks) == 1  # the tick wrote it before making the next
        assert sender.last_seq == first.seq
        await wait_until(lambda: producer.ticks.held == 1)
        producer.tick(70)
        assert sender.last_seq == second.seq
        assert len(transport.chunks) == 2


async def test_a_snapshot_does_not_wait_for_the_next_frame(
    ticking: tuple[StreamHub, Ticking],
) -> None:
    """A consumer that awaits the frame a viewer's part waits with gets it without a tick
    (and so does the viewer)."""
    hub, producer = ticking
    with viewing(hub) as (_sender, transport), hub.attach("snapshot") as snapshot:
        frame = producer.tick(50)
        await wait_until(lambda: producer.ticks.held == 1)
        snapshot.use(SPEC)
        encoded = await asyncio.wait_for(snapshot.next(0), 10)
        assert encoded.seq == frame.seq
        assert len(transport.chunks) == 1
        assert producer.ticks.held == 0


async def test_a_stream_with_a_duration_gets_its_parts_at_once(
    ticking: tuple[StreamHub, Ticking],
) -> None:
    """Its last part is due before its end: nothing of its profile waits for a tick."""
    hub, producer = ticking
    with viewing(hub, duration=60) as (_sender, transport):
        producer.tick(50)
        await wait_until(lambda: len(transport.chunks) == 1)
        assert producer.ticks.held == 0


async def test_the_test_pattern_holds_its_parts_while_watched(camera: Camera) -> None:
    """The product's computed source ticks its hand-over; a camera that stops has none."""
    video = camera.device.video
    cam = video.cameras[0]
    transport = RecordingTransport()
    with video.open_stream("1", {"resolution": "QQVGA"}, name="viewer test") as stream:
        stream.send_mjpeg(transport)
        handover = cam.handover
        assert handover is not None
        await wait_until(lambda: handover.held >= 1)  # a part between two ticks
        await wait_until(lambda: len(transport.chunks) >= 3)  # and they keep leaving
    cam._stop_reader()  # as the linger timer does
    assert cam.handover is None
    assert handover.held == 0
