"""Start-up: how long ``ipcamd --version`` takes, and a started ``ipcamd serve`` until its first
HTTP answer and its first JPEG.

Each figure is the median (and the worst) of several runs of a fresh process, as a user starts
it: ``serve`` on an ephemeral port, a new data directory per run ("first start": identity, the
tables and root's password hash are created) or the same one again ("later start"). The clock
starts just before the process is spawned; "first HTTP answer" is the first reply to
``GET /param.cgi`` (any status), "first JPEG" the first ``200 image/jpeg`` of ``/jpg/image.jpg``
(the test pattern's first frame, encoded). Goal (issue 15): first JPEG within 1 s.

    .venv/bin/python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _server import BenchServer

PASSWORD = "bench"
AUTH = "Basic " + base64.b64encode(f"root:{PASSWORD}".encode()).decode()


def time_version() -> float:
    """Seconds for ``ipcamd --version`` to run to its end."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ipcamd", "--version"], check=True, capture_output=True, timeout=60
    )
    return time.perf_counter() - start


async def _get(port: int, path: str) -> tuple[int, bytes]:
    """One GET on a new connection: (status, Content-Type line) or raises OSError."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: {AUTH}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        data = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    head = data.partition(b"\r\n\r\n")[0]
    status = int(head.split(b" ", 2)[1]) if head else 0
    content_type = next(
        (line for line in head.split(b"\r\n") if line.lower().startswith(b"content-type:")), b""
    )
    return status, content_type


async def time_serve(data_dir: Path) -> tuple[float, float, float]:
    """Seconds from spawning ``serve`` to its "serving on" line, first answer, first JPEG."""
    async with BenchServer(
        cli=[], password=PASSWORD, data_dir=data_dir, wait_until_answering=False, quiet=True
    ) as server:
        serving = server.serving - server.spawned
        status, _ = await _get(server.port, "/param.cgi?action=list&group=Brand.Brand")
        assert status, "no HTTP answer"
        answered = time.perf_counter() - server.spawned
        while True:
            status, content_type = await _get(server.port, "/jpg/image.jpg")
            if status == 200 and content_type.endswith(b"image/jpeg"):
                break
            await asyncio.sleep(0.005)
        jpeg = time.perf_counter() - server.spawned
    return serving, answered, jpeg


def line(name: str, values: list[float]) -> str:
    """``name``: median and worst, in milliseconds."""
    return f"{name:<32} {statistics.median(values) * 1000:8.0f} ms {max(values) * 1000:8.0f} ms"


async def main() -> None:
    """Run every measurement ``--runs`` times and print medians and maxima."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    versions = [time_version() for _ in range(args.runs)]
    first: list[tuple[float, float, float]] = []
    later: list[tuple[float, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="ipcamd-bench-") as tmp:
        root = Path(tmp)
        for run in range(args.runs):
            first.append(await time_serve(root / f"new{run}"))
        for _ in range(args.runs):
            later.append(await time_serve(root / "new0"))
    print(f"start-up: {args.runs} runs each, median and worst")
    print(f"{'':<32} {'median':>11} {'worst':>11}")
    print(line("ipcamd --version", versions))
    for label, runs in (("first start", first), ("later start", later)):
        print(line(f"{label}: serving line", [r[0] for r in runs]))
        print(line(f"{label}: first HTTP answer", [r[1] for r in runs]))
        print(line(f"{label}: first JPEG", [r[2] for r in runs]))


if __name__ == "__main__":
    asyncio.run(main())
