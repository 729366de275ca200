"""Benchmark of param.cgi: list of the whole tree, update of 20 parameters, add+remove of an event.

Starts ``ipcamd serve`` as a separate process on 127.0.0.1 (fresh temporary data directory), then
for each operation runs N concurrent keep-alive clients for a bounded time and prints requests per
second and p50/p99 latency. Usage: ``python bench/params.py [--clients 8] [--seconds 5]``;
``--quick`` (what ``make bench`` runs) is 1 second per operation.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).parent))
from _server import BenchServer

PASSWORD = "benchpw1"
AUTH = {"Authorization": aiohttp.encode_basic_auth("root", PASSWORD)}

#: 20 writable parameters and two values each, alternated by the update benchmark.
UPDATES = [
    ("Image.MaxViewers", "10", "20"),
    ("Image.DateFormat", "YYYY-MM-DD", "DD/MM/YYYY"),
    ("Image.TimeFormat", "24", "12"),
    ("Image.I0.Enabled", "yes", "no"),
    ("Image.I0.Name", "Camera A", "Camera B"),
    ("Image.I0.Resolution", "640x480", "320x240"),
    ("Image.I0.Compression", "30", "40"),
    ("Image.I0.FPS", "0", "15"),
    ("Image.I0.Rotation", "0", "180"),
    ("Image.I0.MirrorEnabled", "no", "yes"),
    ("Image.I0.Text.DateEnabled", "no", "yes"),
    ("Image.I0.Text.ClockEnabled", "no", "yes"),
    ("Image.I0.Text.TextEnabled", "no", "yes"),
    ("Image.I0.Text.String", "hello", "world"),
    ("Image.I0.Text.Position", "top", "bottom"),
    ("Image.I0.Text.TextColor", "white", "black"),
    ("Image.I0.Text.BGColor", "black", "transparent"),
    ("Network.HostName", "bench-a", "bench-b"),
    ("Network.DNSServer1", "10.0.0.1", "10.0.0.2"),
    ("Time.NTP.Server", "pool.ntp.org", "time.example.com"),
]


def server() -> BenchServer:
    """``ipcamd serve`` in its own process, on a fresh data directory."""
    return BenchServer(cli=[], password=PASSWORD)


Operation = Callable[[aiohttp.ClientSession, str, int, int], Awaitable[list[float]]]


async def op_list(session: aiohttp.ClientSession, url: str, _client: int, _i: int) -> list[float]:
    started = time.perf_counter()
    async with session.get(f"{url}/axis-cgi/param.cgi?action=list") as response:
        body = await response.read()
    assert response.status == 200, response.status
    assert body.startswith(b"root.Brand.Brand="), body[:80]
    return [time.perf_counter() - started]


async def op_update(session: aiohttp.ClientSession, url: str, _client: int, i: int) -> list[float]:
    query = "&".join(f"{name}={(a, b)[i % 2]}" for name, a, b in UPDATES)
    started = time.perf_counter()
    async with session.get(f"{url}/axis-cgi/param.cgi?action=update&{query}") as response:
        body = await response.read()
    assert body == b"OK\r\n", body
    return [time.perf_counter() - started]


async def op_add_remove(
    session: aiohttp.ClientSession, url: str, client: int, _i: int
) -> list[float]:
    started = time.perf_counter()
    async with session.get(
        f"{url}/axis-cgi/param.cgi?action=add&group=Event&template=event"
        f"&Event.E.Name=bench{client}&force=yes"
    ) as response:
        body = await response.read()
    entry = body.split(b" ")[0].decode()
    assert body.endswith(b" OK\r\n"), body
    middle = time.perf_counter()
    async with session.get(
        f"{url}/axis-cgi/param.cgi?action=remove&group=Event.{entry}"
    ) as response:
        body = await response.read()
    assert body == b"OK\r\n", body
    return [middle - started, time.perf_counter() - middle]


async def run(
    url: str, operation: Operation, clients: int, seconds: float
) -> tuple[int, list[float], list[float]]:
    """Returns (requests, latencies of the first request kind, of the second kind)."""
    deadline = time.perf_counter() + seconds
    first: list[float] = []
    second: list[float] = []

    async def client(number: int) -> None:
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(headers=AUTH, connector=connector) as session:
            await operation(session, url, number, 0)  # warm up: connection, password check
            i = 1
            while time.perf_counter() < deadline:
                times = await operation(session, url, number, i)
                first.append(times[0])
                if len(times) > 1:
                    second.append(times[1])
                i += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    return round((len(first) + len(second)) / elapsed), first, second


def quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def row(name: str, rate: float, values: list[float]) -> str:
    return (
        f"{name:<26} {len(values):>8} {rate:>10.0f} "
        f"{quantile(values, 0.50) * 1000:>9.2f} {quantile(values, 0.99) * 1000:>9.2f}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true", help="1 s per operation (smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 1.0
    async with server() as ipcamd:
        url = ipcamd.url
        print(f"ipcamd at {url}, {args.clients} clients, {args.seconds:g} s per operation")
        print(f"{'operation':<26} {'requests':>8} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9}")
        async with (
            aiohttp.ClientSession(headers=AUTH) as session,
            session.get(f"{url}/axis-cgi/param.cgi?action=list") as response,
        ):
            size = len(await response.read())
        for name, operation in (
            (f"list whole tree ({size // 1024} KiB)", op_list),
            ("update 20 parameters", op_update),
            ("add + remove event", op_add_remove),
        ):
            rate, first, second = await run(url, operation, args.clients, args.seconds)
            if second:
                print(f"{name}:")
                both = len(first) + len(second)
                print(row("  add event", rate * len(first) / both, first))
                print(row("  remove event", rate * len(second) / both, second))
            else:
                print(row(name, rate, first))


if __name__ == "__main__":
    asyncio.run(main())
