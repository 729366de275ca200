"""Benchmark of the event bus: events published per second with 0, 1 and 10 subscribers.

In-process (the bus is an in-process object): one event loop, a publisher that publishes bursts
of events and yields to the loop between bursts, and N subscriber tasks that read with
``async for``. For each row it runs several windows and prints the medians:

- ``publish/s``: events divided by the time spent inside ``publish`` calls (the publisher's cost);
- ``end-to-end/s``: events divided by the window's wall time (publishing plus every reader);
- ``delivered/s``: events all readers took out of their queues per second of wall time;
- ``missed``: events the readers lost to full queues (0 when they keep up).

Usage: ``python bench/events.py [--windows 7] [--seconds 0.5] [--burst 64]``; ``--quick`` (what
``make bench`` runs) is 5 windows of 0.2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from ipcamd.events import EventBus, Missed, PortChanged, PortDirection


async def window(subscribers: int, seconds: float, burst: int) -> tuple[float, float, float, int]:
    """One window: (publish/s, end-to-end/s, delivered/s, missed)."""
    bus = EventBus()
    delivered = 0
    missed = 0

    async def reader() -> None:
        nonlocal delivered, missed
        with bus.subscribe(PortChanged) as sub:
            async for item in sub:
                if isinstance(item, Missed):
                    missed += item.count
                else:
                    delivered += 1

    readers = [asyncio.create_task(reader()) for _ in range(subscribers)]
    await asyncio.sleep(0)  # let every reader subscribe
    events = [PortChanged(i % 4, PortDirection.INPUT, i % 2 == 0) for i in range(burst)]
    publish = bus.publish
    published = 0
    in_publish = 0.0
    clock = time.perf_counter
    started = clock()
    deadline = started + seconds
    while clock() < deadline:
        before = clock()
        for event in events:
            publish(event)
        in_publish += clock() - before
        published += burst
        await asyncio.sleep(0)  # the readers drain their queues
    await asyncio.sleep(0)
    wall = clock() - started
    bus.close()
    await asyncio.gather(*readers)
    return published / in_publish, published / wall, delivered / wall, missed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--burst", type=int, default=64, help="events between two yields")
    parser.add_argument("--quick", action="store_true", help="5 windows of 0.2 s (smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.windows, args.seconds = 5, 0.2
    print(
        f"event bus: medians of {args.windows} windows of {args.seconds:g} s, "
        f"bursts of {args.burst} events"
    )
    print(
        f"{'subscribers':>11} {'publish/s':>12} {'end-to-end/s':>13} "
        f"{'delivered/s':>12} {'missed':>7}"
    )
    for subscribers in (0, 1, 10):
        rows = [await window(subscribers, args.seconds, args.burst) for _ in range(args.windows)]
        pub, e2e, delivered = (statistics.median(r[i] for r in rows) for i in range(3))
        missed = sum(r[3] for r in rows)
        print(f"{subscribers:>11} {pub:>12,.0f} {e2e:>13,.0f} {delivered:>12,.0f} {missed:>7}")


if __name__ == "__main__":
    asyncio.run(main())
