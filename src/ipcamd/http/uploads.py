"""RFC 1867 file uploads (restore.cgi, firmwareupgrade.cgi): streamed to a file, size-capped.

The application's ``client_max_size`` bounds ordinary bodies at 1 MiB; uploads are larger, so the
multipart body is read part by part and its file written, in pieces of at most 1 MiB, to a
private file in ``<data_dir>/uploads/`` (0600 in a 0700 directory), refused as soon as it
outgrows its cap and deleted once the CGI is done with it. A process that dies mid-upload leaves
a ``.part`` file that the next start removes. Any field name is accepted for the file (the
spec's forms say ``backup.tar`` / ``firmware.bin``); exactly one part may carry a file; small
plain fields are read and ignored.

One upload of each kind at a time (:class:`UploadSlots`): a second one is refused (409) before
a byte of its body is read, so parallel uploads cannot pile up in memory or on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import BinaryIO, TypeVar

from aiohttp import BodyPartReader, web

from ipcamd.db import private_directory
from ipcamd.errors import Conflict, InvalidParameter, UploadTooLarge
from ipcamd.http.keys import DEVICE

T = TypeVar("T")

_MAX_FIELD = 4096
_MAX_PARTS = 16
_CHUNK = 64 * 1024
#: Bytes gathered before one write to the file (on a worker thread).
_WRITE_SIZE = 1024 * 1024
UPLOAD_DIR = "uploads"
_SUFFIX = ".part"


class UploadSlots:
    """Which kinds of upload are being received or handled right now (one each at a time)."""

    def __init__(self) -> None:
        self._busy: set[str] = set()

    @contextlib.contextmanager
    def claim(self, kind: str) -> Iterator[None]:
        """Hold the slot of ``kind`` (``firmware upgrade``, ``restore``); :class:`Conflict`
        when another upload of that kind holds it."""
        if kind in self._busy:
            raise Conflict(f"another {kind} is in progress")
        self._busy.add(kind)
        try:
            yield
        finally:
            self._busy.discard(kind)


def upload_dir(data_dir: Path) -> Path:
    """``<data_dir>/uploads``, private to the unit's user."""
    return private_directory(data_dir / UPLOAD_DIR)


def remove_leftovers(data_dir: Path) -> None:
    """Delete the partial uploads a previous process left behind (it died mid-upload)."""
    directory = data_dir / UPLOAD_DIR
    for path in directory.glob("*" + _SUFFIX) if directory.is_dir() else ():
        path.unlink(missing_ok=True)


class _Spool:
    """The upload's file, written in pieces off the event loop."""

    def __init__(self, out: BinaryIO, max_size: int) -> None:
        self._out = out
        self._max_size = max_size
        self._pending = bytearray()
        self.size = 0

    async def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self._max_size:
            raise UploadTooLarge(f"upload larger than {self._max_size} bytes")
        self._pending += chunk
        if len(self._pending) >= _WRITE_SIZE:
            await self.flush()

    async def flush(self) -> None:
        data, self._pending = bytes(self._pending), bytearray()
        await asyncio.to_thread(self._out.write, data)


@contextlib.asynccontextmanager
async def received_upload(request: web.Request, max_size: int) -> AsyncIterator[Path]:
    """The one file of a ``multipart/form-data`` body (at most ``max_size`` bytes), as a file
    in the data directory for as long as the block runs."""
    if not request.content_type.startswith("multipart/"):
        raise InvalidParameter("expected a multipart/form-data upload (RFC 1867)")
    if request.content_length is not None and request.content_length > max_size + _MAX_FIELD * 4:
        raise UploadTooLarge(f"upload larger than {max_size} bytes")
    config = request.app[DEVICE].config
    directory = await asyncio.to_thread(upload_dir, config.data_dir)
    fd, name = await asyncio.to_thread(tempfile.mkstemp, suffix=_SUFFIX, dir=directory)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            spool = _Spool(out, max_size)
            await _receive(request, spool, config.http_idle_timeout)
            await spool.flush()
        yield path
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)


async def _receive(request: web.Request, spool: _Spool, idle: float) -> None:
    try:
        await _read_parts(request, spool, idle)
    except TimeoutError as err:
        raise InvalidParameter("upload stalled (no data for too long)") from err
    except (ValueError, AssertionError, RuntimeError) as err:
        # aiohttp's multipart reader signals a malformed body with these.
        raise InvalidParameter(f"malformed multipart body ({err})") from err


async def _idle(awaitable: Awaitable[T], seconds: float) -> T:
    """``awaitable``, or TimeoutError when the client sends nothing for ``seconds``."""
    return await asyncio.wait_for(awaitable, seconds)


async def _read_parts(request: web.Request, spool: _Spool, idle: float) -> None:
    reader = await request.multipart()
    found = False
    parts = 0
    while True:
        part = await _idle(reader.next(), idle)
        if part is None:
            break
        parts += 1
        if parts > _MAX_PARTS:
            raise InvalidParameter("too many parts in the upload")
        if not isinstance(part, BodyPartReader):
            raise InvalidParameter("nested multipart bodies are not accepted")
        if part.filename is None:
            field = await _idle(part.read_chunk(_MAX_FIELD + 1), idle)
            if len(field) > _MAX_FIELD or not part.at_eof():
                raise InvalidParameter(f"form field {part.name!r} too long")
            continue
        if found:
            raise InvalidParameter("more than one file in the upload")
        found = True
        while chunk := await _idle(part.read_chunk(_CHUNK), idle):
            await spool.add(chunk)
    if not found:
        raise InvalidParameter("no file in the upload")
    if not spool.size:
        raise InvalidParameter("empty file")
