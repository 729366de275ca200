"""Helpers for the video tests: read JPEGs and multipart streams the way clients do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import simplejpeg

from tests.support import ROOT_PASSWORD, Camera


class RecordingTransport(asyncio.WriteTransport):
    """A viewer's transport that keeps what the profile writes to it (an in-process MJPEG
    viewer); ``pending`` bytes pretend the kernel has not taken the last part yet."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[bytes] = []
        self.pending = 0
        self.aborted = self.closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.chunks.append(bytes(data))

    def get_write_buffer_size(self) -> int:
        return self.pending

    def is_closing(self) -> bool:
        return self.closing or self.aborted

    def abort(self) -> None:
        self.aborted = True

    def close(self) -> None:
        self.closing = True


def jpeg_size(data: bytes) -> tuple[int, int]:
    """``(width, height)`` from a JPEG's header (which also proves it is a JPEG)."""
    assert simplejpeg.is_jpeg(data)
    height, width, _colorspace, _subsampling = simplejpeg.decode_jpeg_header(data)
    return int(width), int(height)


@asynccontextmanager
async def open_stream(
    camera: Camera, path: str, *, user: str = "root", password: str = ROOT_PASSWORD
) -> AsyncIterator[aiohttp.ClientResponse]:
    """A streaming GET on its own connection (closing it is how a viewer goes away)."""
    headers = {"Authorization": aiohttp.encode_basic_auth(user, password)}
    async with (
        aiohttp.ClientSession(auto_decompress=False) as session,
        session.get(camera.url + path, headers=headers) as response,
    ):
        yield response


async def read_parts(response: aiohttp.ClientResponse, count: int) -> list[tuple[str, bytes]]:
    """``count`` parts through aiohttp's multipart parser: (Content-Type, body) each; every
    part's Content-Length must equal its body's length."""
    reader = aiohttp.MultipartReader.from_response(response)
    parts = []
    for _ in range(count):
        part = await asyncio.wait_for(reader.next(), 10)
        assert isinstance(part, aiohttp.BodyPartReader)
        body = await part.read()
        assert int(part.headers["Content-Length"]) == len(body)
        parts.append((part.headers["Content-Type"], bytes(body)))
    return parts


async def wait_until(predicate: object, timeout: float = 10.0) -> None:
    """Poll ``predicate()`` until true (bounded)."""
    assert callable(predicate)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)
