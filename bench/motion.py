"""Motion detection benchmark: what one analysed picture costs, per camera.

Part 1, in-process (the functions the server runs, nothing else): for a 640x480 and a
1920x1080 source frame (a noisy textured scene with a moving square), the grey picture the
video pipeline makes for the detector (scale to 320x240 and take the luma: ``render_planes`` +
``GreyEncoder``, what one internal consumer's profile costs) and the detector itself
(``runner.measure``: 2x2 average, background update, levels) with 1 and with 10 include
windows. Per row: milliseconds per analysed picture (wall) for each step, the CPU time of the
thread per picture, and what that is in % of one core at the default 5 pictures a second.
Each figure is the median over several windows of pictures.

Part 2, the server as its own process (``_server.py``), loaded from outside: its CPU %
(of one core) over several windows while its test-pattern camera runs for a 5 fps 160x120
MJPEG viewer (the camera's own cost, the baseline), then with 1 and with 10 motion windows
added. The difference is what motion detection costs a running camera; the machine is shared,
so the baseline is measured again after each row and medians are printed.

    .venv/bin/python bench/motion.py            # about 1 minute
    .venv/bin/python bench/motion.py --quick    # about 25 seconds
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# The benchmarks' server process (run as a script, bench/ is on the path).
from _server import BenchServer
from ipcamd.motion.detector import FEED_SIZE, BackgroundDetector
from ipcamd.motion.runner import measure
from ipcamd.motion.windows import MotionWindow, WindowType
from ipcamd.video.encoder import GreyEncoder
from ipcamd.video.frame import Planes
from ipcamd.video.osd import TextPainter
from ipcamd.video.render import Codec, RenderSpec, render_planes
from mjpeg_fanout import AUTH

SOURCES = ((640, 480), (1920, 1080))
RATE = 5.0  # pictures a second each camera analyses by default


@dataclass(frozen=True)
class Picture:
    """What the video pipeline hands the detector."""

    seq: int
    time: float
    pixels: npt.NDArray[np.uint8]


def source_frames(width: int, height: int, count: int = 10) -> list[Planes]:
    """A textured scene with sensor noise and a square crossing it, ``count`` frames."""
    rng = np.random.default_rng(7)
    scene = rng.integers(40, 200, (height, width)).astype(np.int16)
    side = height // 6
    frames = []
    for index in range(count):
        y = scene + rng.integers(-3, 4, (height, width))
        x0 = (index * width // count) % (width - side)
        y[height // 3 : height // 3 + side, x0 : x0 + side] = 235
        u = np.full((height // 2, width // 2), 128, np.uint8)
        frames.append(Planes(y.clip(0, 255).astype(np.uint8), u, u.copy()))
    return frames


def windows(count: int) -> list[MotionWindow]:
    """One window on the whole picture, or ten in a 5x2 grid (defaults of the template)."""
    if count == 1:
        return [MotionWindow(0, 1, WindowType.INCLUDE, 0, 9999, 0, 9999, 90, 90, 15, 10)]
    grid = []
    for number in range(count):
        col, row = number % 5, number // 5
        left, top = col * 2000, row * 5000
        grid.append(
            MotionWindow(
                number, 1, WindowType.INCLUDE, left, left + 1999, top, top + 4999, 90, 90, 15, 10
            )
        )
    return grid


def measure_window(
    frames: list[Planes], chosen: list[MotionWindow], pictures: int, start: int
) -> tuple[float, float, float]:
    """One window of ``pictures``: ms per picture for the grey picture, the detector, and the
    thread's CPU ms per picture for both."""
    spec = RenderSpec("1", FEED_SIZE[0], FEED_SIZE[1], 0, fps=RATE, codec=Codec.GREY)
    painter, encoder, detector = TextPainter(), GreyEncoder(), BackgroundDetector()
    histories = {w.history for w in chosen}
    grey = detect = 0.0
    cpu_started = time.thread_time()
    for index in range(start, start + pictures):
        when = index / RATE
        began = time.perf_counter()
        encoded = encoder.encode(
            render_planes(frames[index % len(frames)], spec, painter, when), index, when
        )
        pixels = np.frombuffer(encoded.data, np.uint8).reshape(FEED_SIZE[1], FEED_SIZE[0])
        made = time.perf_counter()
        measure(detector, Picture(index, when, pixels), histories, [chosen])
        grey += made - began
        detect += time.perf_counter() - made
    cpu = time.thread_time() - cpu_started
    return grey * 1000 / pictures, detect * 1000 / pictures, cpu * 1000 / pictures


def in_process(rounds: int, pictures: int) -> None:
    print(f"in-process, per analysed picture: medians of {rounds} windows of {pictures} pictures")
    print(
        f"{'source':<11}{'windows':>8}{'grey ms':>9}{'detector ms':>13}{'total ms':>10}"
        f"{'CPU ms':>8}{'core % at 5/s':>15}"
    )
    for width, height in SOURCES:
        frames = source_frames(width, height)
        for count in (1, 10):
            chosen = windows(count)
            measure_window(frames, chosen, 5, 0)  # warm-up
            rows = [measure_window(frames, chosen, pictures, r * pictures) for r in range(rounds)]
            grey, detect, cpu = (statistics.median(row[i] for row in rows) for i in range(3))
            print(
                f"{f'{width}x{height}':<11}{count:>8}{grey:>9.2f}{detect:>13.2f}"
                f"{grey + detect:>10.2f}{cpu:>8.2f}{cpu * RATE / 10:>15.2f}"
            )


async def request(port: int, target: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {target} HTTP/1.0\r\nAuthorization: {AUTH}\r\n\r\n".encode())
    body = await reader.read()
    writer.close()
    return body


async def viewer(port: int) -> None:
    """A 5 fps 160x120 MJPEG viewer: keeps the test-pattern camera running in every row."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    path = "/mjpg/video.mjpg?resolution=160x120&fps=5"
    writer.write(f"GET {path} HTTP/1.0\r\nAuthorization: {AUTH}\r\n\r\n".encode())
    try:
        while await reader.read(65536):
            pass
    finally:
        writer.close()


async def cpu_percent(server: BenchServer, seconds: float) -> float:
    ps = server.ps
    ps.cpu_percent()
    await asyncio.sleep(seconds)
    return float(ps.cpu_percent())


async def add_windows(port: int, count: int) -> None:
    for window in windows(count):
        query = (
            f"action=add&group=Motion&template=motion&Motion.M.Left={window.left}"
            f"&Motion.M.Right={window.right}&Motion.M.Top={window.top}"
            f"&Motion.M.Bottom={window.bottom}"
        )
        body = await request(port, f"/axis-cgi/param.cgi?{query}")
        assert body.endswith(b" OK\r\n"), body[-200:]


async def remove_windows(port: int, count: int) -> None:
    groups = ",".join(f"Motion.M{n}" for n in range(count))
    body = await request(port, f"/axis-cgi/param.cgi?action=remove&group={groups}")
    assert body.endswith(b"OK\r\n"), body[-200:]


async def server_rows(rounds: int, seconds: float) -> None:
    async with BenchServer(settings={"Image.MaxViewers": "0"}) as server:
        task = asyncio.create_task(viewer(server.port))
        try:
            await asyncio.sleep(1.0)  # the camera is running, the first allocations made
            print(
                f"server process (test pattern 1280x960 at 30 fps, a 5 fps viewer): CPU % of "
                f"one core, medians of {rounds} windows of {seconds:g} s"
            )
            print(f"{'windows':>8}{'baseline %':>12}{'with motion %':>15}{'motion %':>10}")
            for count in (1, 10):
                base, loaded = [], []
                for _ in range(rounds):
                    base.append(await cpu_percent(server, seconds))
                    await add_windows(server.port, count)
                    await asyncio.sleep(0.5)  # the detector has started
                    loaded.append(await cpu_percent(server, seconds))
                    await remove_windows(server.port, count)
                    await asyncio.sleep(0.5)
                b, m = statistics.median(base), statistics.median(loaded)
                print(f"{count:>8}{b:>12.1f}{m:>15.1f}{m - b:>10.1f}")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter windows")
    args = parser.parse_args()
    rounds, pictures, seconds = (5, 20, 1.5) if args.quick else (7, 50, 3.0)
    in_process(rounds, pictures)
    asyncio.run(server_rows(3 if args.quick else 5, seconds))


if __name__ == "__main__":
    main()
