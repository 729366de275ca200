"""Spec 5.1.3-5.1.8 replayed over a raw socket: defaults, backup, restore, upgrade, restart.

The requests are written exactly as the spec's examples show them (5.1.6 and 5.1.7 give whole
requests, HTTP/1.0, RFC 1867 bodies with their boundaries and field names). ``tests/system/``
covers hostile archives, signed bundles and faults; this module covers the wire.
"""

from __future__ import annotations

import io
import tarfile

import pytest

from tests.spec.raw import PREFIXES, TEXT_PLAIN, VERSIONS, RawReply, exchange
from tests.support import Camera
from tests.system.helpers import wait_until


async def value(camera: Camera, name: str) -> str:
    reply = await exchange(camera.server.port, f"/param.cgi?action=list&group={name}")
    assert reply.status == 200
    return reply.text.strip().split("=", 1)[1]


async def set_values(camera: Camera, query: str) -> None:
    reply = await exchange(camera.server.port, f"/param.cgi?action=update&{query}")
    assert reply.body == b"OK\r\n"


async def call_and_wait(camera: Camera, target: str, **kwargs: object) -> RawReply:
    """A CGI that restarts the unit: its reply, once the unit is back on the same port."""
    before, port = camera.server.generation, camera.server.port
    reply = await exchange(port, target, **kwargs)  # type: ignore[arg-type]
    assert reply.status == 200, reply.body
    await wait_until(lambda: camera.server.generation > before and not camera.server.restarting)
    assert camera.server.port == port
    return reply


def assert_ok(reply: RawReply, version: str = "1.0") -> None:
    assert reply.status_line == f"HTTP/{version} 200 OK".encode()
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert reply.body == b"OK\r\n"


@pytest.mark.parametrize(("prefix", "version"), [("/", "1.0"), ("/axis-cgi/admin/", "1.1")])
async def test_factory_default_keeps_the_five_network_parameters(
    camera: Camera, prefix: str, version: str
) -> None:
    """5.1.3: everything but BootProto, IPAddress, SubnetMask, Broadcast, DefaultRouter."""
    await set_values(
        camera,
        "Image.MaxViewers=7&Network.IPAddress=10.1.2.3&Network.SubnetMask=255.0.0.0"
        "&Network.Broadcast=10.255.255.255&Network.DefaultRouter=10.0.0.1"
        "&Network.BootProto=dhcp&Network.HostName=lobby",
    )
    reply = await call_and_wait(camera, f"{prefix}factorydefault.cgi", version=version)
    assert_ok(reply, version)
    assert await value(camera, "Image.MaxViewers") == "20"
    assert await value(camera, "Network.HostName") != "lobby"
    assert await value(camera, "Network.IPAddress") == "10.1.2.3"
    assert await value(camera, "Network.SubnetMask") == "255.0.0.0"
    assert await value(camera, "Network.Broadcast") == "10.255.255.255"
    assert await value(camera, "Network.DefaultRouter") == "10.0.0.1"
    assert await value(camera, "Network.BootProto") == "dhcp"


async def test_hard_factory_default_resets_everything(camera: Camera) -> None:
    """5.1.4: all parameters to their factory values (network included), accounts too."""
    await camera.add_user("joe", "foo1", "viewer")
    await set_values(camera, "Image.MaxViewers=7&Network.IPAddress=10.1.2.3")
    reply = await call_and_wait(camera, "/axis-cgi/admin/hardfactorydefault.cgi")
    assert_ok(reply)
    assert await value(camera, "Image.MaxViewers") == "20"
    assert await value(camera, "Network.IPAddress") == "192.168.0.90"
    joe = await exchange(camera.server.port, "/jpg/image.jpg", user="joe", password="foo1")
    assert joe.status == 401


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_backup_return(camera: Camera, prefix: str, version: str) -> None:
    """5.1.5: ``application/x-tar`` and ``attachment; filename=backup_<MAC address>.tar``."""
    mac = (await value(camera, "Network.MAC")).replace(":", "")
    reply = await exchange(camera.server.port, f"{prefix}backup.cgi", version=version)
    assert reply.status_line == f"HTTP/{version} 200 OK".encode()
    assert reply.headers("Content-Type") == ["application/x-tar"]
    assert reply.headers("Content-Disposition") == [f"attachment; filename=backup_{mac}.tar"]
    assert reply.header("Content-Length") == str(len(reply.body))
    with tarfile.open(fileobj=io.BytesIO(reply.body), mode="r:") as archive:
        assert archive.getnames()


def spec_restore_request(backup: bytes, mac: str) -> bytes:
    """The request of 5.1.6's example, byte for byte (its \\r\\n written back in)."""
    return (
        b"--AaBo3x\r\n"
        b'Content-Disposition: form-data; name="backup.tar"; '
        b'filename="backup_' + mac.encode() + b'.tar"\r\n'
        b"Content-Type: application/x-tar\r\n"
        b"\r\n" + backup + b"\r\n"
        b"--AaBo3x--\r\n"
    )


async def test_restore_example(camera: Camera) -> None:
    """5.1.6: upload a backup made by backup.cgi; the settings come back."""
    port = camera.server.port
    mac = (await value(camera, "Network.MAC")).replace(":", "")
    await set_values(camera, "Image.MaxViewers=7")
    backup = (await exchange(port, "/backup.cgi")).body
    await set_values(camera, "Image.MaxViewers=9")
    reply = await call_and_wait(
        camera,
        "/restore.cgi?",
        method="POST",
        headers=[("Content-Type", "multipart/form-data; boundary=AaBo3x")],
        body=spec_restore_request(backup, mac),
    )
    assert_ok(reply)
    assert await value(camera, "Image.MaxViewers") == "7"


async def test_restore_of_garbage_changes_nothing(camera: Camera) -> None:
    await set_values(camera, "Image.MaxViewers=9")
    reply = await exchange(
        camera.server.port,
        "/axis-cgi/admin/restore.cgi",
        method="POST",
        headers=[("Content-Type", "multipart/form-data; boundary=AaBo3x")],
        body=spec_restore_request(b"this is not a tar archive" * 40, "000000000000"),
    )
    assert reply.status == 400
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert reply.body.startswith(b"Request failed: ")
    assert camera.server.generation == 0
    assert await value(camera, "Image.MaxViewers") == "9"


@pytest.mark.parametrize("query", ["?type=normal", "?type=factorydefault", ""])
async def test_firmware_upgrade_example_with_a_bad_file(camera: Camera, query: str) -> None:
    """5.1.7's request exactly; an unsigned file is refused and nothing changes."""
    version = await value(camera, "Properties.Firmware.Version")
    body = (
        b"--AsCg5y\r\n"
        b'Content-Disposition: form-data; name="firmware.bin"; filename="firmware.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n"
        b"\r\n" + b"\x00not firmware\xff" * 100 + b"\r\n"
        b"--AsCg5y--\r\n"
    )
    reply = await exchange(
        camera.server.port,
        f"/firmwareupgrade.cgi{query}",
        method="POST",
        headers=[("Content-Type", "multipart/form-data; boundary=AsCg5y")],
        body=body,
    )
    assert reply.status == 400
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert reply.body.startswith(b"Request failed: ")
    assert reply.body.endswith(b"\r\n")
    assert camera.server.generation == 0
    assert await value(camera, "Properties.Firmware.Version") == version


async def test_firmware_upgrade_with_a_bad_type(camera: Camera) -> None:
    reply = await exchange(
        camera.server.port,
        "/firmwareupgrade.cgi?type=sideways",
        method="POST",
        headers=[("Content-Type", "multipart/form-data; boundary=AsCg5y")],
        body=b"--AsCg5y--\r\n",
    )
    assert reply.status == 400
    assert reply.body.startswith(b"Request failed: ")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_restart(camera: Camera, prefix: str, version: str) -> None:
    """5.1.8: answered, restarted on the same port, settings kept."""
    await set_values(camera, "Image.MaxViewers=7")
    reply = await call_and_wait(camera, f"{prefix}restart.cgi", version=version)
    assert_ok(reply, version)
    assert reply.header("Connection") in (None, "close")
    assert await value(camera, "Image.MaxViewers") == "7"


@pytest.mark.parametrize(
    "path", ["restart.cgi", "factorydefault.cgi", "hardfactorydefault.cgi", "backup.cgi"]
)
async def test_administrators_only(camera: Camera, path: str) -> None:
    await camera.add_user("op", "op1", "operator:viewer")
    for prefix in PREFIXES:
        reply = await exchange(camera.server.port, prefix + path, user="op", password="op1")
        assert reply.status == 401
        assert reply.headers("WWW-Authenticate")
    assert camera.server.generation == 0
