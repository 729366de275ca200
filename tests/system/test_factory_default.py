"""factorydefault.cgi (5.1.3) and hardfactorydefault.cgi (5.1.4)."""

from __future__ import annotations

import pytest

from tests.conftest import CameraFactory
from tests.support import Camera
from tests.system.helpers import restart_and_wait, wait_until

NETWORK = (
    "Network.BootProto=dhcp&Network.IPAddress=10.1.2.3&Network.SubnetMask=255.255.0.0"
    "&Network.Broadcast=10.1.255.255&Network.DefaultRouter=10.1.0.1"
)
KEPT = (
    b"Network.BootProto=dhcp\nNetwork.IPAddress=10.1.2.3\nNetwork.SubnetMask=255.255.0.0\n"
    b"Network.Broadcast=10.1.255.255\nNetwork.DefaultRouter=10.1.0.1\n"
)
DEFAULT_NETWORK = (
    b"Network.BootProto=none\nNetwork.IPAddress=192.168.0.90\nNetwork.SubnetMask=255.255.255.0\n"
    b"Network.Broadcast=192.168.0.255\nNetwork.DefaultRouter=192.168.0.1\n"
)
NETWORK_GROUPS = (
    "Network.BootProto,Network.IPAddress,Network.SubnetMask,Network.Broadcast,Network.DefaultRouter"
)


async def _customise(camera: Camera) -> bytes:
    """Change network identity, other parameters and dynamic groups; return the full list."""
    fresh = (await camera.get("/axis-cgi/param.cgi?action=list")).body
    update = f"/axis-cgi/param.cgi?action=update&{NETWORK}&Image.I0.Name=Gate&Network.HostName=x1"
    assert (await camera.get(update)).text == "OK\r\n"
    added = await camera.get("/axis-cgi/param.cgi?action=add&template=event&group=Event")
    assert added.text == "E0 OK\r\n"
    removed = await camera.get("/axis-cgi/param.cgi?action=remove&group=StreamProfile.S1")
    assert removed.text == "OK\r\n"
    await camera.add_user("joe", "secret1", "axadmin:axoper:axview")
    return fresh


async def test_factory_default_keeps_network_identity_and_users(camera: Camera) -> None:
    fresh = await _customise(camera)
    assert await restart_and_wait(camera, "/axis-cgi/factorydefault.cgi") == b"OK\r\n"
    kept = await camera.get(f"/axis-cgi/param.cgi?action=list&group={NETWORK_GROUPS}")
    assert kept.body == KEPT
    # Everything else is exactly the listing of a new unit, dynamic groups included.
    after = (await camera.get("/axis-cgi/param.cgi?action=list")).body
    rooted_kept = b"".join(b"root." + line for line in KEPT.splitlines(keepends=True))
    rooted_default = b"".join(b"root." + line for line in DEFAULT_NETWORK.splitlines(keepends=True))
    assert rooted_kept in after
    assert after.replace(rooted_kept, b"") == fresh.replace(rooted_default, b"")
    assert b"Event.E0" not in after
    assert b"StreamProfile.S1.Name=Balanced" in after
    # Accounts survive a soft default.
    reply = await camera.get(
        "/axis-cgi/param.cgi?action=list&group=Brand.Brand", user="joe", password="secret1"
    )
    assert (reply.status, reply.body) == (200, b"Brand.Brand=ipcamd\n")


async def test_hard_factory_default_resets_everything(camera: Camera) -> None:
    fresh = await _customise(camera)
    assert await restart_and_wait(camera, "/axis-cgi/hardfactorydefault.cgi") == b"OK\r\n"
    after = (await camera.get("/axis-cgi/param.cgi?action=list")).body
    assert after == fresh
    users = await camera.get("/axis-cgi/pwdgrp.cgi?action=get")
    assert b"joe" not in users.body
    reply = await camera.get(
        "/axis-cgi/param.cgi?action=list&group=Brand.Brand", user="joe", password="secret1"
    )
    assert reply.status == 401


async def test_hard_factory_default_generates_a_new_root_password(
    camera_factory: CameraFactory,
) -> None:
    camera: Camera = await camera_factory(root_password=None)
    generated = camera.device.new_root_password
    assert generated is not None
    await restart_and_wait_with(camera, "/axis-cgi/hardfactorydefault.cgi", generated)
    new = camera.device.new_root_password
    assert new is not None
    assert new != generated
    reply = await camera.get("/axis-cgi/param.cgi?action=list&group=Brand.Brand", password=new)
    assert (reply.status, reply.body) == (200, b"Brand.Brand=ipcamd\n")
    old = await camera.get("/axis-cgi/param.cgi?action=list&group=Brand.Brand", password=generated)
    assert old.status == 401


async def restart_and_wait_with(camera: Camera, path: str, password: str) -> None:
    reply = await camera.get(path, password=password)
    assert reply.body == b"OK\r\n"
    await wait_until(lambda: camera.server.generation == 1 and not camera.server.restarting)


@pytest.mark.parametrize("path", ["factorydefault.cgi", "hardfactorydefault.cgi"])
async def test_defaults_refuse_unknown_arguments(camera: Camera, path: str) -> None:
    await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.Name=Kept")
    reply = await camera.get(f"/axis-cgi/{path}?really=yes")
    assert (reply.status, reply.body) == (400, b"Request failed: Unknown argument 'really'\r\n")
    listed = await camera.get("/axis-cgi/param.cgi?action=list&group=Image.I0.Name")
    assert listed.body == b"Image.I0.Name=Kept\n"
    assert camera.server.generation == 0
