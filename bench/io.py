"""Benchmark of the I/O ports: how soon an input change is seen, and how exact output pulses are.

Over HTTP, against ``ipcamd serve`` started as its own process on 127.0.0.1 (fresh data
directory), with a ``monitor`` stream open on the port:

- ``input -> monitor part``: from sending ``ipcamd/io/input.cgi?port=1&state=…`` (keep-alive) to
  the monitor part that reports the change arriving (so it includes that request's handling);
  ``script request`` is that request's own round trip, for comparison;
- ``pulse error (monitor)``: an output pulse ``3:/<ms>\\`` as a monitor client sees it: the time
  between its ``/`` part and its ``\\`` part, minus ``<ms>``.

In-process (the bus is an in-process object), on a unit built from a temporary data directory:

- ``input -> bus subscriber``: from the call that changes a virtual input to a subscriber task
  holding the ``PortChanged``;
- ``pulse error (sequencer)``: the time between a pulse's two ``PortChanged`` publications minus
  its length (what the sequencer itself achieves; never negative by design).

Each row runs several windows and prints the medians of the windows' p50 and p99, in
milliseconds. The machine is shared: read the figures as what a busy machine gives. Usage:
``python bench/io.py [--windows 5] [--samples 40] [--pulse-ms 50]``; ``--quick`` (what
``make bench`` runs) is 3 windows of 15 samples.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from ipcamd.config import Config
from ipcamd.device import Device
from ipcamd.events import PortChanged
from ipcamd.io.actions import Step
from params import AUTH, server  # bench/params.py: ipcamd serve as its own process

BOUNDARY = b"--ioboundary\r\n"
clock = time.perf_counter


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


async def read_part(stream: aiohttp.StreamReader) -> bytes:
    """The next monitor part's lines (after its boundary)."""
    data = await asyncio.wait_for(stream.readuntil(BOUNDARY), 10)
    return data.partition(b"\r\n\r\n")[2].rstrip(b"\r\n-ioboundary")


async def http_window(url: str, samples: int, pulse_ms: int) -> dict[str, list[float]]:
    """Samples of the HTTP rows, on fresh connections per window."""
    rows: dict[str, list[float]] = {"input": [], "request": [], "pulse": []}
    async with (
        aiohttp.ClientSession(headers=AUTH) as session,
        session.get(f"{url}/io/port.cgi?monitor=1,3") as monitor,
    ):
        stream = monitor.content
        await stream.readuntil(BOUNDARY)
        first = await read_part(stream)  # the current state: IO0:H or IO0:L first
        active = first.startswith(b"IO0:H")
        for _ in range(samples):
            active = not active
            state = "active" if active else "inactive"
            sent = clock()
            async with session.get(f"{url}/ipcamd/io/input.cgi?port=1&state={state}") as r:
                await r.read()
            rows["request"].append(clock() - sent)
            await read_part(stream)
            rows["input"].append(clock() - sent)
        for _ in range(samples):
            async with session.get(f"{url}/io/port.cgi?action=3:/{pulse_ms}%5C") as r:
                await r.read()
            await read_part(stream)
            rose = clock()
            await read_part(stream)
            rows["pulse"].append(clock() - rose - pulse_ms / 1000)
    return rows


async def local_window(device: Device, samples: int, pulse_ms: int) -> dict[str, list[float]]:
    """Samples of the in-process rows on a started unit."""
    io = device.io
    port, output = io.layout.by_number(1), io.layout.by_number(3)
    loop = asyncio.get_running_loop()
    rows: dict[str, list[float]] = {"bus": [], "sequencer": []}
    with device.bus.subscribe(PortChanged, keys=[port.index]) as sub:
        for _ in range(samples):
            changed = clock()
            io.simulate(port, (Step(0, not io.active(port)),))
            await sub.get()
            rows["bus"].append(clock() - changed)
    stamps: list[float] = []

    def stamp(_event: PortChanged) -> bool:
        stamps.append(loop.time())
        return True

    with device.bus.subscribe(PortChanged, keys=[output.index], where=stamp) as sub:
        for _ in range(samples):
            stamps.clear()
            io.act(output, (Step(0, True), Step(pulse_ms, False)))
            await sub.get()
            await sub.get()
            rows["sequencer"].append(stamps[1] - stamps[0] - pulse_ms / 1000)
    return rows


async def run(windows: int, samples: int, pulse_ms: int) -> None:
    results: dict[str, list[tuple[float, float]]] = {}

    def add(rows: dict[str, list[float]]) -> None:
        for name, values in rows.items():
            results.setdefault(name, []).append(percentiles(values))

    async with server() as ipcamd:
        for _ in range(windows):
            add(await http_window(ipcamd.url, samples, pulse_ms))
    with tempfile.TemporaryDirectory() as tmp:
        device = await asyncio.to_thread(
            Device, Config(data_dir=Path(tmp) / "local", root_password="benchpw1")
        )
        try:
            await device.start()
            for _ in range(windows):
                add(await local_window(device, samples, pulse_ms))
            await device.stop()
        finally:
            await asyncio.to_thread(device.close)

    labels = {
        "input": "input -> monitor part (HTTP)",
        "request": "script request round trip (HTTP)",
        "pulse": f"pulse error, {pulse_ms} ms, monitor (HTTP)",
        "bus": "input -> bus subscriber (in-process)",
        "sequencer": f"pulse error, {pulse_ms} ms, sequencer (in-process)",
    }
    print(f"I/O latency and pulse timing: {windows} windows x {samples} samples, medians (ms)")
    print(f"{'measure':<46}{'p50':>9}{'p99':>9}")
    for name, label in labels.items():
        p50 = statistics.median(p for p, _ in results[name])
        p99 = statistics.median(p for _, p in results[name])
        print(f"{label:<46}{p50:>9.2f}{p99:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--pulse-ms", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="3 windows of 15 samples")
    args = parser.parse_args()
    if args.quick:
        args.windows, args.samples = 3, 15
    asyncio.run(run(args.windows, args.samples, args.pulse_ms))


if __name__ == "__main__":
    main()
