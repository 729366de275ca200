"""The server starts, answers under every prefix, and refuses what it should."""

from __future__ import annotations

import pytest

from tests.support import Camera


@pytest.mark.parametrize("prefix", ["/", "/axis-cgi/", "/axis-cgi/admin/"])
async def test_param_cgi_under_every_prefix(camera: Camera, prefix: str) -> None:
    reply = await camera.get(f"{prefix}param.cgi?action=list&group=Brand.Brand")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.body == b"Brand.Brand=ipcamd\n"


async def test_unknown_path_is_404(camera: Camera) -> None:
    reply = await camera.get("/no/such.cgi")
    assert reply.status == 404
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.body == b"404 Not Found\n"


async def test_apidiscovery_is_404_not_405(camera: Camera) -> None:
    reply = await camera.post("/axis-cgi/apidiscovery.cgi", data=b'{"method":"getApiList"}')
    assert reply.status == 404
    assert reply.body == b"404 Not Found\n"
