"""The sequencer: steps in order, no wait shorter than asked, one sequence per port (a new one
replaces it).

Timings are asserted only from below (no interval between two steps is shorter than its wait)
and by order: a busy machine may lengthen a wait, never shorten it or reorder steps. Maxima
belong to bench/io.py.
"""

from __future__ import annotations

import asyncio

from ipcamd.io.actions import Step, parse_action
from ipcamd.io.sequencer import Sequencer


class Recorder:
    def __init__(self) -> None:
        self.steps: list[tuple[int, bool, float]] = []
        self.changed = asyncio.Event()

    def __call__(self, index: int, active: bool) -> None:
        self.steps.append((index, active, asyncio.get_running_loop().time()))
        self.changed.set()

    async def wait_for(self, count: int) -> None:
        while len(self.steps) < count:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 10)


async def test_steps_due_at_once_are_applied_before_run_returns() -> None:
    record = Recorder()
    sequencer = Sequencer(record)
    sequencer.run(0, parse_action("1:/\\").steps)
    assert [(i, a) for i, a, _ in record.steps] == [(0, True), (0, False)]
    assert not sequencer.running(0)


async def test_two_pulses_in_order_and_no_wait_shorter_than_asked() -> None:
    record = Recorder()
    sequencer = Sequencer(record)
    start = asyncio.get_running_loop().time()
    sequencer.run(2, parse_action("1:/30\\50/30\\").steps)
    assert sequencer.running(2)
    await record.wait_for(4)
    assert [a for _, a, _ in record.steps] == [True, False, True, False]
    moments = [start] + [t for _, _, t in record.steps]
    for before, after, wait_ms in zip(moments[1:-1], moments[2:], (30, 50, 30), strict=True):
        assert after - before >= wait_ms / 1000
    assert moments == sorted(moments)
    await asyncio.sleep(0)
    assert not sequencer.running(2)


async def test_a_new_sequence_replaces_the_running_one() -> None:
    record = Recorder()
    sequencer = Sequencer(record)
    sequencer.run(1, (Step(0, True), Step(60_000, False)))  # would end a minute later
    sequencer.run(1, (Step(0, False),))
    assert [a for _, a, _ in record.steps] == [True, False]
    assert not sequencer.running(1)
    await asyncio.sleep(0.05)
    assert len(record.steps) == 2  # the first sequence's last step is gone


async def test_ports_run_independently_and_stop_cancels_all() -> None:
    record = Recorder()
    sequencer = Sequencer(record)
    sequencer.run(0, (Step(10, True),))
    sequencer.run(1, (Step(60_000, True),))
    await record.wait_for(1)
    assert record.steps[0][:2] == (0, True)
    assert sequencer.running(1)
    await sequencer.stop()
    assert not sequencer.running(1)
    assert len(record.steps) == 1


async def test_a_failing_step_ends_only_its_sequence() -> None:
    applied: list[tuple[int, bool]] = []

    def apply(index: int, active: bool) -> None:
        if index == 0 and not active:
            raise OSError("line gone")
        applied.append((index, active))

    sequencer = Sequencer(apply)
    sequencer.run(0, (Step(0, True), Step(5, False), Step(10, True)))
    sequencer.run(1, (Step(20, True),))
    while sequencer.running(1):
        await asyncio.sleep(0.01)
    assert applied == [(0, True), (1, True)]
    assert not sequencer.running(0)
