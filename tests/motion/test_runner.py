"""One camera's runner without a server: a feed of synthetic pictures stands in for the video
pipeline (the runner's only boundary), so failures and pauses can be made on purpose."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest

from ipcamd.errors import Disabled, StreamClosed
from ipcamd.events import EventBus, MotionLevel, MotionState
from ipcamd.motion.detector import FEED_SIZE, BackgroundDetector
from ipcamd.motion.runner import CameraMotion, Feed, Picture
from ipcamd.motion.windows import MotionWindow, WindowType

WINDOW = MotionWindow(4, 1, WindowType.INCLUDE, 0, 9999, 0, 9999, 90, 0, 0, 10)


@dataclass(frozen=True)
class Grey:
    seq: int
    time: float
    pixels: npt.NDArray[np.uint8]


class Pictures:
    """A feed the test fills: each ``next`` waits for a picture, or raises what was queued."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Grey | Exception] = asyncio.Queue()
        self.closed = False
        self.seq = 0

    def put(self, luma: int) -> None:
        self.seq += 1
        pixels = np.full((FEED_SIZE[1], FEED_SIZE[0]), luma, np.uint8)
        self.queue.put_nowait(Grey(self.seq, self.seq * 0.2, pixels))

    async def next(self) -> Picture:
        item = await self.queue.get()
        if isinstance(item, Exception):
            raise item
        return item

    def close(self) -> None:
        self.closed = True


class FailingOnce(BackgroundDetector):
    """Raises on its first picture (a bug), measures the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def update(
        self, picture: npt.NDArray[np.uint8], when: float, histories: Collection[int]
    ) -> None:
        self.calls += 1
        if self.calls == 1:
            raise ValueError("detector bug")
        super().update(picture, when, histories)


@pytest.fixture
async def pool() -> ThreadPoolExecutor:
    executor = ThreadPoolExecutor(max_workers=1)
    yield executor  # type: ignore[misc]
    executor.shutdown(wait=True)


def runner_of(
    feeds: list[Pictures], pool: ThreadPoolExecutor, bus: EventBus, **kwargs: object
) -> tuple[CameraMotion, list[str]]:
    """A runner of camera 1 (one window, WINDOW) whose k-th open gets ``feeds[k]``; the
    names it opened them with."""
    opened: list[str] = []

    def open_frames(camera: str, *, name: str, size: tuple[int, int], fps: float) -> Feed:
        assert all(feed.closed for feed in feeds[: len(opened)]), "opened twice at once"
        opened.append(name)
        return feeds[len(opened) - 1]

    runner = CameraMotion(
        1,
        open_frames=open_frames,
        executor=pool,
        bus=bus,
        fps=5.0,
        windows=lambda camera: [WINDOW],
        probes=list,
        **kwargs,  # type: ignore[arg-type]
    )
    return runner, opened


async def next_level(subscription: object) -> MotionLevel:
    while True:
        item = await asyncio.wait_for(subscription.get(), 10)  # type: ignore[attr-defined]
        if isinstance(item, MotionLevel):
            return item


async def test_a_failing_picture_is_logged_and_the_next_is_measured(
    pool: ThreadPoolExecutor, caplog: pytest.LogCaptureFixture
) -> None:
    bus, feed = EventBus(), Pictures()
    runner, opened = runner_of([feed], pool, bus, detector=FailingOnce)
    with bus.subscribe(MotionLevel) as levels:
        runner.start()
        feed.put(60)  # the detector fails on this one
        feed.put(60)
        feed.put(250)  # the whole picture changes: level 100
        assert (await next_level(levels)).level == 0
        assert (await next_level(levels)).level == 100
    assert "Motion detection on camera 1 failed" in caplog.text
    assert opened == ["motion 1"]
    assert bus.state(MotionState) == [MotionState(1, 4, active=True)]
    await runner.stop()
    assert feed.closed
    # Stopping ends the active state and forgets it.
    assert bus.state(MotionState) == []


async def test_a_switched_off_camera_waits_for_a_change(pool: ThreadPoolExecutor) -> None:
    bus = EventBus()
    feeds = [Pictures(), Pictures()]
    runner, opens = runner_of(feeds, pool, bus)
    with bus.subscribe(MotionLevel) as levels:
        runner.start()
        feeds[0].put(60)
        await next_level(levels)
        feeds[0].queue.put_nowait(Disabled("Camera 1 is disabled"))
        await asyncio.wait_for(_until(lambda: feeds[0].closed), 10)
        assert len(opens) == 1  # waits, does not reopen on its own
        runner.configuration_changed()
        await asyncio.wait_for(_until(lambda: len(opens) == 2), 10)
        feeds[1].put(60)
        assert (await next_level(levels)).window == 4
        feeds[1].queue.put_nowait(StreamClosed("shutting down"))
        await asyncio.wait_for(_until(lambda: not runner.running), 10)
    await runner.stop()


async def _until(condition: object) -> None:
    assert callable(condition)
    while not condition():
        await asyncio.sleep(0.01)
