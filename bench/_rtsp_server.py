"""The server side of ``rtsp.py``: an ipcamd in its own process serving RTSP on a free port,
reporting its counters on stdout (one JSON line every 0.25 s), so the benchmark measures the
server's CPU apart from its clients'."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from ipcamd.config import Config
from ipcamd.server import Server

PASSWORD = "bench"


async def main(data_dir: Path) -> None:
    config = Config(
        port=0, rtsp_port=-1, data_dir=data_dir, root_password=PASSWORD, log_level="warning"
    )
    server = Server(config)
    device = await server.start()
    assert server.rtsp is not None
    print(json.dumps({"port": server.port, "rtsp_port": server.rtsp_port}), flush=True)
    try:
        while True:
            handlers = server.rtsp.handlers
            stats = {
                "encodes": device.video.hub.encodes,
                "profiles": device.video.hub.profiles,
                "sessions": len(handlers.sessions),
                "frames": sum(feed.frames for feed in handlers.feeds.values()),
            }
            print(json.dumps(stats), flush=True)
            await asyncio.sleep(0.25)
    finally:
        await server.stop()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
