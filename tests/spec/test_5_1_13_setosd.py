"""Spec 5.1.13 replayed over a raw socket: ``setosd.cgi`` and its five arguments."""

from __future__ import annotations

import pytest

from tests.spec.raw import FORM, PREFIXES, TEXT_PLAIN, VERSIONS, exchange
from tests.support import Camera


async def text_settings(camera: Camera) -> bytes:
    names = ",".join(
        f"Image.I0.Text.{name}" for name in ("DateEnabled", "ClockEnabled", "TextEnabled", "String")
    )
    reply = await exchange(camera.server.port, f"/param.cgi?action=list&group={names}")
    return reply.body


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_every_argument(camera: Camera, prefix: str, version: str) -> None:
    reply = await exchange(
        camera.server.port,
        f"{prefix}setosd.cgi?Commit=yes&DateEnabled=yes&ClockEnabled=yes&TextEnabled=yes"
        "&String=Front%20door",
        version=version,
    )
    assert reply.status_line == f"HTTP/{version} 200 OK".encode()
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert reply.body == b"OK\r\n"
    assert await text_settings(camera) == (
        b"Image.I0.Text.DateEnabled=yes\nImage.I0.Text.ClockEnabled=yes\n"
        b"Image.I0.Text.TextEnabled=yes\nImage.I0.Text.String=Front door\n"
    )


async def test_by_post_and_switched_off(camera: Camera) -> None:
    """Method GET/POST; ``no`` switches each part off."""
    reply = await exchange(
        camera.server.port,
        "/axis-cgi/setosd.cgi",
        method="POST",
        headers=[("Content-Type", FORM)],
        body=b"Commit=no&DateEnabled=no&ClockEnabled=no&TextEnabled=no&String=",
    )
    assert reply.body == b"OK\r\n"
    assert await text_settings(camera) == (
        b"Image.I0.Text.DateEnabled=no\nImage.I0.Text.ClockEnabled=no\n"
        b"Image.I0.Text.TextEnabled=no\nImage.I0.Text.String=\n"
    )


@pytest.mark.parametrize(
    "query", ["DateEnabled=maybe", "Commit=later&TextEnabled=yes", "Color=red", "String=a%0Ab"]
)
async def test_bad_values_change_nothing(camera: Camera, query: str) -> None:
    before = await text_settings(camera)
    reply = await exchange(camera.server.port, f"/setosd.cgi?{query}")
    assert reply.status == 400
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert await text_settings(camera) == before
