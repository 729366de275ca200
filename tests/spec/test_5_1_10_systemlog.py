"""Spec 5.1.10 replayed over a raw socket: ``systemlog.cgi`` for administrators."""

from __future__ import annotations

import pytest

from tests.spec.raw import PREFIXES, TEXT_PLAIN, VERSIONS, exchange
from tests.support import Camera


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_return(camera: Camera, prefix: str, version: str) -> None:
    """``HTTP/1.0 200 OK``, ``Content-Type: text/plain``, then the log, one event a line."""
    reply = await exchange(camera.server.port, f"{prefix}systemlog.cgi", version=version)
    assert reply.status_line == f"HTTP/{version} 200 OK".encode()
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert reply.header("Content-Length") == str(len(reply.body))
    text = reply.text
    assert text.endswith("\n")
    assert "started" in text
    assert all(line for line in text[:-1].split("\n"))


async def test_administrators_only(camera: Camera) -> None:
    await camera.add_user("op", "op1", "operator:viewer")
    for user, password in (("op", "op1"), (None, "")):
        reply = await exchange(
            camera.server.port, "/axis-cgi/admin/systemlog.cgi", user=user, password=password
        )
        assert reply.status == 401
        assert b"started" not in reply.body
