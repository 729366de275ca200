"""The server side of ``audio.py``: an ipcamd in its own process (no listener limit) that
reports its audio counters on stdout (one JSON line every 0.25 s), so the benchmark measures
the server's CPU apart from the clients'."""

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
    await device.params.async_update([("Audio.MaxListeners", "0")], AccessLevel.ROOT)
    print(json.dumps({"port": server.port}), flush=True)
    try:
        while True:
            producer = device.audio.producers[0]
            feeds = {f.format.codec.info.name: f.published for f in producer._feeds.values()}
            print(json.dumps({"listeners": device.audio.listeners, "feeds": feeds}), flush=True)
            await asyncio.sleep(0.25)
    finally:
        await server.stop()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
