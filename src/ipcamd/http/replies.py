"""Replies in the exact shapes the spec shows.

The spec writes ``Content-Type: text/plain`` without parameters; aiohttp's ``text=`` would add
``; charset=utf-8``, so bodies are passed as bytes with the header set verbatim.
"""

from __future__ import annotations

import re

from aiohttp import web

TEXT_PLAIN = "text/plain"
_UNSAFE = re.compile(r"[^\x20-\x7e]")
NO_CACHE = {
    "Cache-Control": "no-cache, no-store, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "0",
}


def text(body: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A ``text/plain`` reply whose body is ``body`` byte for byte (UTF-8)."""
    response = web.Response(body=body.encode("utf-8"), status=status, headers=headers)
    response.headers["Content-Type"] = TEXT_PLAIN
    return response


def bad_request(reason: str) -> web.HTTPBadRequest:
    """A 400 with a one-line text reason (raise it)."""
    return web.HTTPBadRequest(
        body=(reason.rstrip("\n") + "\n").encode("utf-8"), content_type=TEXT_PLAIN
    )


def not_found(reason: str = "Not Found") -> web.HTTPNotFound:
    """A 404 with a one-line text reason (raise it)."""
    return web.HTTPNotFound(
        body=(reason.rstrip("\n") + "\n").encode("utf-8"), content_type=TEXT_PLAIN
    )


def unavailable(reason: str = "Service Unavailable") -> web.HTTPServiceUnavailable:
    """A 503 with a one-line text reason (raise it)."""
    return web.HTTPServiceUnavailable(
        body=(reason.rstrip("\n") + "\n").encode("utf-8"), content_type=TEXT_PLAIN
    )


def shown(value: str, limit: int = 40) -> str:
    """A caller's value quoted back in a one-line reply: printable ASCII only, bounded."""
    cleaned = _UNSAFE.sub("?", value)
    return cleaned if len(cleaned) <= limit else cleaned[:limit] + "..."
