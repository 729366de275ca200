"""Audio fan-out benchmark: CPU of the server per codec with 1, 10 and 100 listeners.

Starts an ipcamd in a subprocess (``_server.py``, which reports its counters) and, per
row, N concurrent ``receive.cgi`` streams of one codec of camera 1's test tone, over loopback.
Each row measures several windows and prints medians: the server's CPU % of one core (psutil,
the server process only), that divided by the listeners, the bytes per second each listener
got (real time is 8,000 for µ-law, 4,000 for G.726-32, 3,000 for G.726-24), and the blocks the
producer encoded per second (flat as listeners grow: one encode per format, shared). The
machine is shared and noisy (other engineers' builds and tests run on the same 2 cores), so
read the medians as orders of magnitude, and compare rows of one run rather than runs.

    .venv/bin/python bench/audio.py            # about 2 minutes
    .venv/bin/python bench/audio.py --quick    # about 50 seconds
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).parent))
from _server import BenchServer

PASSWORD = "bench"
AUTH = "Basic " + base64.b64encode(f"root:{PASSWORD}".encode()).decode()
CODECS = ("g711", "g726-32", "g726-24")
COUNTS = (1, 10, 100)


async def feed_blocks(server: BenchServer, codec: str) -> int:
    """Blocks the server's ``codec`` feed has published so far."""
    feeds = (await server.stats()).get("feeds", {})
    assert isinstance(feeds, dict)
    return int(feeds.get(codec, 0))


async def listener(port: int, codec: str, counts: list[int], index: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /audio/receive.cgi?codec={codec} HTTP/1.0\r\nAuthorization: {AUTH}\r\n\r\n".encode()
    )
    try:
        await reader.readuntil(b"\r\n\r\n")
        while chunk := await reader.read(65536):
            counts[index] += len(chunk)
    finally:
        writer.close()


async def measure_row(
    server: BenchServer, codec: str, clients: int, windows: int, seconds: float
) -> dict[str, float]:
    counts = [0] * clients
    tasks = [asyncio.create_task(listener(server.port, codec, counts, i)) for i in range(clients)]
    await asyncio.sleep(1.5)  # every listener connected and streaming (G.726 starts late)
    ps = server.ps
    cpus, rates, encodes = [], [], []
    for _ in range(windows):
        ps.cpu_percent()
        start, published, started = list(counts), await feed_blocks(server, codec), time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        cpus.append(ps.cpu_percent())
        got = [(c - s) / elapsed for c, s in zip(counts, start, strict=True)]
        rates.append(statistics.fmean(got))
        encodes.append((await feed_blocks(server, codec) - published) / elapsed)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(1.5)  # the server notices the hang-ups; the producer stops
    cpu = statistics.median(cpus)
    return {
        "cpu": cpu,
        "per_listener": cpu / clients,
        "rate": statistics.median(rates),
        "blocks": statistics.median(encodes),
    }


async def idle_cpu(server: BenchServer, windows: int, seconds: float) -> float:
    ps = server.ps
    samples = []
    for _ in range(windows):
        ps.cpu_percent()
        await asyncio.sleep(seconds)
        samples.append(ps.cpu_percent())
    return statistics.median(samples)


async def main(quick: bool) -> None:
    windows, seconds = (3, 1.5) if quick else (5, 3.0)
    async with BenchServer(settings={"Audio.MaxListeners": "0"}) as server:
        print(
            f"cores: {psutil.cpu_count()}, {windows} windows of {seconds:.1f} s per row, "
            "medians; shared, noisy machine"
        )
        await measure_row(server, "g711", 1, 1, 0.5)  # warm-up (logins, first encoders)
        print(f"idle server CPU%: {await idle_cpu(server, windows, seconds):.1f}")
        print(
            f"{'codec':<9}{'listeners':>10}{'server CPU%':>13}{'CPU% each':>11}"
            f"{'bytes/s each':>14}{'blocks/s':>10}"
        )
        for codec in CODECS:
            for clients in COUNTS:
                row = await measure_row(server, codec, clients, windows, seconds)
                print(
                    f"{codec:<9}{clients:>10}{row['cpu']:>13.1f}{row['per_listener']:>11.2f}"
                    f"{row['rate']:>14.0f}{row['blocks']:>10.1f}"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter windows (CI smoke run)")
    asyncio.run(main(parser.parse_args().quick))
