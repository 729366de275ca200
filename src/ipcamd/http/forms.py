"""CGI arguments: the query string plus, for POST, a form body whatever its Content-Type says.

Real clients post ``action=list&group=root.Properties`` as ``text/plain`` (the ``axis`` library),
so the body is parsed as ``application/x-www-form-urlencoded`` unless it is multipart (uploads).
The raw query is parsed here, strictly: invalid UTF-8 is a 400, never a mangled value. The
arguments are read once per request and kept on it, so the routing layer (which looks at the
``action`` of a HEAD, or of a failed request) and the handler see the same pairs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from urllib.parse import parse_qsl

from aiohttp import web

from ipcamd.errors import MalformedRequest
from ipcamd.http.keys import ARGS_KEY, DEVICE
from ipcamd.http.replies import TEXT_PLAIN, http_error

MAX_FIELDS = 512
MAX_FORM_BODY = 64 * 1024


class Args(Sequence[tuple[str, str]]):
    """The ordered ``(name, value)`` pairs of one request."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def __len__(self) -> int:
        return len(self._pairs)

    def __getitem__(self, index: int) -> tuple[str, str]:  # type: ignore[override]
        return self._pairs[index]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._pairs)

    def names(self) -> list[str]:
        """Argument names in order, duplicates kept."""
        return [name for name, _ in self._pairs]

    def getall(self, name: str) -> list[str]:
        """Every value given for ``name``."""
        return [value for key, value in self._pairs if key == name]

    def get(self, name: str) -> str | None:
        """The value of ``name``; :class:`MalformedRequest` if it was given more than once."""
        values = self.getall(name)
        if len(values) > 1:
            raise MalformedRequest(f"Argument '{name}' given more than once")
        return values[0] if values else None

    def without(self, *names: str) -> list[tuple[str, str]]:
        """All pairs except those called one of ``names``."""
        return [(k, v) for k, v in self._pairs if k not in names]

    def unknown(self, allowed: Sequence[str]) -> list[str]:
        """Names not in ``allowed``."""
        return [k for k, _ in self._pairs if k not in allowed]


def parse_query(raw: str) -> list[tuple[str, str]]:
    """Parse a raw (percent-encoded) query string; :class:`MalformedRequest` on bad encoding or
    too many fields."""
    if not raw:
        return []
    try:
        return parse_qsl(raw, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except UnicodeDecodeError as err:
        raise MalformedRequest("Invalid percent-encoding in the request (not UTF-8)") from err
    except ValueError as err:
        raise MalformedRequest(f"Too many arguments (at most {MAX_FIELDS})") from err


def cached_args(request: web.Request) -> Args | None:
    """The arguments :func:`read_args` read for ``request``, or None when nothing read them."""
    return request.get(ARGS_KEY)


async def read_args(request: web.Request) -> Args:
    """The request's arguments: query first, then the form body of a POST (read once)."""
    cached = cached_args(request)
    if cached is not None:
        return cached
    args = await _read_args(request)
    request[ARGS_KEY] = args
    return args


def query_args(request: web.Request) -> Args:
    """The query's arguments alone: for the upload CGIs, whose body is a file, never a form."""
    return Args(parse_query(request.raw_path.partition("?")[2]))


async def _read_args(request: web.Request) -> Args:
    pairs = list(query_args(request))
    if request.method == "POST" and request.can_read_body:
        if request.content_type.startswith("multipart/"):
            return Args(pairs)
        if request.content_length is not None and request.content_length > MAX_FORM_BODY:
            raise _too_large()
        body = await _read_body(request)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise MalformedRequest("Request body is not UTF-8") from err
        pairs += parse_query(text.strip())
    return Args(pairs)


async def _read_body(request: web.Request) -> bytes:
    """The whole body, at most :data:`MAX_FORM_BODY` bytes (413 beyond).

    ``StreamReader.read(n)`` returns what has arrived so far, so a body split over several TCP
    segments (or chunks) is read in a loop until EOF. A client that stops sending for the idle
    timeout gets a 408, so a slow body never holds a handler forever.
    """
    idle = request.app[DEVICE].config.http_idle_timeout
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = await asyncio.wait_for(request.content.read(MAX_FORM_BODY + 1 - size), idle)
        except TimeoutError as err:
            raise http_error(web.HTTPRequestTimeout, "Request body not received in time") from err
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_FORM_BODY:
            raise _too_large()


def _too_large() -> web.HTTPRequestEntityTooLarge:
    error = web.HTTPRequestEntityTooLarge(max_size=MAX_FORM_BODY, actual_size=MAX_FORM_BODY + 1)
    error.body = f"Request body larger than {MAX_FORM_BODY} bytes\n".encode()
    error.headers["Content-Type"] = TEXT_PLAIN
    return error
