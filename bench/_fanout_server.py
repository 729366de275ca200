"""The server side of ``mjpeg_fanout.py``: an ipcamd in its own process that reports its
encode counter on stdout (one JSON line every 0.25 s), so the benchmark can measure the
server's CPU and memory apart from the clients'."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from ipcamd.access import AccessLevel
from ipcamd.config import Config
from ipcamd.server import Server

PASSWORD = "bench"


async def main(data_dir: Path) -> None:
    config = Config(port=0, data_dir=data_dir, root_password=PASSWORD, log_level="warning")
    server = Server(config)
    device = await server.start()
    await device.params.async_update([("Image.MaxViewers", "0")], AccessLevel.ROOT)
    print(json.dumps({"port": server.port}), flush=True)
    try:
        while True:
            hub = device.video.hub
            stats = {"encodes": hub.encodes, "viewers": hub.viewers, "profiles": hub.profiles}
            print(json.dumps(stats), flush=True)
            await asyncio.sleep(0.25)
    finally:
        await server.stop()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
