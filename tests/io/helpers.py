"""Shared by the I/O tests: the unit's I/O state (to show a refused request changed nothing),
events stamped when they are published, and a reader of ``monitor`` streams."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ipcamd.events import Event, EventBus, PortChanged, VirtualInputChanged
from tests.support import Camera

TIMEOUT = 10.0
BOUNDARY = b"--ioboundary\r\n"


async def io_state(camera: Camera) -> object:
    """Everything an I/O request could change: circuits, logical states, running sequences,
    the bus's retained port and virtual input states, and the I/O parameters."""
    device = camera.device
    io = device.io
    ports = [(p.index, io.closed(p), io.active(p), io.running(p)) for p in device.io.layout.ports]
    virtual = [device.virtual_inputs.active(n) for n in range(1, 33)]
    retained = (device.bus.state(PortChanged), device.bus.state(VirtualInputChanged))
    params = (await camera.get("/param.cgi?action=list&group=IOPort")).body
    return ports, virtual, retained, params


@dataclass
class Stamped:
    """Events of one subscription with the loop time each was *published* (the filter runs in
    the publisher), so durations between changes do not depend on when the test reads them."""

    events: list[tuple[Event, float]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self, event: Event) -> bool:
        self.events.append((event, asyncio.get_running_loop().time()))
        self.arrived.set()
        return True

    async def wait_for(self, count: int) -> list[tuple[Event, float]]:
        while len(self.events) < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), TIMEOUT)
        return self.events


@contextmanager
def stamped(bus: EventBus, *types: type[Event]) -> Iterator[Stamped]:
    """Record every published event of ``types`` (state at subscription time not included)."""
    record = Stamped()
    with bus.subscribe(*types, where=record.take):
        record.events.clear()  # the filter also ran over the retained state, for ``initial``
        yield record


async def read_part(reader: asyncio.StreamReader) -> list[bytes]:
    """The lines of the next monitor part (after its boundary was read): the part's header must
    be exactly ``Content-Type: text/plain``; blank lines (which the spec allows) are dropped."""
    raw = await asyncio.wait_for(reader.readuntil(BOUNDARY), TIMEOUT)
    head, sep, body = raw[: -len(BOUNDARY)].partition(b"\r\n\r\n")
    assert sep, raw
    assert head == b"Content-Type: text/plain", raw
    assert body.endswith(b"\r\n") or body == b"", raw
    return [line for line in body.split(b"\r\n") if line]
