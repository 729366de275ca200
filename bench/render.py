"""The base cost of producing a stream: rendering the test pattern and encoding it.

Two parts, each a table:

* **in-process**: one test-pattern frame made and rendered for one JPEG profile (the default
  settings: no rotation, no text bar, compression 30) and encoded, in this process, as a
  profile does it in the thread pool. Prints the CPU time per frame (ms, this thread's CPU
  clock) and what that is at 30 fps in % of one core, for 640x480, 1280x1024, 1920x1080 and
  3840x2160: the median of several windows of frames (the spread is the min-max of the
  windows).
* **server**: a real ``ipcamd serve`` in its own process and ONE MJPEG viewer in this
  process reading ``/mjpg/video.mjpg?resolution=…`` as fast as it comes (the test pattern's
  30 fps). Prints the server process's CPU (psutil, % of one core) and the frames a second
  received, medians of several windows after a warm-up. A size the server refuses prints
  ``refused`` (the code of main before the modern resolutions). The 160x120 row costs
  almost no drawing or encoding: it shows the per-frame path alone.

    .venv/bin/python bench/render.py            # about 70 seconds
    .venv/bin/python bench/render.py --quick    # about 30 seconds
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

from ipcamd.video.encoder import JpegEncoder
from ipcamd.video.osd import TextPainter
from ipcamd.video.render import RenderSpec, render_planes
from ipcamd.video.sources.testpattern import TestPattern

sys.path.insert(0, str(Path(__file__).parent))
from _server import PASSWORD, BenchServer

AUTH = "Basic " + base64.b64encode(f"root:{PASSWORD}".encode()).decode()
MARK = b"--myboundary\r\n"
IN_PROCESS = ((640, 480), (1280, 1024), (1920, 1080), (3840, 2160))
#: 160x120 first: its picture work is nearly nothing, so its row is the per-frame path itself
#: (source thread, hub, HTTP), the floor under every other row.
SERVED = ("160x120", "640x480", "1280x1024", "1920x1080")
FPS = 30


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


def frame_cost(size: tuple[int, int], windows: int, frames: int) -> list[float]:
    """CPU ms per frame (pattern + render + encode) of each window."""
    painter = TextPainter()
    pattern = TestPattern(1, 7, painter)
    spec = RenderSpec("1", size[0], size[1], 30)
    encoder = JpegEncoder(spec.quality)
    number = 0
    costs = []
    for _ in range(windows + 1):  # the first window warms caches up and is not counted
        start = time.thread_time()
        for _ in range(frames):
            when = time.time()
            planes = render_planes(pattern.picture(number, when), spec, painter, when)
            encoder.encode(planes, number, when)
            number += 1
        costs.append((time.thread_time() - start) * 1000 / frames)
    return costs[1:]


def in_process(quick: bool) -> None:
    windows = 5 if quick else 9
    print(f"in-process: test pattern + render + JPEG encode, median of {windows} windows")
    print(f"{'size':>10} {'frames/window':>14} {'ms/frame':>9} {'min-max':>12} {'% core @30':>11}")
    for size in IN_PROCESS:
        frames = max(4, int((30 if quick else 60) * 640 * 480 / (size[0] * size[1])))
        costs = frame_cost(size, windows, frames)
        median = statistics.median(costs)
        print(
            f"{size[0]:>5}x{size[1]:<4} {frames:>14} {median:>9.2f} {spread(costs):>12} "
            f"{median * FPS / 10:>10.1f}%"
        )


class Viewer:
    """One MJPEG stream, counting its parts."""

    def __init__(self) -> None:
        self.frames = 0
        self.status = 0
        self.started = asyncio.Event()

    async def run(self, port: int, resolution: str) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        target = f"/mjpg/video.mjpg?resolution={resolution}"
        writer.write(f"GET {target} HTTP/1.0\r\nAuthorization: {AUTH}\r\n\r\n".encode())
        try:
            self.status = int((await reader.readline()).split()[1])
            self.started.set()
            tail = b""
            while chunk := await reader.read(1024 * 1024):
                self.frames += (tail + chunk).count(MARK)
                tail = chunk[-(len(MARK) - 1) :]
        finally:
            self.started.set()
            writer.close()


async def one_viewer(
    port: int, server: psutil.Process, resolution: str, windows: int, seconds: float
) -> tuple[list[float], list[float]] | None:
    """Server CPU % and fps of each window, or None when the size is refused."""
    viewer = Viewer()
    task = asyncio.create_task(viewer.run(port, resolution))
    try:
        await asyncio.wait_for(viewer.started.wait(), 30)
        if viewer.status != 200:
            return None
        await asyncio.sleep(2.0)  # warm-up: the source starts, the first frames go out
        cpus, rates = [], []
        for _ in range(windows):
            frames, cpu, start = viewer.frames, server.cpu_times(), time.monotonic()
            await asyncio.sleep(seconds)
            elapsed = time.monotonic() - start
            after = server.cpu_times()
            used = (after.user - cpu.user) + (after.system - cpu.system)
            cpus.append(100 * used / elapsed)
            rates.append((viewer.frames - frames) / elapsed)
        return cpus, rates
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(4.0)  # the source lingers 3 s after its last viewer


async def served(quick: bool) -> None:
    windows, seconds = (3, 3.0) if quick else (5, 5.0)
    print(f"server: ipcamd serve in its own process, ONE MJPEG viewer, median of {windows} "
          f"windows of {seconds:.0f} s (cores: {psutil.cpu_count()})")  # fmt: skip
    print(f"{'size':>10} {'server CPU %':>13} {'min-max':>12} {'fps':>6}")
    async with BenchServer(cli=[], quiet=True) as bench_server:
        port, server = bench_server.port, bench_server.ps
        for resolution in SERVED:
            result = await one_viewer(port, server, resolution, windows, seconds)
            if result is None:
                print(f"{resolution:>10} {'refused':>13}")
                continue
            cpus, rates = result
            print(
                f"{resolution:>10} {statistics.median(cpus):>12.1f}% {spread(cpus):>12} "
                f"{statistics.median(rates):>6.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter windows")
    parser.add_argument("--part", choices=("all", "in-process", "server"), default="all")
    args = parser.parse_args()
    if args.part in ("all", "in-process"):
        in_process(args.quick)
    if args.part in ("all", "server"):
        asyncio.run(served(args.quick))


if __name__ == "__main__":
    main()
