"""The video pool: plain jobs with a done callback on the worker, the Executor interface for
the rest, and a shutdown that drops what is queued and says so."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import CancelledError

import pytest

from ipcamd.video.pool import FramePool


def test_a_job_runs_on_a_worker_and_done_gets_its_result() -> None:
    pool = FramePool(2)
    finished = threading.Event()
    outcome: list[object] = []

    def done(result: object, error: BaseException | None) -> None:
        outcome.extend([result, error, threading.current_thread().name])
        finished.set()

    pool.post(lambda n: n * 2, 21, done)
    assert finished.wait(10)
    assert outcome[:2] == [42, None]
    assert str(outcome[2]).startswith("ipcamd-video_")
    pool.shutdown()


def test_what_a_job_raises_goes_to_done() -> None:
    pool = FramePool(1)
    finished = threading.Event()
    outcome: list[object] = []

    def fail(_: object) -> None:
        raise ValueError("bad frame")

    def done(result: object, error: BaseException | None) -> None:
        outcome.extend([result, error])
        finished.set()

    pool.post(fail, None, done)
    assert finished.wait(10)
    assert outcome[0] is None
    assert isinstance(outcome[1], ValueError)
    pool.shutdown()


async def test_it_is_an_executor_for_the_event_loop() -> None:
    pool = FramePool(2)
    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(pool, pow, 2, 10) == 1024
    with pytest.raises(ZeroDivisionError):
        await loop.run_in_executor(pool, divmod, 1, 0)
    pool.shutdown()


def test_shutdown_drops_queued_jobs_and_refuses_new_ones() -> None:
    pool = FramePool(1)
    running, release = threading.Event(), threading.Event()
    outcomes: list[tuple[object, BaseException | None]] = []
    pool.post(lambda _: (running.set(), release.wait(10)), None, lambda r, e: None)
    assert running.wait(10)  # the only worker is busy: what follows stays queued
    pool.post(lambda n: n, 1, lambda r, e: outcomes.append((r, e)))
    future = pool.submit(pow, 2, 3)
    pool.shutdown(wait=False, cancel_futures=True)
    assert len(outcomes) == 1
    assert outcomes[0][0] is None
    assert isinstance(outcomes[0][1], CancelledError)
    assert future.cancelled()
    with pytest.raises(RuntimeError):
        pool.post(lambda n: n, 1, lambda r, e: None)
    with pytest.raises(RuntimeError):
        pool.submit(pow, 2, 3)
    release.set()
    pool.shutdown()  # a second call changes nothing


def test_without_cancel_the_queued_jobs_still_run() -> None:
    pool = FramePool(1)
    results: list[object] = []
    for n in range(5):
        pool.post(lambda n: n, n, lambda r, e: results.append(r))
    pool.shutdown(wait=True)
    assert results == [0, 1, 2, 3, 4]
