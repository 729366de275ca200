"""Send one CGI request the ways real clients do: GET, POST as a form, POST as ``text/plain``."""

from __future__ import annotations

from enum import Enum
from typing import Any

from tests.support import Camera, Reply

PREFIXES = ("/", "/axis-cgi/", "/axis-cgi/admin/")


class Transport(Enum):
    """How the arguments travel."""

    GET = "get"
    POST_FORM = "post-form"
    POST_TEXT = "post-text"  # what the axis library sends


async def call(
    camera: Camera,
    cgi: str,
    query: str,
    transport: Transport = Transport.GET,
    prefix: str = "/axis-cgi/",
    **kwargs: Any,
) -> Reply:
    """``cgi`` (e.g. ``param.cgi``) with the already percent-encoded ``query``."""
    if transport is Transport.GET:
        return await camera.get(f"{prefix}{cgi}?{query}", **kwargs)
    content_type = (
        "application/x-www-form-urlencoded" if transport is Transport.POST_FORM else "text/plain"
    )
    headers = {"Content-Type": content_type, **kwargs.pop("headers", {})}
    return await camera.post(f"{prefix}{cgi}", data=query.encode(), headers=headers, **kwargs)


def variants() -> list[tuple[Transport, str]]:
    """Every transport under every prefix."""
    return [(t, p) for t in Transport for p in PREFIXES]


def variant_id(value: object) -> str:
    """Readable test ids."""
    if isinstance(value, Transport):
        return value.value
    return str(value)
