"""RFC 1867 file uploads (restore.cgi, firmwareupgrade.cgi), read as a stream with a size cap.

The application's ``client_max_size`` bounds ordinary bodies at 1 MiB; uploads are larger, so the
multipart body is read part by part and refused as soon as the file outgrows its cap. Any field
name is accepted for the file (the spec's forms say ``backup.tar`` / ``firmware.bin``); exactly
one part may carry a file; small plain fields are read and ignored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from aiohttp import BodyPartReader, web

from ipcamd.errors import InvalidParameter, UploadTooLarge
from ipcamd.http.keys import DEVICE

T = TypeVar("T")

_MAX_FIELD = 4096
_MAX_PARTS = 16
_CHUNK = 64 * 1024


async def read_upload(request: web.Request, max_size: int) -> bytes:
    """The content of the one file in a ``multipart/form-data`` body, at most ``max_size``."""
    if not request.content_type.startswith("multipart/"):
        raise InvalidParameter("expected a multipart/form-data upload (RFC 1867)")
    if request.content_length is not None and request.content_length > max_size + _MAX_FIELD * 4:
        raise UploadTooLarge(f"upload larger than {max_size} bytes")
    try:
        return await _read_parts(request, max_size, request.app[DEVICE].config.http_idle_timeout)
    except TimeoutError as err:
        raise InvalidParameter("upload stalled (no data for too long)") from err
    except (ValueError, AssertionError, RuntimeError) as err:
        # aiohttp's multipart reader signals a malformed body with these.
        raise InvalidParameter(f"malformed multipart body ({err})") from err


async def _idle(awaitable: Awaitable[T], seconds: float) -> T:
    """``awaitable``, or TimeoutError when the client sends nothing for ``seconds``."""
    return await asyncio.wait_for(awaitable, seconds)


async def _read_parts(request: web.Request, max_size: int, idle: float) -> bytes:
    reader = await request.multipart()
    content: bytearray | None = None
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
        if content is not None:
            raise InvalidParameter("more than one file in the upload")
        content = bytearray()
        while chunk := await _idle(part.read_chunk(_CHUNK), idle):
            content += chunk
            if len(content) > max_size:
                raise UploadTooLarge(f"upload larger than {max_size} bytes")
    if content is None:
        raise InvalidParameter("no file in the upload")
    if not content:
        raise InvalidParameter("empty file")
    return bytes(content)
