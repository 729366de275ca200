"""The server side of ``ptz.py``: an ipcamd in its own process with a digital PTZ on camera 1,
fed by a video file, so the benchmark measures the server's CPU apart from its client's.

``--full-size`` lifts the decoder's 1280x1024 cap for this process only, so a 1920x1080 file
reaches the view stage at 1920x1080 (the product scales such sources down on decoding).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from ipcamd.access import AccessLevel
from ipcamd.config import Config
from ipcamd.server import Server
from ipcamd.video.sources import av_source

PASSWORD = "bench"


async def main(data_dir: Path, source: Path, full_size: bool) -> None:
    if full_size:
        av_source.MAX_WIDTH, av_source.MAX_HEIGHT = 1920, 1080
    config = Config(
        port=0,
        data_dir=data_dir,
        root_password=PASSWORD,
        log_level="warning",
        sources={1: f"file:{source}"},
        ptz={1: "digital:timeout=600"},
    )
    server = Server(config)
    device = await server.start()
    await device.params.async_update([("Image.MaxViewers", "0")], AccessLevel.ROOT)
    print(json.dumps({"port": server.port}), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("source", type=Path)
    parser.add_argument("--full-size", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.data_dir, args.source, args.full_size))
