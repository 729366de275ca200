"""Runs action sequences with millisecond timing, one per port, without blocking the loop.

Each wait is counted from the moment the step before it was applied (or, for a leading wait,
from the request), so no wait comes out shorter than asked: a 300 ms pulse keeps its output
active for at least 300 ms however late the machine woke up for its rising step. A busy machine
can only lengthen a wait (by how late its wake-up was), never shorten it or reorder steps. Steps
due at once (no wait before them) are applied before :meth:`Sequencer.run` returns, so the
request that asked sees its first change done. A new sequence for a port replaces the one running
there: the old one stops where it is (its remaining steps are dropped) and the new one starts
from the port's current state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from ipcamd.io.actions import Step

_LOGGER = logging.getLogger(__name__)

#: Applies a step: ``(port index, active)``.
Apply = Callable[[int, bool], None]


class Sequencer:
    """At most one running sequence per port; event loop only."""

    def __init__(self, apply: Apply) -> None:
        self._apply = apply
        self._running: dict[int, asyncio.Task[None]] = {}

    def run(self, index: int, steps: Sequence[Step]) -> None:
        """Start ``steps`` on port ``index``, replacing a sequence running there."""
        self.cancel(index)
        loop = asyncio.get_running_loop()
        due = 0
        while due < len(steps) and steps[due].at_ms <= 0:
            self._apply(index, steps[due].active)
            due += 1
        if due < len(steps):
            previous_at = steps[due - 1].at_ms if due else 0
            task = loop.create_task(
                self._play(index, loop.time(), previous_at, steps[due:]),
                name=f"io-sequence-{index}",
            )
            self._running[index] = task
            task.add_done_callback(lambda t: self._finished(index, t))

    def running(self, index: int) -> bool:
        """True while a sequence still has steps to apply on port ``index``."""
        task = self._running.get(index)
        return task is not None and not task.done()

    def cancel(self, index: int) -> None:
        """Drop the rest of port ``index``'s sequence, if one runs."""
        task = self._running.pop(index, None)
        if task is not None:
            task.cancel()

    async def stop(self) -> None:
        """Cancel every sequence and wait until they have ended."""
        tasks = list(self._running.values())
        self._running.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _play(
        self, index: int, anchor: float, previous_at: int, steps: Sequence[Step]
    ) -> None:
        """Apply each step once its wait has passed since the step before it was applied."""
        loop = asyncio.get_running_loop()
        for step in steps:
            delay = anchor + (step.at_ms - previous_at) / 1000 - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._apply(index, step.active)
            anchor, previous_at = loop.time(), step.at_ms

    def _finished(self, index: int, task: asyncio.Task[None]) -> None:
        if self._running.get(index) is task:
            del self._running[index]
        if not task.cancelled() and task.exception() is not None:
            _LOGGER.error("I/O sequence on port %d failed", index, exc_info=task.exception())
