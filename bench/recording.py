"""Recording benchmark: the server's CPU and the disk's MB/s while cameras record, and export
throughput.

Starts ``ipcamd serve`` as its own process (``--cameras 4``, its SD_DISK without a size
limit, in a temporary directory), switches continuous recording on for 1 and then 4 cameras at
640x480@15 and at 1920x1080@15 (or, while the unit does not serve 1920x1080, the largest size
it serves, and says so), and measures windows of a few seconds: the server process's CPU (% of
one core) and the bytes the recordings grew by (MB/s written to disk). Medians of the windows;
the machine is shared and noisy. Then it exports a recording of about 10 s at 640x480 over
loopback several times and prints MB/s (median).

    .venv/bin/python bench/recording.py            # about 2 minutes
    .venv/bin/python bench/recording.py --quick    # about 40 seconds
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).parent))
from _server import BenchServer

PASSWORD = "bench"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"root:{PASSWORD}".encode()).decode()}
SIZES = ("640x480", "1920x1080")
FALLBACK = "1280x1024"


def tree_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except FileNotFoundError:
                continue
    return total


async def get(session: aiohttp.ClientSession, url: str) -> bytes:
    async with session.get(url, headers=AUTH) as response:
        body = await response.read()
        assert response.status == 200, (response.status, body[:200])
        return body


async def record(session: aiohttp.ClientSession, url: str, cameras: int, size: str) -> None:
    options = f"resolution%3D{size}%26fps%3D15"
    query = "&".join(
        f"Recording.Continuous.I{i}.Options={options}&Recording.Continuous.I{i}.Enabled="
        + ("yes" if i < cameras else "no")
        for i in range(4)
    )
    body = await get(session, f"{url}/axis-cgi/param.cgi?action=update&{query}")
    assert body == b"OK\r\n", body


async def stop_all(session: aiohttp.ClientSession, url: str) -> None:
    query = "&".join(f"Recording.Continuous.I{i}.Enabled=no" for i in range(4))
    await get(session, f"{url}/axis-cgi/param.cgi?action=update&{query}")
    await get(session, f"{url}/axis-cgi/remove.cgi?recordingid=all")


async def windows(ps: psutil.Process, sd: Path, count: int, seconds: float) -> tuple[float, float]:
    """Median CPU % and disk MB/s over ``count`` windows of ``seconds``."""
    cpus, rates = [], []
    for _ in range(count):
        ps.cpu_percent()
        before, started = tree_size(sd), time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        cpus.append(ps.cpu_percent())
        rates.append((tree_size(sd) - before) / elapsed / 1e6)
    return statistics.median(cpus), statistics.median(rates)


async def served(session: aiohttp.ClientSession, url: str, size: str) -> bool:
    async with session.get(
        f"{url}/axis-cgi/imagesize.cgi?camera=1&resolution={size}", headers=AUTH
    ) as response:
        return response.status == 200


async def export_rate(
    session: aiohttp.ClientSession, url: str, seconds: float, runs: int
) -> tuple[float, float, list[float]]:
    body = await get(
        session,
        f"{url}/axis-cgi/record/record.cgi?diskid=SD_DISK&options=resolution%3D640x480%26fps%3D15",
    )
    rid = re.search(rb'recordingid="([^"]+)"', body)
    assert rid is not None, body
    recording = rid.group(1).decode()
    await asyncio.sleep(seconds)
    await get(session, f"{url}/axis-cgi/record/stop.cgi?recordingid={recording}")
    target = (
        f"{url}/axis-cgi/record/export/exportrecording.cgi?schemaversion=1"
        f"&recordingid={recording}&diskid=SD_DISK&exportformat=matroska"
    )
    rates, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        size = 0
        async with session.get(target, headers=AUTH) as response:
            assert response.status == 200
            async for chunk in response.content.iter_chunked(256 * 1024):
                size += len(chunk)
        rates.append(size / (time.perf_counter() - started) / 1e6)
    return statistics.median(rates), size / 1e6, rates


async def main(quick: bool) -> None:
    count, seconds = (3, 2.0) if quick else (5, 4.0)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "unit"
        server = BenchServer(cli=["--cameras", "4", "--sd-size", "0"], data_dir=data)
        async with server:
            url, ps, sd = server.url, server.ps, data / "sd"
            async with aiohttp.ClientSession() as session:
                await get(
                    session,
                    f"{url}/axis-cgi/param.cgi?action=update&Recording.DefaultSplitDuration=10",
                )
                print(
                    "recording: server CPU (% of one core) and disk MB/s, "
                    f"median of {count} windows of {seconds:g} s"
                )
                print(f"{'cameras':>8} {'size':>10} {'fps':>4} {'cpu %':>7} {'MB/s':>7}")
                notes = []
                for size in SIZES:
                    shown = size
                    if not await served(session, url, size):
                        notes.append(
                            f"{size} is not served yet: measured {FALLBACK}, the largest served"
                        )
                        shown = FALLBACK
                    for cameras in (1, 4):
                        await record(session, url, cameras, shown)
                        await asyncio.sleep(1.5)  # every recording started and writing
                        cpu, rate = await windows(ps, sd, count, seconds)
                        await stop_all(session, url)
                        print(f"{cameras:>8} {shown:>10} {15:>4} {cpu:>7.1f} {rate:>7.2f}")
                for note in notes:
                    print(f"note: {note}")
                median, megabytes, rates = await export_rate(
                    session, url, 4.0 if quick else 10.0, 3 if quick else 5
                )
                print(
                    f"export: {megabytes:.1f} MB of 640x480@15 Matroska over loopback, "
                    f"median {median:.0f} MB/s (runs: {', '.join(f'{r:.0f}' for r in rates)})"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter windows")
    asyncio.run(main(parser.parse_args().quick))
