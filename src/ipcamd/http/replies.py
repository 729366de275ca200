"""Replies in the exact shapes the spec shows.

The spec writes ``Content-Type: text/plain`` without parameters; aiohttp's ``text=`` would add
``; charset=utf-8``, so bodies are passed as bytes with the header set verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, TypeVar
from urllib.parse import quote

from aiohttp import web

from ipcamd.params.types import CONTROL_CHARACTERS

HTTPErrorT = TypeVar("HTTPErrorT", bound=web.HTTPException)

TEXT_PLAIN = "text/plain"
_UNSAFE = re.compile(r"[^\x20-\x7e]")
NO_CACHE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "Cache-Control": "no-cache, no-store, must-revalidate",
        "Pragma": "no-cache",
        "Expires": "0",
    }
)


def text(body: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A ``text/plain`` reply whose body is ``body`` byte for byte (UTF-8)."""
    response = web.Response(body=body.encode("utf-8"), status=status, headers=headers)
    response.headers["Content-Type"] = TEXT_PLAIN
    return response


def one_line(message: str) -> str:
    """``message`` with control characters percent-encoded, so echoed input cannot split a line."""
    return CONTROL_CHARACTERS.sub(lambda m: quote(m.group(), safe=""), message)


def http_error(
    error_class: type[HTTPErrorT], reason: str, headers: dict[str, str] | None = None
) -> HTTPErrorT:
    """An HTTP error (raise it) whose body is ``reason`` as one ``text/plain`` line.

    Built without the deprecated ``body=`` argument; the header is set verbatim so no
    ``charset`` is added.
    """
    error = error_class(headers=headers)
    error.body = (reason.rstrip("\n") + "\n").encode("utf-8")
    error.headers["Content-Type"] = TEXT_PLAIN
    return error


def shown(value: str, limit: int = 40) -> str:
    """A caller's value quoted back in a one-line reply: printable ASCII only, bounded."""
    cleaned = _UNSAFE.sub("?", value)
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "..."


class UntilCloseResponse(web.StreamResponse):
    """A response whose body simply runs until the connection closes (HTTP/1.0 style): MJPEG,
    I/O monitor and motion data streams, as real cameras send them.

    aiohttp chunks any HTTP/1.1 body without a Content-Length; like its WebSocketResponse we
    turn its length handling off, so the bytes on the wire are exactly the spec's multipart.
    """

    _length_check = False
