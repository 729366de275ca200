"""MJPEG fan-out benchmark: many viewers of one camera over loopback, bounded in time.

Starts an ipcamd in its own process (``Image.MaxViewers=0``: every client is served) and, per
row, N concurrent streams of one profile of the 30 fps test pattern. The load client is raw
asyncio Protocols counting boundary lines (no HTTP parsing per part), so it costs little of
the two cores it shares with the server. Per row it prints the fps each client got (median
and minimum over the clients), the encodes a second (flat as clients grow: one encode per
chosen frame per profile), the server's CPU % of one core (median of several windows), its
RSS and the RSS growth per client (against the server with no client, after a warm-up).
From the 1- and 100-client rows of 640x480@30 it derives the added cost of one viewer.

Then: readers at 1, 5 and 15 fps of a 30 fps stream (each reads one part, then waits), the
age of the frames they receive (against a fast reader's arrival time of the same JPEG), with
the system's default receive buffer and (full run) with a 16 KiB one, which shows what the
server alone still queues; and
50 snapshot clients, each asking for a picture 5 times a second (p50/p99/max latency and how
many encodes they shared, per window; the median p99 of the windows). A size the server
refuses (1920x1080 before it was added) is skipped with a line that says so.

    .venv/bin/python bench/mjpeg_fanout.py            # about 4 minutes
    .venv/bin/python bench/mjpeg_fanout.py --quick    # under a minute, fewer rows
    .venv/bin/python bench/mjpeg_fanout.py --readers  # only the slow readers, 30 s
    .venv/bin/python bench/mjpeg_fanout.py --pattern scrolling  # every row of every frame changes

The server's test pattern is seeded (``--seed``, 33 unless told): a random seed picks the box's
size (80-158 pattern pixels) and speed, and so the tiles a frame encodes again, from 7 to 12 at
640x480 for seeds 0-39, which moved the one-viewer figure from run to run by more than the
difference between two trees. Seed 33 is the median of those 40 seeds (9.7 tiles a frame
against a median of 9.8, a box of 122 pixels); ``--seed random`` measures another.

``--pattern`` sets the test pattern's scene first (``ipcamd/scene.cgi``): ``moving`` (the
default: a box bouncing over still bars, so a JPEG encodes again only the rows that move),
``scrolling`` (the bars scroll too: every frame is encoded whole, the cost of a picture that
changes everywhere, like most decoded video) or ``still``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import random
import resource
import socket
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).parent))
from _server import BenchServer

PASSWORD = "bench"
AUTH = "Basic " + base64.b64encode(f"root:{PASSWORD}".encode()).decode()
MARK = b"--myboundary\r\n"


def request(path: str, keep_alive: bool = False) -> bytes:
    connection = "" if keep_alive else "Connection: close\r\n"
    head = f"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: {AUTH}\r\n{connection}\r\n"
    return head.encode()


class Counter(asyncio.Protocol):
    """A stream client that counts boundary lines (parts) and nothing else."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.parts = 0
        self.tail = b""
        self.lost = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(request(self.path))

    def data_received(self, data: bytes) -> None:
        # Marks inside this chunk, and one split between the previous chunk and this one.
        self.parts += data.count(MARK) + (self.tail + data[:13]).count(MARK)
        self.tail = data[-13:]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)


@dataclass
class Row:
    fps_median: float
    fps_min: float
    encodes: float
    cpu: float
    rss: float
    rss_per_client: float


@dataclass
class Windows:
    """CPU % of one core, parts per client and encodes, window by window."""

    cpu: list[float] = field(default_factory=list)
    fps: list[list[float]] = field(default_factory=list)
    encodes: list[float] = field(default_factory=list)


async def open_counters(port: int, path: str, clients: int) -> list[Counter]:
    loop = asyncio.get_running_loop()
    counters: list[Counter] = []
    for start in range(0, clients, 100):  # in batches, not to overflow the listen backlog
        batch = [Counter(path) for _ in range(start, min(clients, start + 100))]
        await asyncio.gather(
            *(loop.create_connection(lambda c=c: c, "127.0.0.1", port) for c in batch)
        )
        counters += batch
    return counters


async def wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def wait_for_no_viewer(server: BenchServer) -> None:
    """Until the server has let every stream go (at most 30 s)."""
    for _ in range(300):
        if (await server.stats())["viewers"] == 0:
            return
        await asyncio.sleep(0.1)


async def measure_row(
    server: BenchServer, clients: int, size: str, fps: int, windows: int, seconds: float
) -> Row:
    ps = server.ps
    baseline = ps.memory_info().rss
    path = f"/mjpg/video.mjpg?resolution={size}&fps={fps}"
    counters = await open_counters(server.port, path, clients)
    try:
        started = await wait_for(lambda: all(c.parts >= 2 for c in counters), 30)
        if not started:
            print(f"  ({sum(c.parts < 2 for c in counters)} of {clients} clients got no part)")
        await asyncio.sleep(0.5)
        seen = Windows()
        for _ in range(windows):
            before = [c.parts for c in counters]
            encodes = (await server.stats())["encodes"]
            cpu = server.cpu_seconds()
            t0 = time.monotonic()
            await asyncio.sleep(seconds)
            elapsed = time.monotonic() - t0
            used = server.cpu_seconds() - cpu
            seen.cpu.append(100 * used / elapsed)
            parts = [c.parts - b for c, b in zip(counters, before, strict=True)]
            seen.fps.append([p / elapsed for p in parts])
            seen.encodes.append(((await server.stats())["encodes"] - encodes) / elapsed)
        rss = ps.memory_info().rss
    finally:
        for counter in counters:
            if counter.transport is not None:
                counter.transport.close()
    await wait_for_no_viewer(server)
    per_client = [statistics.fmean(f[i] for f in seen.fps) for i in range(clients)]
    return Row(
        fps_median=statistics.median(per_client),
        fps_min=min(per_client),
        encodes=statistics.median(seen.encodes),
        cpu=statistics.median(seen.cpu),
        rss=rss / 2**20,
        rss_per_client=(rss - baseline) / 1024 / clients,
    )


async def accepted(server: BenchServer, size: str) -> bool:
    """True when the server serves ``size`` (a refused size is a 400)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(request(f"/axis-cgi/imagesize.cgi?camera=1&resolution={size}"))
    status = await reader.readline()
    writer.close()
    return b" 200 " in status


# ----------------------------------------------------------------- slow readers


class PartReader:
    """A stream read part by part on a plain socket, as a client that handles one frame at a
    time does: headers in small reads, the JPEG by its Content-Length, nothing read ahead
    (what it has not read stays in its socket, as it would)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    async def _recv(self, count: int) -> None:
        chunk = await asyncio.get_running_loop().sock_recv(self.sock, count)
        if not chunk:
            raise ConnectionError("stream ended")
        self.buffer += chunk

    async def _until(self, mark: bytes) -> bytes:
        while (at := self.buffer.find(mark)) < 0:
            await self._recv(128)
        head, self.buffer = self.buffer[: at + len(mark)], self.buffer[at + len(mark) :]
        return head

    async def part(self) -> bytes:
        await self._until(b"Content-Length: ")
        length = int(await self._until(b"\r\n\r\n"))
        while len(self.buffer) < length:
            await self._recv(length - len(self.buffer))
        jpeg, self.buffer = self.buffer[:length], self.buffer[length:]
        return jpeg


async def open_reader(port: int, path: str, receive_buffer: int = 0) -> PartReader:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    await loop.sock_sendall(sock, request(path))
    return PartReader(sock)


async def slow_readers(
    server: BenchServer, rates: tuple[int, ...], seconds: float, receive_buffer: int = 0
) -> None:
    """Frame age per reader rate: when it got a part, minus when a fast reader got the same
    (``receive_buffer``: the slow readers' SO_RCVBUF; 0 = the system's default)."""
    path = "/mjpg/video.mjpg?resolution=640x480"
    arrived: dict[bytes, float] = {}
    fast = await open_reader(server.port, path)

    async def read_fast() -> None:
        while True:
            arrived[hashlib.blake2b(await fast.part(), digest_size=16).digest()] = time.monotonic()

    ages: dict[int, list[float]] = {rate: [] for rate in rates}

    async def read_slow(rate: int) -> None:
        reader = await open_reader(server.port, path, receive_buffer)
        try:
            while True:
                jpeg = await reader.part()
                now = time.monotonic()
                seen = arrived.get(hashlib.blake2b(jpeg, digest_size=16).digest())
                if seen is not None:
                    ages[rate].append(now - seen)
                await asyncio.sleep(1 / rate)
        finally:
            reader.sock.close()

    tasks = [asyncio.create_task(read_fast())]
    await asyncio.sleep(0.5)
    tasks += [asyncio.create_task(read_slow(rate)) for rate in rates]
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    fast.sock.close()
    for rate in rates:
        got = ages[rate]
        late = got[len(got) // 2 :]  # the second half: once the buffers are full
        if not late:
            print(f"  reader at {rate:>2} fps: no frame matched")
            continue
        print(
            f"  reader at {rate:>2} fps of a 30 fps stream: {len(got)} frames, age in the second "
            f"half median {statistics.median(late) * 1000:.0f} ms, max {max(late) * 1000:.0f} ms"
        )


# ----------------------------------------------------------------- snapshots


class SnapshotClient(asyncio.Protocol):
    """Keep-alive snapshot requests on one connection; the latency of each."""

    def __init__(self, path: str, latencies: list[float]) -> None:
        self.path = path
        self.latencies = latencies
        self.buffer = b""
        self.started = 0.0
        self.done: asyncio.Future[None] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def ask(self) -> asyncio.Future[None]:
        assert self.transport is not None
        self.done = asyncio.get_running_loop().create_future()
        self.started = time.perf_counter()
        self.transport.write(request(self.path, keep_alive=True))
        return self.done

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return
        head = self.buffer[:head_end]
        if not head.startswith(b"HTTP/1.1 200 "):
            raise RuntimeError(head.split(b"\r\n")[0].decode())
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        if len(self.buffer) < head_end + 4 + length:
            return
        self.buffer = self.buffer[head_end + 4 + length :]
        self.latencies.append(time.perf_counter() - self.started)
        if self.done is not None and not self.done.done():
            self.done.set_result(None)


async def snapshots(
    server: BenchServer, clients: int, rate: float, windows: int, seconds: float
) -> None:
    """``clients`` keep-alive connections asking ``rate`` pictures a second each, over
    ``windows`` windows of ``seconds``: latency p50/p99/max per window, then the median p99."""
    loop = asyncio.get_running_loop()
    await wait_for_no_viewer(server)  # the streams before have gone, as before every row
    path = "/axis-cgi/jpg/image.cgi?resolution=640x480"
    latencies: list[float] = []
    protocols = [SnapshotClient(path, latencies) for _ in range(clients)]
    await asyncio.gather(
        *(loop.create_connection(lambda p=p: p, "127.0.0.1", server.port) for p in protocols)
    )
    for protocol in protocols:  # one each first: logins are cached, the camera runs
        await protocol.ask()
    print(f"snapshots, {clients} clients at {rate:g}/s each, {windows} windows of {seconds:g} s:")
    p99s: list[float] = []
    for _ in range(windows):
        latencies.clear()
        encodes = (await server.stats())["encodes"]
        cpu = server.cpu_seconds()
        deadline = time.monotonic() + seconds

        async def poll(protocol: SnapshotClient, deadline: float = deadline) -> None:
            await asyncio.sleep(random.random() / rate)
            while (now := time.monotonic()) < deadline:
                await protocol.ask()
                await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - now)))

        await asyncio.gather(*(poll(p) for p in protocols))
        used = server.cpu_seconds() - cpu
        encoded = (await server.stats())["encodes"] - encodes
        ordered = sorted(latencies)
        p50 = ordered[len(ordered) // 2] * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        p99s.append(p99)
        print(
            f"  {len(ordered)} snapshots, {encoded} encodes, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms, server CPU {100 * used / seconds:.0f} %"
        )
    for protocol in protocols:
        if protocol.transport is not None:
            protocol.transport.close()
    print(f"  p99, median of the windows: {statistics.median(p99s):.1f} ms")


# ----------------------------------------------------------------- main


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 8192)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


Rows = tuple[tuple[str, int, tuple[int, ...]], ...]
ROWS_FULL: Rows = (
    ("640x480", 30, (1, 10, 50, 100)),
    ("1280x1024", 30, (1, 100)),
    ("1920x1080", 30, (1, 100)),
    ("640x480", 10, (1000,)),
)
ROWS_QUICK: Rows = (
    ("640x480", 30, (1, 100)),
    ("1280x1024", 30, (100,)),
    ("1920x1080", 30, (100,)),
    ("640x480", 10, (1000,)),
)


def only(rows: Rows, wanted: list[str]) -> Rows:
    """The rows named ``SIZExH@FPS:CLIENTS`` (``--only 1280x1024@30:100``)."""
    chosen = []
    for name in wanted:
        profile, _, clients = name.partition(":")
        size, _, fps = profile.partition("@")
        chosen.append((size, int(fps), (int(clients),)))
    return tuple(chosen) if chosen else rows


async def readers(server: BenchServer, quick: bool) -> None:
    """The slow readers: with the default receive buffer, then (full run) a 16 KiB one."""
    print("slow readers, default receive buffer (1 fast reader as the clock):")
    await slow_readers(server, (1, 5, 15), 6.0 if quick else 12.0)
    if not quick:
        # What the server alone still queues: readers whose own buffer holds little.
        print("slow readers with SO_RCVBUF 16 KiB (the kernel doubles it):")
        await slow_readers(server, (1, 5, 15), 12.0, receive_buffer=16 * 1024)


async def set_pattern(server: BenchServer, pattern: str) -> None:
    """The test pattern's scene (``moving``, ``scrolling``, ``still``), or exit."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(request(f"/ipcamd/scene.cgi?action=set&pattern={pattern}"))
    status = await reader.readline()
    writer.close()
    if b" 200 " not in status:
        sys.exit(f"the server refuses pattern={pattern}: {status.decode().strip()}")


#: The test pattern's seed unless told (the module's docstring says why this one).
SEED = 33


def seed_of(text: str) -> int | None:
    """``--seed``: a number, or ``random``."""
    return None if text == "random" else int(text)


async def main(
    quick: bool,
    wanted: list[str],
    extras: bool,
    readers_only: bool,
    pattern: str | None,
    seed: int | None,
) -> None:
    raise_fd_limit()
    windows, seconds = (3, 1.0) if quick else (5, 2.0)
    rows = only(ROWS_QUICK if quick else ROWS_FULL, wanted)
    config = {} if seed is None else {"seed": seed}
    settings = {"Image.MaxViewers": "0"}
    async with BenchServer(settings=settings, config=config, password=PASSWORD) as server:
        if pattern is not None:
            await set_pattern(server, pattern)
        if readers_only:
            print(f"server {server.version}")
            await readers(server, quick)
            return
        print(
            f"cores: {psutil.cpu_count()}; {windows} windows of {seconds:.1f} s per row "
            f"(CPU: median of the windows); server {server.version}; "
            f"pattern {pattern or 'as the server starts'}, seed {seed or 'random'}"
        )
        for size, fps in (("640x480", 30), ("640x480", 10)):  # warm-up, not shown
            await measure_row(server, 100, size, fps, 1, 1.0)
        print(
            f"{'profile':<15}{'clients':>8}{'fps med':>9}{'fps min':>9}{'encodes/s':>11}"
            f"{'CPU %':>8}{'RSS MiB':>9}{'KiB/client':>12}"
        )
        cpu_at: dict[int, tuple[float, float]] = {}
        for size, fps, counts in rows:
            if not await accepted(server, size):
                print(f"{size + '@' + str(fps):<15} skipped: the server refuses resolution={size}")
                continue
            for clients in counts:
                row = await measure_row(server, clients, size, fps, windows, seconds)
                if (size, fps) == ("640x480", 30):
                    cpu_at[clients] = (row.cpu, row.fps_median)
                # One client's growth is the first use of buffers, not a client's cost.
                growth = f"{row.rss_per_client:>12.1f}" if clients >= 10 else f"{'-':>12}"
                print(
                    f"{size + '@' + str(fps):<15}{clients:>8}{row.fps_median:>9.1f}"
                    f"{row.fps_min:>9.1f}{row.encodes:>11.1f}{row.cpu:>8.1f}{row.rss:>9.1f}"
                    f"{growth}"
                )
        if 1 in cpu_at and 100 in cpu_at:
            added = (cpu_at[100][0] - cpu_at[1][0]) / 99
            per_part = added / 100 / cpu_at[100][1] * 1e6
            print(
                f"added cost per viewer at 640x480@30 (1 -> 100 clients): {added:.3f} % of a core"
                f", {per_part:.1f} us per part"
            )
        if not extras:
            return
        await readers(server, quick)
        await snapshots(server, 50, 5.0, *((3, 1.0) if quick else (5, 3.0)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short windows, fewer rows")
    parser.add_argument(
        "--only", action="append", default=[], metavar="WxH@FPS:N", help="just these rows"
    )
    parser.add_argument("--no-extras", action="store_true", help="no slow readers, no snapshots")
    parser.add_argument("--readers", action="store_true", help="only the slow readers")
    parser.add_argument(
        "--pattern", choices=("moving", "scrolling", "still"), help="the test pattern's scene"
    )
    parser.add_argument(
        "--seed", type=seed_of, default=SEED, help=f"the test pattern's seed, or random ({SEED})"
    )
    args = parser.parse_args()
    asyncio.run(
        main(args.quick, args.only, not args.no_extras, args.readers, args.pattern, args.seed)
    )
