"""restart.cgi (5.1.8): answers, restarts on the same port, settings survive."""

from __future__ import annotations

from pathlib import Path

from tests.support import Camera
from tests.system.helpers import Process, http_get, restart_and_wait, wait_until


async def test_restart_answers_then_comes_back_on_same_port(camera: Camera) -> None:
    reply = await camera.get(
        "/axis-cgi/param.cgi?action=update&Image.I0.Name=Porch&Network.HostName=cam7"
    )
    assert reply.text == "OK\r\n"
    port, device = camera.server.port, camera.device
    reply = await camera.get("/axis-cgi/restart.cgi")
    assert (reply.status, reply.body) == (200, b"OK\r\n")
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.headers["Connection"] == "close"
    await wait_until(lambda: camera.server.generation == 1 and not camera.server.restarting)
    assert camera.server.port == port
    assert camera.device is not device  # opened again from disk
    listed = await camera.get(
        "/axis-cgi/param.cgi?action=list&group=Image.I0.Name,Network.HostName"
    )
    assert listed.body == b"Image.I0.Name=Porch\nNetwork.HostName=cam7\n"


async def test_restart_twice_in_a_row(camera: Camera) -> None:
    assert await restart_and_wait(camera, "/axis-cgi/admin/restart.cgi") == b"OK\r\n"
    assert await restart_and_wait(camera, "/restart.cgi") == b"OK\r\n"
    assert camera.server.generation == 2
    reply = await camera.get("/axis-cgi/param.cgi?action=list&group=Brand.Brand")
    assert reply.body == b"Brand.Brand=ipcamd\n"


async def test_restart_refuses_unknown_argument(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/restart.cgi?now=yes")
    assert (reply.status, reply.body) == (400, b"Request failed: Unknown argument 'now'\r\n")
    assert camera.server.generation == 0
    assert not camera.server.restarting


async def test_restart_of_a_real_process_keeps_its_port(tmp_path: Path) -> None:
    process = Process(tmp_path / "unit")
    try:
        url = await process.wait_serving()
        assert not url.endswith(":0")
        body = await http_get(url + "/axis-cgi/param.cgi?action=update&Image.I0.Name=Hall")
        assert body == b"OK\r\n"
        assert await http_get(url + "/axis-cgi/restart.cgi") == b"OK\r\n"
        assert await process.wait_serving(2) == url
        body = await http_get(url + "/axis-cgi/param.cgi?action=list&group=Image.I0.Name")
        assert body == b"Image.I0.Name=Hall\n"
    finally:
        assert process.stop() == 0
