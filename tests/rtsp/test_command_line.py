"""``ipcamd serve --rtsp-port -1`` as a user runs it: the log names the RTSP URL it serves."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from tests.rtsp.client import RtspClient
from tests.test_cli import Process, processes, serve

__all__ = ["processes"]  # the fixture, shared with tests/test_cli.py

RTSP_LINE = re.compile(rb"RTSP serving (rtsp://127\.0\.0\.1:(\d+)/axis-media/media\.amp)")


async def test_rtsp_port_flag(processes: list[Process], tmp_path: Path) -> None:
    proc = await serve(processes, tmp_path / "data", "--root-password", "pw1", "--rtsp-port", "-1")
    stderr = proc.process.stderr
    assert stderr is not None
    while (match := RTSP_LINE.search(await asyncio.wait_for(stderr.readline(), 10))) is None:
        pass
    client = await RtspClient.connect(int(match.group(2)), password="pw1")
    try:
        assert (await client.request("OPTIONS")).status == 200
        assert (await client.request("DESCRIBE")).status == 200
    finally:
        client.close()
    assert (await proc.stop())[0] == 0
