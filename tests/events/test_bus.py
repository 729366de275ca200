"""The event bus on its own: order, filters, retained state, overflow, unsubscribing, threads."""

from __future__ import annotations

import asyncio
import threading

import pytest

from ipcamd.errors import StreamClosed
from ipcamd.events import (
    Booted,
    Event,
    EventBus,
    Missed,
    MotionLevel,
    MotionState,
    ParamGroupChanged,
    PortChanged,
    PortDirection,
    PTZMoved,
    RecordingEvent,
    RecordingStarted,
    RecordingStopped,
    RecordingType,
    Subscription,
    VirtualInputChanged,
)

IN, OUT = PortDirection.INPUT, PortDirection.OUTPUT


def level(n: int, window: int = 0) -> MotionLevel:
    return MotionLevel(camera=1, window=window, level=n % 101, threshold=50)


def drain(sub: Subscription[Event]) -> list[Event | Missed]:
    """Everything waiting in ``sub``, without blocking."""
    items: list[Event | Missed] = []
    while (item := sub.get_nowait()) is not None:
        items.append(item)
    return items


# ----------------------------------------------------------------------------- order, filters


async def test_every_subscriber_gets_every_event_in_publish_order() -> None:
    bus = EventBus()
    with bus.subscribe() as first, bus.subscribe() as second:
        events = [level(i) for i in range(100)]
        for event in events:
            bus.publish(event)
        assert [await first.get() for _ in events] == events
        assert drain(second) == events
    assert bus.published == 100


async def test_async_iteration_reads_as_events_arrive() -> None:
    bus = EventBus()
    got: list[Event | Missed] = []

    async def read(sub: Subscription[Event]) -> None:
        async for item in sub:
            got.append(item)
            if len(got) == 3:
                return

    with bus.subscribe() as sub:
        reader = asyncio.create_task(read(sub))
        for i in range(3):
            await asyncio.sleep(0)  # the reader is waiting, not polling a full queue
            bus.publish(level(i))
        await asyncio.wait_for(reader, 5)
    assert got == [level(0), level(1), level(2)]


async def test_filters_by_type_base_type_key_and_predicate() -> None:
    bus = EventBus()
    ports = bus.subscribe(PortChanged)
    io = bus.subscribe(PortChanged, VirtualInputChanged)
    port_one = bus.subscribe(PortChanged, keys=[1])
    outputs = bus.subscribe(PortChanged, where=lambda e: e.direction is OUT)
    everything = bus.subscribe(Event)
    events: list[Event] = [
        PortChanged(0, IN, True),
        VirtualInputChanged(5, True),
        PortChanged(1, IN, False),
        PortChanged(2, OUT, True),
        Booted("1.0", "02ABCDEF0123"),
        level(3),
    ]
    for event in events:
        bus.publish(event)
    assert drain(ports) == [events[0], events[2], events[3]]
    assert drain(io) == events[:4]
    assert drain(port_one) == [events[2]]
    assert drain(outputs) == [events[3]]
    assert drain(everything) == events


async def test_a_base_type_takes_its_subclasses() -> None:
    bus = EventBus()
    started = RecordingStarted("r1", 2, RecordingType.CONTINUOUS)
    stopped = RecordingStopped("r1", 2, RecordingType.CONTINUOUS)
    with bus.subscribe(RecordingEvent) as both, bus.subscribe(RecordingStopped) as ends:
        bus.publish(started)
        bus.publish(level(1))
        bus.publish(stopped)
        assert drain(both) == [started, stopped]
        assert drain(ends) == [stopped]
    assert started != stopped  # same fields, different facts


async def test_a_failing_filter_costs_its_subscriber_the_event_not_the_publisher() -> None:
    bus = EventBus()

    def broken(_event: MotionLevel) -> bool:
        raise ValueError("listener bug")

    with bus.subscribe(MotionLevel, where=broken) as bad, bus.subscribe(MotionLevel) as good:
        bus.publish(level(1))
        assert drain(bad) == []
        assert drain(good) == [level(1)]


# ----------------------------------------------------------------------------- retained state


async def test_state_events_are_retained_per_key_for_new_subscribers() -> None:
    bus = EventBus()
    bus.publish(PortChanged(0, IN, True))
    bus.publish(PortChanged(1, IN, False))
    bus.publish(PortChanged(0, IN, False))  # replaces port 0's state, keeps its place
    bus.publish(MotionState(1, 3, True))
    bus.publish(level(7))  # a sample: never retained
    bus.publish(ParamGroupChanged("Image", ("Image.I0.FPS",)))  # not a state either
    assert bus.state(PortChanged) == [PortChanged(0, IN, False), PortChanged(1, IN, False)]
    assert bus.state(MotionLevel) == []
    with bus.subscribe(PortChanged, MotionState) as sub:
        assert sub.initial == (
            PortChanged(0, IN, False),
            PortChanged(1, IN, False),
            MotionState(1, 3, True),
        )
        assert sub.pending == 0  # the initial state is not repeated in the stream
        bus.publish(PortChanged(1, IN, True))
        assert drain(sub) == [PortChanged(1, IN, True)]
    with bus.subscribe(PortChanged, keys=[1]) as one:
        assert one.initial == (PortChanged(1, IN, True),)
    with bus.subscribe(PortChanged, where=lambda e: e.active) as active:
        assert active.initial == (PortChanged(1, IN, True),)
    with bus.subscribe(MotionLevel) as levels:
        assert levels.initial == ()


async def test_forget_drops_a_keys_state() -> None:
    bus = EventBus()
    bus.publish(MotionState(1, 0, True))
    bus.publish(MotionState(1, 1, False))
    bus.forget(MotionState, (1, 0))
    bus.forget(MotionState, (9, 9))  # unknown keys are fine
    assert bus.state(MotionState) == [MotionState(1, 1, False)]
    assert bus.subscribe(MotionState).initial == (MotionState(1, 1, False),)


async def test_every_state_type_is_retained_and_no_other() -> None:
    retained = {PortChanged, VirtualInputChanged, MotionState, PTZMoved}
    bus = EventBus()
    samples: list[Event] = [
        PortChanged(0, OUT, True),
        VirtualInputChanged(32, True),
        MotionState(2, 1, False),
        PTZMoved(1, 10.5, -3.0, 1, moving=True),
        Booted("1.0", "02ABCDEF0123"),
        ParamGroupChanged("Event", added=("Event.E0",)),
        RecordingStarted("r1", 1, RecordingType.TRIGGERED),
        RecordingStopped("r1", 1, RecordingType.TRIGGERED),
        level(1),
    ]
    for event in samples:
        bus.publish(event)
    assert {type(e) for e in bus.state(Event)} == retained
    assert {type(e) for e in samples if type(e).retained} == retained


# ----------------------------------------------------------------------------- overflow


async def test_overflow_drops_the_oldest_and_reports_the_exact_count() -> None:
    bus = EventBus()
    with bus.subscribe(maxsize=3) as sub:
        for i in range(10):
            bus.publish(level(i))
        assert sub.pending == 3
        assert sub.missed == 7
        assert drain(sub) == [Missed(7), level(7), level(8), level(9)]
        # The count was announced once; the next loss is counted afresh, at its own place.
        bus.publish(level(10))
        assert await sub.get() == level(10)
        for i in range(11, 16):
            bus.publish(level(i))
        assert drain(sub) == [Missed(2), level(13), level(14), level(15)]
        assert sub.missed == 9
        assert sub.received == 16


async def test_missed_sits_where_the_lost_events_were() -> None:
    """Reads between overflows: each ``Missed(n)`` stands exactly for the ``n`` events between
    the last one read and the next one, so the stream accounts for every event published."""
    bus = EventBus()
    published = 0
    expected_next = 0  # the number of the next event the stream must account for
    announced = 0
    with bus.subscribe(MotionLevel, maxsize=5) as sub:

        def check(items: list[Event | Missed]) -> None:
            nonlocal expected_next, announced
            for item in items:
                if isinstance(item, Missed):
                    assert item.count > 0
                    expected_next += item.count
                    announced += item.count
                else:
                    assert isinstance(item, MotionLevel)
                    assert item.window == expected_next
                    expected_next += 1

        for burst in (3, 9, 1, 20, 5, 6, 2):
            for _ in range(burst):
                bus.publish(level(0, window=published))
                published += 1
            # Read only part of what is queued, so later bursts overflow it.
            partial = [sub.get_nowait() for _ in range(burst % 4 + 1)]
            check([item for item in partial if item is not None])
        check(drain(sub))
    assert expected_next == published
    assert announced == sub.missed > 0
    assert sub.received == published


async def test_a_reader_that_never_reads_holds_at_most_maxsize() -> None:
    bus = EventBus()
    stuck = bus.subscribe(maxsize=16)
    with bus.subscribe(maxsize=20_000) as reader:
        for i in range(10_000):
            bus.publish(level(i))
        assert stuck.pending == 16
        assert stuck.missed == 10_000 - 16
        assert reader.pending == 10_000
        assert reader.missed == 0


def test_maxsize_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        EventBus().subscribe(maxsize=0)


# ----------------------------------------------------------------------------- unsubscribing


async def test_leaving_the_block_unsubscribes() -> None:
    bus = EventBus()
    with bus.subscribe() as sub:
        assert bus.subscribers == 1
    assert bus.subscribers == 0
    assert sub.closed
    bus.publish(level(1))
    assert sub.pending == 0
    async with bus.subscribe() as other:
        assert bus.subscribers == 1
    assert other.closed
    assert bus.subscribers == 0


async def test_cancelling_a_waiting_reader_unsubscribes() -> None:
    bus = EventBus()
    waiting = asyncio.Event()

    async def listen() -> None:
        with bus.subscribe(PortChanged) as sub:
            waiting.set()
            await sub.get()

    task = asyncio.create_task(listen())
    await asyncio.wait_for(waiting.wait(), 5)
    assert bus.subscribers == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert bus.subscribers == 0
    bus.publish(PortChanged(0, IN, True))  # nothing left to deliver to


async def test_closing_ends_iteration_after_what_is_queued() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    bus.publish(level(1))
    bus.publish(level(2))
    sub.close()
    sub.close()  # twice is harmless
    assert [item async for item in sub] == [level(1), level(2)]
    with pytest.raises(StreamClosed):
        await sub.get()


async def test_a_second_reader_of_one_subscription_is_refused() -> None:
    bus = EventBus()
    with bus.subscribe() as sub:
        first = asyncio.create_task(sub.get())
        await asyncio.sleep(0)  # the first reader waits
        with pytest.raises(RuntimeError, match="one reader"):
            await sub.get()
        bus.publish(level(1))
        assert await asyncio.wait_for(first, 5) == level(1)


async def test_bus_close_ends_every_waiting_reader() -> None:
    bus = EventBus()
    subs = [bus.subscribe() for _ in range(5)]
    readers = [asyncio.create_task(anext(sub, None)) for sub in subs]  # type: ignore[arg-type]
    await asyncio.sleep(0)
    bus.close()
    assert await asyncio.wait_for(asyncio.gather(*readers), 5) == [None] * 5
    assert bus.subscribers == 0
    late = bus.subscribe()  # a subscription after the end is already over
    assert late.closed
    assert [item async for item in late] == []


async def test_many_subscribers_and_one_slow_one() -> None:
    bus = EventBus()
    fast = [bus.subscribe(maxsize=1000) for _ in range(100)]
    slow = bus.subscribe(maxsize=2)
    events = [level(i) for i in range(500)]
    for event in events:
        bus.publish(event)
    for sub in fast:
        assert drain(sub) == events
        sub.close()
    assert drain(slow) == [Missed(498), events[-2], events[-1]]
    slow.close()
    assert bus.subscribers == 0


# ----------------------------------------------------------------------------- threads


async def test_publish_from_another_thread_is_refused_once_a_loop_owns_the_bus() -> None:
    bus = EventBus()
    sub = bus.subscribe()  # binds the bus to this loop
    errors: list[BaseException] = []

    def publish_in_thread() -> None:
        try:
            bus.publish(level(1))
        except RuntimeError as err:
            errors.append(err)
        try:
            bus.subscribe()
        except RuntimeError as err:
            errors.append(err)

    thread = threading.Thread(target=publish_in_thread)
    thread.start()
    await asyncio.to_thread(thread.join)
    assert len(errors) == 2
    assert "publish_threadsafe" in str(errors[0])
    assert sub.pending == 0
    assert bus.published == 0


async def test_publish_threadsafe_hops_to_the_loop_in_order() -> None:
    bus = EventBus()
    with bus.subscribe(MotionLevel) as sub:

        def publish_in_thread() -> None:
            for i in range(50):
                bus.publish_threadsafe(level(i))

        await asyncio.to_thread(publish_in_thread)
        got = [await asyncio.wait_for(sub.get(), 5) for _ in range(50)]
        assert got == [level(i) for i in range(50)]
        bus.publish_threadsafe(level(99))  # from the loop's own thread: at once
        assert sub.get_nowait() == level(99)


def test_before_any_loop_a_publish_only_records_state() -> None:
    """The device is built in a worker thread before its loop runs: nothing can wait yet."""
    bus = EventBus()
    bus.publish(PortChanged(0, IN, True))
    assert bus.state(PortChanged) == [PortChanged(0, IN, True)]
    with pytest.raises(RuntimeError, match="no event loop"):
        bus.publish_threadsafe(level(1))


def test_events_are_frozen() -> None:
    event = PortChanged(0, IN, True)
    with pytest.raises(AttributeError):
        event.active = False  # type: ignore[misc]
    assert event.key == 0
    assert MotionState(2, 3, True).key == (2, 3)
    assert Booted("1.0", "x").key is None
