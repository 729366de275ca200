"""restore.cgi answers after its transaction has committed, with the real outcome (issue 15
point 3), and how a restart treats the other requests meanwhile."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from ipcamd.db import DB_FILE
from tests.spec.raw import read_head, request_bytes
from tests.support import Camera
from tests.system.archives import multipart
from tests.system.helpers import wait_until

GROUPS = "/axis-cgi/param.cgi?action=list&group=Image.I0.Name,Network.HostName"


async def _backup_then_change(camera: Camera) -> bytes:
    """A backup of ``New``/``newhost``; the unit then holds ``Old``/``oldhost``."""
    await camera.get("/param.cgi?action=update&Image.I0.Name=New&Network.HostName=newhost")
    archive = (await camera.get("/axis-cgi/backup.cgi")).body
    await camera.get("/param.cgi?action=update&Image.I0.Name=Old&Network.HostName=oldhost")
    return archive


async def _post(camera: Camera, archive: bytes) -> tuple[int, bytes]:
    body, headers = multipart(archive)
    reply = await camera.post("/axis-cgi/restore.cgi", data=body, headers=headers)
    return reply.status, reply.body


def _stored(data_dir: Path, name: str) -> str | None:
    """A parameter as the database file holds it (read by a connection of our own)."""
    conn = sqlite3.connect(f"file:{data_dir / DB_FILE}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM param_value WHERE name=?", (name,)).fetchone()
    finally:
        conn.close()
    return None if row is None else str(row[0])


async def _back(camera: Camera, before: int) -> None:
    await wait_until(lambda: camera.server.generation > before and not camera.server.restarting)


async def test_the_ok_comes_once_the_restore_is_on_disk(camera: Camera) -> None:
    data_dir = camera.device.config.data_dir
    archive = await _backup_then_change(camera)
    assert await _post(camera, archive) == (200, b"OK\r\n")
    # Read the moment the answer came: the restore has committed already.
    assert await asyncio.to_thread(_stored, data_dir, "Image.I0.Name") == "New"
    await _back(camera, 0)
    assert (await camera.get(GROUPS)).text == "Image.I0.Name=New\nNetwork.HostName=newhost\n"


async def test_an_io_error_while_applying_reaches_the_client_and_changes_nothing(
    camera: Camera, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = await _backup_then_change(camera)
    monkeypatch.setenv("IPCAMD_TEST_FAIL", "restore.apply")
    status, body = await _post(camera, archive)
    assert status == 500
    assert body == (
        b"Request failed: the restore could not be written ([Errno 5] Input/output error "
        b"(test failure at restore.apply)); nothing was changed\r\n"
    )
    await _back(camera, 0)  # the unit comes back, as it was
    assert (await camera.get(GROUPS)).text == "Image.I0.Name=Old\nNetwork.HostName=oldhost\n"


async def test_a_restart_refuses_new_requests_and_ends_streams_before_it_applies(
    camera: Camera,
) -> None:
    """While the restore waits for the database (held here by the test), a request on an open
    connection is refused with 503, a running stream has ended, and the restore's own request
    still gets its answer once the change commits."""
    archive = await _backup_then_change(camera)
    port = camera.server.port
    idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", port)
    stream_reader, stream_writer = await asyncio.open_connection("127.0.0.1", port)
    stream_writer.write(request_bytes("/mjpg/video.mjpg"))
    await read_head(stream_reader)
    held = threading.Event()
    release = threading.Event()

    def hold(_conn: sqlite3.Connection) -> None:
        held.set()
        release.wait(30)

    holding = asyncio.ensure_future(camera.device.db.async_call(hold))
    try:
        await wait_until(held.is_set)
        restore = asyncio.ensure_future(_post(camera, archive))
        await wait_until(lambda: camera.server.device is None)  # the restart has begun
        idle_writer.write(request_bytes("/param.cgi?action=list&group=Brand.Brand"))
        status, _headers = await read_head(idle_reader)
        assert status == b"HTTP/1.0 503 Service Unavailable"
        body = await asyncio.wait_for(idle_reader.read(), 10)
        assert body == b"503 Service Unavailable: the unit is restarting\n"
        assert not restore.done()
    finally:
        release.set()
        await holding
        idle_writer.close()
    assert await restore == (200, b"OK\r\n")
    # The stream ended (its connection closed) instead of holding the restart.
    while await asyncio.wait_for(stream_reader.read(65536), 10):
        pass
    stream_writer.close()
    await _back(camera, 0)
    assert (await camera.get(GROUPS)).text == "Image.I0.Name=New\nNetwork.HostName=newhost\n"
