"""MJPEG fan-out benchmark: many viewers of one camera over loopback, bounded in time.

Starts an ipcamd in a subprocess (``_fanout_server.py``) and, per row, N concurrent streams of
one profile (``fps=F`` on the 30 fps test pattern: the profile takes F frames a second, on one
schedule for all its viewers). Prints delivered fps per client, encodes per second (flat as
clients grow: one encode per chosen frame per profile), the server's CPU % (of one core) and
RSS; then a client that stops reading (the server's RSS must stay flat) and snapshot latency
at 50 concurrent clients. A discarded warm-up pass first lets the server make its first-use
allocations (thread pools, buffers), so the RSS growth per client measures clients only.

    .venv/bin/python bench/mjpeg_fanout.py            # about 1 minute
    .venv/bin/python bench/mjpeg_fanout.py --quick    # about 25 seconds
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psutil

PASSWORD = "bench"
AUTH = "Basic " + base64.b64encode(f"root:{PASSWORD}".encode()).decode()
MARK = b"--myboundary\r\n"


@dataclass
class ServerProcess:
    process: asyncio.subprocess.Process
    port: int
    stats: dict[str, int] = field(default_factory=dict)
    follower: asyncio.Task[None] | None = None

    @property
    def ps(self) -> psutil.Process:
        return psutil.Process(self.process.pid)


async def start_server(data_dir: Path) -> ServerProcess:
    script = Path(__file__).with_name("_fanout_server.py")
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), str(data_dir), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    first = json.loads(await asyncio.wait_for(process.stdout.readline(), 30))
    server = ServerProcess(process, int(first["port"]))

    async def follow() -> None:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            server.stats = json.loads(line)

    server.follower = asyncio.get_running_loop().create_task(follow())
    return server


async def stream_client(port: int, path: str, counts: list[int], index: int) -> None:
    """Read a stream as fast as it comes, counting parts (boundary lines)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: {AUTH}\r\n\r\n".encode())
    tail = b""
    try:
        while chunk := await reader.read(256 * 1024):
            counts[index] += chunk.count(MARK) + (tail + chunk[: len(MARK) - 1]).count(MARK)
            tail = chunk[-(len(MARK) - 1) :]
    finally:
        writer.close()


async def measure_row(
    server: ServerProcess, clients: int, resolution: str, fps: int, seconds: float
) -> dict[str, float]:
    path = f"/mjpg/video.mjpg?resolution={resolution}&fps={fps}"
    counts = [0] * clients
    tasks = [
        asyncio.create_task(stream_client(server.port, path, counts, i)) for i in range(clients)
    ]
    await asyncio.sleep(1.0)  # warm up: every client connected and streaming
    ps = server.ps
    ps.cpu_percent()
    start_counts, start_encodes, started = list(counts), server.stats["encodes"], time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - started
    cpu = ps.cpu_percent()
    rss = ps.memory_info().rss
    encodes = (server.stats["encodes"] - start_encodes) / elapsed
    per_client = [(c - s) / elapsed for c, s in zip(counts, start_counts, strict=True)]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(0.5)  # let the server notice the hang-ups
    return {
        "fps_mean": statistics.fmean(per_client),
        "fps_min": min(per_client),
        "encodes": encodes,
        "cpu": cpu,
        "rss": rss / 2**20,
    }


async def stalled_client(server: ServerProcess, seconds: float) -> list[float]:
    """One client that never reads, beside 10 that do: the server's RSS over time (MiB)."""
    path = "/mjpg/video.mjpg?resolution=640x480"
    counts = [0] * 10
    readers = [asyncio.create_task(stream_client(server.port, path, counts, i)) for i in range(10)]
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: {AUTH}\r\n\r\n".encode())
    samples = []
    for _ in range(int(seconds)):
        await asyncio.sleep(1.0)
        samples.append(server.ps.memory_info().rss / 2**20)
    writer.close()
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    del reader
    return samples


async def snapshot_latency(server: ServerProcess, clients: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    url = f"http://127.0.0.1:{server.port}/axis-cgi/jpg/image.cgi?resolution=640x480"
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, headers={"Authorization": AUTH}) as s:

        async def client() -> None:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                async with s.get(url) as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


async def main(quick: bool) -> None:
    seconds = 1.5 if quick else 3.0
    stall = 5.0 if quick else 30.0
    with tempfile.TemporaryDirectory() as tmp:
        server = await start_server(Path(tmp))
        try:
            print(f"cores: {psutil.cpu_count()}, window per row: {seconds:.1f} s")
            for resolution, fps in (("640x480", 30), ("1280x1024", 15)):
                for clients in (1, 100):  # warm-up, not shown (1 first: logins get cached)
                    await measure_row(server, clients, resolution, fps, 1.0)
            print(
                f"{'profile':<16}{'clients':>8}{'fps/client':>12}{'min fps':>9}"
                f"{'encodes/s':>11}{'server CPU%':>13}{'RSS MiB':>9}"
            )
            for resolution, fps in (("640x480", 30), ("1280x1024", 15)):
                rss_at: dict[int, float] = {}
                for clients in (1, 10, 50, 100):
                    row = await measure_row(server, clients, resolution, fps, seconds)
                    rss_at[clients] = row["rss"]
                    print(
                        f"{resolution + '@' + str(fps):<16}{clients:>8}{row['fps_mean']:>12.1f}"
                        f"{row['fps_min']:>9.1f}{row['encodes']:>11.1f}{row['cpu']:>13.0f}"
                        f"{row['rss']:>9.1f}"
                    )
                per_client = (rss_at[100] - rss_at[1]) * 1024 / 99
                print(f"  RSS growth per streaming client (1 -> 100): {per_client:.1f} KiB")
            samples = await stalled_client(server, stall)
            print(
                f"stalled client for {stall:.0f} s (+10 readers): RSS MiB "
                f"first {samples[0]:.1f}, max {max(samples):.1f}, last {samples[-1]:.1f}"
            )
            latencies = sorted(await snapshot_latency(server, 50, seconds * 2))
            p50 = latencies[len(latencies) // 2] * 1000
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
            print(
                f"snapshots, 50 concurrent clients: {len(latencies)} in {seconds * 2:.0f} s, "
                f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
            )
        finally:
            server.process.terminate()
            await server.process.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter windows (CI smoke run)")
    asyncio.run(main(parser.parse_args().quick))
