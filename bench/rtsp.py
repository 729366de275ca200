"""RTSP benchmark: H.264 encode cost per profile, CPU with 1/10/50 TCP-interleaved clients of
one profile, and the time from PLAY to the first decodable frame.

1. **Encode cost** (in this process): libx264 as the H.264 profiles run it (ultrafast,
   zerolatency, baseline) on the moving test pattern scaled to each size; milliseconds per
   frame and the share of one core that 30 frames a second take. 1280x720 and 1920x1080 are
   encoder-only figures while the resolution table of this branch serves at most 1280x1024.
2. **Fan-out** (the server in its own process, ``_server.py``): N clients play
   ``/axis-media/media.amp?resolution=640x480&fps=30`` (H.264) over RTP/AVP/TCP; per row the
   medians over several windows of the server's CPU (% of one core, test pattern, rendering,
   encode and packetisation included), the frames each client received per second (its
   slowest client) and the encodes per second (flat in N: one encode per frame per profile).
3. **PLAY to the first decodable frame**: from sending PLAY to the end of the first access unit
   that holds SPS, PPS and an IDR slice; a *cold* start (the camera and encoder were idle
   before the session: its SETUP starts them, so the figure from DESCRIBE is printed too) and
   a *warm* one (joining a running profile mid-GOP: the keyframe asked for at PLAY).

    .venv/bin/python bench/rtsp.py            # about 1.5 minutes
    .venv/bin/python bench/rtsp.py --quick    # about 40 seconds

The machine is shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _server import BenchServer
from ipcamd.video.h264 import H264Encoder
from ipcamd.video.imaging import resize
from ipcamd.video.osd import TextPainter
from ipcamd.video.render import Codec, RenderSpec
from ipcamd.video.sources.testpattern import TestPattern

PASSWORD = "bench"
AUTH = "Basic " + base64.b64encode(f"root:{PASSWORD}".encode()).decode()
SIZES = ((640, 480), (1280, 720), (1920, 1080))
FANOUT_QUERY = "?resolution=640x480&fps=30"


def encode_cost(frames: int) -> list[tuple[str, float, float]]:
    """(size, ms per frame, % of a core at 30 fps) per size, on the test pattern."""
    pattern = TestPattern(1, 42, TextPainter())
    rows = []
    for width, height in SIZES:
        pictures = [resize(pattern.picture(n, time.time()), width, height) for n in range(frames)]
        encoder = H264Encoder(RenderSpec("1", width, height, 30, fps=30, codec=Codec.H264))
        encoder.encode(pictures[0], 0, 0.0)  # the first (IDR) frame and libx264's set-up
        started = time.process_time()
        for number, picture in enumerate(pictures[1:], 1):
            encoder.encode(picture, number, number / 30)
        per_frame = (time.process_time() - started) / (frames - 1)
        encoder.close()
        rows.append((f"{width}x{height}", per_frame * 1000, per_frame * 30 * 100))
    return rows


class Client:
    """A minimal RTSP client over TCP: counts access units (marker bits) as they come."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"rtsp://127.0.0.1:{port}/axis-media/media.amp{FANOUT_QUERY}"
        self.frames = 0
        self.cseq = 0
        self.first_keyframe = asyncio.get_running_loop().create_future()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._replies: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def request(self, method: str, url: str, **headers: str) -> dict[str, str]:
        assert self._writer is not None
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}", f"Authorization: {AUTH}"]
        lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        return await asyncio.wait_for(self._replies.get(), 30)

    async def setup(self) -> str:
        """DESCRIBE and SETUP; the session id."""
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        self._task = asyncio.get_running_loop().create_task(self._read())
        sdp = await self.request("DESCRIBE", self.url)
        control = [
            line[len("a=control:") :]
            for line in sdp["body"].split("\r\n")
            if line.startswith("a=control:")
        ][1]
        reply = await self.request(
            "SETUP", control, Transport="RTP/AVP/TCP;unicast;interleaved=0-1"
        )
        return reply["session"].split(";")[0]

    async def _read(self) -> None:
        reader = self._reader
        assert reader is not None
        unit_kinds: set[int] = set()
        while True:
            first = await reader.readexactly(1)
            if first == b"$":
                channel, length = struct.unpack("!BH", await reader.readexactly(3))
                packet = await reader.readexactly(length)
                if channel != 0:
                    continue
                if not self.first_keyframe.done():
                    kind = packet[12] & 0x1F
                    unit_kinds.add(packet[13] & 0x1F if kind == 28 else kind)
                if packet[1] & 0x80:
                    self.frames += 1
                    if {5, 7, 8} <= unit_kinds and not self.first_keyframe.done():
                        self.first_keyframe.set_result(time.perf_counter())
                    unit_kinds = set()
                continue
            head = (first + await reader.readuntil(b"\r\n\r\n")).decode()
            headers = {}
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            headers["body"] = (await reader.readexactly(length)).decode() if length else ""
            await self._replies.put(headers)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._writer is not None:
            self._writer.close()


async def start_clients(server: BenchServer, count: int) -> list[Client]:
    clients = [Client(server.rtsp_port) for _ in range(count)]
    sessions = await asyncio.gather(*(c.setup() for c in clients))
    await asyncio.gather(
        *(c.request("PLAY", c.url, Session=s) for c, s in zip(clients, sessions, strict=True))
    )
    return clients


async def fanout_row(
    server: BenchServer, count: int, windows: int, seconds: float
) -> dict[str, float]:
    clients = await start_clients(server, count)
    await asyncio.sleep(1.5)  # every client playing
    ps = server.ps
    cpus, fps_min, encodes = [], [], []
    for _ in range(windows):
        ps.cpu_percent()
        frames = [c.frames for c in clients]
        start_encodes, started = (await server.stats())["encodes"], time.monotonic()
        await asyncio.sleep(seconds)
        elapsed = time.monotonic() - started
        cpus.append(ps.cpu_percent())
        fps_min.append(min((c.frames - f) / elapsed for c, f in zip(clients, frames, strict=True)))
        encodes.append(((await server.stats())["encodes"] - start_encodes) / elapsed)
    for client in clients:
        client.close()
    await asyncio.sleep(1.0)  # the server notices the hang-ups
    return {
        "cpu": statistics.median(cpus),
        "fps_min": statistics.median(fps_min),
        "encodes": statistics.median(encodes),
    }


async def time_to_first_frame(
    server: BenchServer, runs: int
) -> tuple[list[float], list[float], list[float]]:
    """(cold, cold from DESCRIBE, warm) seconds to the first decodable frame."""
    cold, cold_describe, warm = [], [], []
    for _ in range(runs):
        # Idle: no session, no profile.
        while (stats := await server.stats()).get("sessions", 0) or stats.get("profiles", 0):  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        await asyncio.sleep(3.5)  # the camera stops 3 s after its last consumer
        first = Client(server.rtsp_port)
        described = time.perf_counter()
        session = await first.setup()  # SETUP starts the camera and the encoder
        sent = time.perf_counter()
        await first.request("PLAY", first.url, Session=session)
        decodable = await asyncio.wait_for(first.first_keyframe, 10)
        cold.append(decodable - sent)
        cold_describe.append(decodable - described)
        second = Client(server.rtsp_port)
        session = await second.setup()
        await asyncio.sleep(0.5)  # mid-GOP of the running profile
        sent = time.perf_counter()
        await second.request("PLAY", second.url, Session=session)
        warm.append(await asyncio.wait_for(second.first_keyframe, 10) - sent)
        first.close()
        second.close()
    return cold, cold_describe, warm


async def main(quick: bool) -> None:
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\nH.264 encode cost (libx264 ultrafast/zerolatency, test pattern, one thread)")
    print(f"{'size':>10} {'ms/frame':>9} {'% core @30':>11}")
    for size, ms, share in encode_cost(31 if quick else 91):
        print(f"{size:>10} {ms:9.2f} {share:10.1f}%")
    windows, seconds = (3, 2.0) if quick else (5, 3.0)
    async with BenchServer(config={"rtsp_port": -1}) as server:
        await fanout_row(server, 1, 1, 1.0)  # warm-up (first-use allocations)
        print(f"\nFan-out: {FANOUT_QUERY[1:]} H.264 over RTP/AVP/TCP, server process only")
        print(f"medians of {windows} windows of {seconds:g} s")
        print(f"{'clients':>7} {'server CPU':>11} {'fps (min)':>10} {'encodes/s':>10}")
        for count in (1, 10, 50):
            row = await fanout_row(server, count, windows, seconds)
            print(f"{count:>7} {row['cpu']:10.1f}% {row['fps_min']:10.1f} {row['encodes']:10.1f}")
        cold, described, warm = await time_to_first_frame(server, 2 if quick else 4)
        print("\nPLAY to the first decodable frame (SPS + PPS + IDR received)")
        print(f"  cold (camera idle before SETUP): median {statistics.median(cold) * 1000:.0f} ms")
        print(f"  cold, from DESCRIBE: median {statistics.median(described) * 1000:.0f} ms")
        print(f"  warm (join a running profile): median {statistics.median(warm) * 1000:.0f} ms")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter windows")
    asyncio.run(main(parser.parse_args().quick))
