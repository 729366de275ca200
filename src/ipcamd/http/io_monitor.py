"""The ``monitor`` stream of ``io/port.cgi``, ``input.cgi`` and ``output.cgi`` (spec 5.5.1.1).

``multipart/x-mixed-replace;boundary=ioboundary``; the body is ``--ioboundary\\r\\n`` and then
parts, each ``Content-Type: text/plain\\r\\n\\r\\n``, one ``IO<n>:<char>\\r\\n`` line per monitored
port, and ``\\r\\n--ioboundary\\r\\n`` (the CRLF before a boundary belongs to the boundary, as in
RFC 2046; the spec allows extra blank lines). ``<n>`` is the port's ``IOPort.I<n>`` number, as
the spec's example shows (``monitor=1`` lists ``IO0``); ``<char>`` is ``/`` (became active) or
``\\`` (became inactive) for the port whose change the part reports, ``H`` (active) or ``L``
(inactive) for the others.

The first part is the current state of every monitored port (``H``/``L``, taken from the bus's
retained state together with the subscription, so no change falls between); then one part per
change, each change exactly once. A stream with nothing to report sends an empty part every
:data:`KEEPALIVE_SECONDS`, as real devices do (it also finds clients that went away). No chunked
encoding: the body runs until the connection closes, like an MJPEG stream. A reader too slow
for the bus's queue loses changes: its next part shows the ports' current states, marking as
changed those that differ from what it last showed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence

from aiohttp import web

from ipcamd.errors import StreamClosed
from ipcamd.events import Missed, PortChanged
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import NO_CACHE, UntilCloseResponse
from ipcamd.io.ports import Port

BOUNDARY = "ioboundary"
MULTIPART = f"multipart/x-mixed-replace;boundary={BOUNDARY}"
DELIMITER = f"--{BOUNDARY}\r\n".encode()
#: Seconds between the empty parts of a stream without changes.
KEEPALIVE_SECONDS = 15.0
#: Port events a stream holds unread before it loses the oldest (then it resynchronises).
QUEUE = 64


def port_line(port: Port, active: bool, *, changed: bool) -> str:
    """``IO<n>:<char>`` for one port."""
    marks = ("/", "\\") if changed else ("H", "L")
    return f"IO{port.index}:{marks[0] if active else marks[1]}"


def part(lines: Sequence[str]) -> bytes:
    """One ``<monitor data>``: its header, the lines, and the boundary that ends it."""
    body = "".join(f"{line}\r\n" for line in lines)
    return f"Content-Type: text/plain\r\n\r\n{body}\r\n--{BOUNDARY}\r\n".encode()


def state_part(
    ports: Sequence[Port], states: Mapping[int, bool], shown: Mapping[int, bool] | None = None
) -> bytes:
    """Every port's state; those that differ from ``shown`` marked as changes."""
    return part(
        [
            port_line(
                p,
                states[p.index],
                changed=shown is not None and shown.get(p.index) != states[p.index],
            )
            for p in ports
        ]
    )


async def monitor(request: web.Request, ports: Sequence[Port]) -> web.StreamResponse:
    """Stream the states of ``ports`` until the client goes or the unit stops."""
    device = request.app[DEVICE]
    keys = [p.index for p in ports]
    with device.bus.subscribe(PortChanged, keys=keys, maxsize=QUEUE) as subscription:
        shown = {event.port: event.active for event in subscription.initial}
        for p in ports:  # a port the bus has not heard of yet (never, once the unit started)
            shown.setdefault(p.index, device.io.active(p))
        response = UntilCloseResponse(headers={"Content-Type": MULTIPART, **NO_CACHE})
        response.force_close()
        with contextlib.suppress(ConnectionError, StreamClosed):
            await response.prepare(request)
            if request.method == "HEAD":
                return response  # the head a GET gets, no body
            await response.write(DELIMITER + state_part(ports, shown))
            by_index = {p.index: p for p in ports}
            while True:
                try:
                    item = await asyncio.wait_for(subscription.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(part([]))
                    continue
                if isinstance(item, Missed):
                    states = {p.index: device.io.active(p) for p in ports}
                    await response.write(state_part(ports, states, shown))
                    shown = states
                    continue
                if shown.get(item.port) == item.active:
                    continue  # already shown (a resynchronisation got there first)
                shown[item.port] = item.active
                await response.write(
                    part(
                        [
                            port_line(p, shown[p.index], changed=p.index == item.port)
                            for p in by_index.values()
                        ]
                    )
                )
    return response
