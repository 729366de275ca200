"""Digital PTZ benchmark: what a continuous move costs while a stream is watched.

For each source size (a 640x480 and a 1920x1080 video file made with FFmpeg's ``testsrc2``,
30 fps), an ipcamd runs in its own process (``_server.py``) with a digital PTZ on camera 1
and one MJPEG viewer reads ``/mjpg/video.mjpg`` at the source's rate (640x480 streamed at
640x480, 1920x1080 at 1920x1080). Windows alternate
between still and moving (``continuouspantiltmove`` and ``continuouszoommove`` running, their
directions changing every window, so the view window changes on every step of the move loop).
Each row prints the medians over its windows of the server's CPU % (of one core, psutil) and
the frames a second the viewer received. The machine is shared and noisy: compare moving with
still on the same row, not rows of different runs.

    .venv/bin/python bench/ptz.py            # about 80 seconds
    .venv/bin/python bench/ptz.py --quick    # about 30 seconds
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).parent))
from _server import BenchServer

AUTH = "Basic " + base64.b64encode(b"root:bench").decode()
MARK = b"--myboundary\r\n"
SIZES = (("640x480", "640x480"), ("1920x1080", "1920x1080"))


async def make_source(directory: Path, size: str) -> Path:
    """Ten seconds of ``testsrc2`` at 30 fps, MJPEG in a Matroska file (cheap to decode)."""
    path = directory / f"src-{size}.mkv"
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None, "ffmpeg is needed (apt-get install ffmpeg)"
    process = await asyncio.create_subprocess_exec(
        ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30",
        "-t", "10", "-c:v", "mjpeg", "-q:v", "5", str(path),
    )  # fmt: skip
    assert await process.wait() == 0
    return path


async def request(port: int, target: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {target} HTTP/1.0\r\nAuthorization: {AUTH}\r\n\r\n".encode())
    status = int((await reader.readline()).split()[1])
    await reader.read()
    writer.close()
    return status


class Viewer:
    """One MJPEG stream, counting its pictures."""

    def __init__(self) -> None:
        self.frames = 0
        self.task: asyncio.Task[None] | None = None

    async def run(self, port: int, resolution: str) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        target = f"/mjpg/video.mjpg?resolution={resolution}"
        writer.write(f"GET {target} HTTP/1.0\r\nAuthorization: {AUTH}\r\n\r\n".encode())
        tail = b""
        try:
            while chunk := await reader.read(256 * 1024):
                self.frames += (tail + chunk).count(MARK)
                tail = chunk[-(len(MARK) - 1) :]
        finally:
            writer.close()


async def measure(source: Path, resolution: str, windows: int, seconds: float) -> dict[str, float]:
    server = BenchServer(
        settings={"Image.MaxViewers": "0"},
        config={"sources": {1: f"file:{source}"}, "ptz": {1: "digital:timeout=600"}},
    )
    async with server:
        port, ps = server.port, server.ps
        viewer = Viewer()
        viewer.task = asyncio.create_task(viewer.run(port, resolution))
        assert await request(port, "/com/ptz.cgi?zoom=5000") == 204
        await asyncio.sleep(2.0)  # the source opens, the profile warms up
        rows: dict[str, list[tuple[float, float]]] = {"still": [], "moving": []}
        for index in range(windows * 2):
            moving = index % 2 == 1
            if moving:
                sign = 1 if index % 4 == 1 else -1
                await request(port, f"/com/ptz.cgi?continuouspantiltmove={20 * sign},{10 * sign}")
                await request(port, f"/com/ptz.cgi?continuouszoommove={-10 * sign}")
            ps.cpu_percent()
            frames, started = viewer.frames, time.monotonic()
            await asyncio.sleep(seconds)
            cpu = ps.cpu_percent()
            fps = (viewer.frames - frames) / (time.monotonic() - started)
            rows["moving" if moving else "still"].append((cpu, fps))
            if moving:
                await request(port, "/com/ptz.cgi?continuouspantiltmove=0,0")
                await request(port, "/com/ptz.cgi?continuouszoommove=0")
        viewer.task.cancel()
        return {
            f"{kind}_{what}": statistics.median(v[i] for v in values)
            for kind, values in rows.items()
            for i, what in enumerate(("cpu", "fps"))
        }


async def main(quick: bool) -> None:
    windows, seconds = (3, 3.0) if quick else (5, 5.0)
    columns = ("source", "stream", "CPU still %", "CPU moving %", "fps still", "fps moving")
    widths = (10, 10, 12, 13, 10, 11)
    print(
        f"cores: {psutil.cpu_count()}, per row {windows} still and {windows} moving windows", end=""
    )
    print(f" of {seconds:.0f} s")
    print(" ".join(f"{name:>{width}}" for name, width in zip(columns, widths, strict=True)))
    with tempfile.TemporaryDirectory() as directory:
        for size, resolution in SIZES:
            source = await make_source(Path(directory), size)
            row = await measure(source, resolution, windows, seconds)
            print(
                f"{size:>10} {resolution:>10} {row['still_cpu']:>12.0f} {row['moving_cpu']:>13.0f}"
                f" {row['still_fps']:>10.1f} {row['moving_fps']:>11.1f}",
                flush=True,
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter windows")
    asyncio.run(main(parser.parse_args().quick))
