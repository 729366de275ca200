"""The video thread pool: where frames are rendered and encoded, off the event loop.

A profile hands it one job per frame. ``concurrent.futures.ThreadPoolExecutor`` makes a
``Future`` per job (a condition variable and its lock), wakes an idle worker through a
semaphore and runs done callbacks under the future's lock; once every 33 ms, cold, that came
to about 60 µs of the event loop's time per job against 20 µs for a queue put (measured:
docs/video.md). So a frame's job is a plain queue entry here, ``(function, argument, done)``,
and ``done(result, error)`` runs on the worker when it is finished (the profile posts it to
the loop). It is still an :class:`~concurrent.futures.Executor` for everything else
(``loop.run_in_executor``: the quad's tiling) on the same threads.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Executor, Future
from typing import Any, TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")

#: What a worker calls with a job's outcome: its result, or None and what it raised.
Done = Callable[[Any, BaseException | None], None]
_Job = tuple[Callable[[Any], Any], Any, Done | None]


class FramePool(Executor):
    """Up to ``workers`` threads taking jobs in order from one queue.

    A thread is started only when a job finds every thread busy (as ``ThreadPoolExecutor``
    does): one stream's frames, one job at a time, then keep running on one thread, whose
    caches still hold the last frame's code and data, instead of alternating between two.
    """

    def __init__(self, workers: int, name: str = "ipcamd-video") -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()  # orders post() against shutdown(); guards _busy
        self._workers = max(1, workers)
        self._name = name
        self._threads: list[threading.Thread] = []
        #: Jobs posted and not finished yet.
        self._busy = 0

    def post(self, function: Callable[[_T], _R], argument: _T, done: Done) -> None:
        """Run ``function(argument)`` on a worker, then ``done(result, error)`` there.

        Raises RuntimeError once the pool is shut down (as ``Executor.submit`` does). A job
        still queued at a ``shutdown(cancel_futures=True)`` gets ``done(None, CancelledError())``.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the video pool is shut down")
            self._busy += 1
            if self._busy > len(self._threads) < self._workers:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            self._jobs.put((function, argument, done))

    def submit(self, fn: Callable[..., _R], /, *args: Any, **kwargs: Any) -> Future[_R]:
        """The ``Executor`` way: a future of ``fn(*args, **kwargs)``."""
        future: Future[_R] = Future()

        def run(_: object) -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as err:  # the future carries it to whoever waits
                future.set_exception(err)

        def dropped(_result: object, error: BaseException | None) -> None:
            if isinstance(error, CancelledError):
                future.cancel()

        self.post(run, None, dropped)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No new jobs; the queued ones still run, or with ``cancel_futures`` are dropped
        (their ``done`` told so); the workers end once the queue is empty."""
        dropped: list[_Job] = []
        with self._lock:
            if self._closed:
                return
            self._closed = True
            while cancel_futures:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    self._busy -= 1
                    dropped.append(job)
            for _ in self._threads:
                self._jobs.put(None)
        for _function, _argument, done in dropped:
            if done is not None:
                done(None, CancelledError())
        if wait:
            for thread in self._threads:
                thread.join()

    def _work(self) -> None:
        jobs = self._jobs
        while (job := jobs.get()) is not None:
            function, argument, done = job
            try:
                result, error = function(argument), None
            except BaseException as err:  # handed to done, which reports it
                result, error = None, err
            with self._lock:
                self._busy -= 1
            if done is not None:
                done(result, error)
            # Not kept while waiting for the next job: the last frame, its result and the
            # profile its callback names would otherwise live on after the profile ended.
            del job, function, argument, done, result, error
