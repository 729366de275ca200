"""Issue 9, point 8: uploads (firmware, restore) are streamed to a private file in the data
directory, never held in memory, and a second upload of a kind is refused before its body is
read (ten parallel 31 MiB firmware uploads used to take 400 MiB of RSS first)."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ipcamd.http.keys import EXCHANGES
from tests.conftest import CameraFactory
from tests.support import Camera
from tests.system.helpers import wait_until

BOUNDARY = "AsCg5y"
MIB = 1024 * 1024
#: What each upload announces: just under its CGI's cap (32 MiB firmware, 8 MiB backup).
CLAIMED = {"firmwareupgrade.cgi": 31 * MIB, "restore.cgi": 7 * MIB}


class Upload:
    """A raw upload whose body the test sends piece by piece (or never finishes)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.sent = 0

    async def send(self, size: int) -> None:
        self.writer.write(b"\0" * size)
        await self.writer.drain()
        self.sent += size

    async def reply(self) -> bytes:
        return await asyncio.wait_for(self.reader.read(), 10)

    def close(self) -> None:
        self.writer.close()


@pytest.fixture
async def uploads() -> AsyncIterator[list[Upload]]:
    opened: list[Upload] = []
    yield opened
    for upload in opened:
        upload.close()


async def start_upload(camera: Camera, cgi: str, opened: list[Upload]) -> Upload:
    """Send the head and the file part's header of an upload announcing ``CLAIMED`` bytes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    part = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="file.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    writer.write(
        (
            f"POST /axis-cgi/admin/{cgi} HTTP/1.1\r\nHost: camera\r\n"
            "Authorization: Basic cm9vdDpwYXNz\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {len(part) + CLAIMED[cgi] + len(BOUNDARY) + 8}\r\n\r\n"
        ).encode()
        + part
    )
    upload = Upload(reader, writer)
    opened.append(upload)
    return upload


def running(camera: Camera) -> int:
    runner = camera.server._runner
    assert runner is not None
    return runner.app[EXCHANGES].running


def spooled(camera: Camera) -> list[Path]:
    directory = camera.server.config.data_dir / "uploads"
    return sorted(directory.glob("*")) if directory.exists() else []


@pytest.mark.parametrize("cgi", ["firmwareupgrade.cgi", "restore.cgi"])
async def test_a_second_upload_is_refused_before_its_body_is_read(
    camera_factory: CameraFactory, uploads: list[Upload], cgi: str
) -> None:
    camera: Camera = await camera_factory(http_idle_timeout=120)
    first = await start_upload(camera, cgi, uploads)
    await first.send(MIB)
    await wait_until(lambda: running(camera) == 1)
    second = await start_upload(camera, cgi, uploads)
    await second.send(64 * 1024)  # of megabytes announced: the rest is never sent
    reply = await second.reply()
    assert reply.startswith(b"HTTP/1.1 409 ")
    kind = "firmware upgrade" if cgi == "firmwareupgrade.cgi" else "restore"
    assert reply.endswith(f"\r\n\r\nRequest failed: another {kind} is in progress\r\n".encode())
    first.close()
    await wait_until(lambda: running(camera) == 0 and not spooled(camera))


async def test_an_upload_is_streamed_to_a_private_file_in_the_data_dir(
    camera_factory: CameraFactory, uploads: list[Upload]
) -> None:
    camera: Camera = await camera_factory(http_idle_timeout=120)
    upload = await start_upload(camera, "firmwareupgrade.cgi", uploads)
    for _ in range(6):
        await upload.send(MIB)
    # What was sent is on disk (all but what the reader still buffers), not in memory.
    await wait_until(lambda: sum(p.stat().st_size for p in spooled(camera)) >= 4 * MIB)
    [spool] = spooled(camera)
    assert stat.S_IMODE(spool.stat().st_mode) == 0o600
    assert stat.S_IMODE(spool.parent.stat().st_mode) == 0o700
    upload.close()  # the client gives up: the file goes
    await wait_until(lambda: not spooled(camera))
