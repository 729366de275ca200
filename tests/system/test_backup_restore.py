"""backup.cgi (5.1.5) and restore.cgi (5.1.6), including hostile and broken uploads."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from typing import Any

import pytest

from tests.conftest import CameraFactory
from tests.support import Camera
from tests.system.archives import edit_backup, multipart, read_tar, special, write_tar
from tests.system.helpers import wait_until


async def _backup(camera: Camera) -> bytes:
    reply = await camera.get("/axis-cgi/admin/backup.cgi")
    assert reply.status == 200
    return reply.body


async def _state(camera: Camera) -> tuple[bytes, bytes]:
    params = (await camera.get("/axis-cgi/param.cgi?action=list")).body
    users = (await camera.get("/axis-cgi/pwdgrp.cgi?action=get")).body
    return params, users


async def _restore(
    camera: Camera, content: bytes, query: str = "", **kwargs: Any
) -> tuple[int, bytes]:
    body, headers = multipart(content, **kwargs)
    reply = await camera.post(f"/axis-cgi/restore.cgi{query}", data=body, headers=headers)
    return reply.status, reply.body


#: Edited archives are no longer signed by the unit: root restores them as another unit's.
FOREIGN = "?foreign=yes"


async def _restore_and_wait(camera: Camera, content: bytes, query: str = "") -> None:
    before = camera.server.generation
    assert await _restore(camera, content, query) == (200, b"OK\r\n")
    await wait_until(lambda: camera.server.generation > before and not camera.server.restarting)


async def test_backup_headers_and_manifest(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/admin/backup.cgi")
    serial = camera.device.identity.serial_number
    assert reply.headers["Content-Type"] == "application/x-tar"
    assert reply.headers["Content-Disposition"] == f"attachment; filename=backup_{serial}.tar"
    members = read_tar(reply.body)
    assert set(members) == {"manifest.json", "manifest.hmac", "params.json", "users.json"}
    manifest = json.loads(members["manifest.json"])
    assert manifest["product"] == "ipcamd"
    assert manifest["mac"] == camera.device.identity.mac
    assert manifest["firmware"] == camera.device.identity.firmware_version
    for name in ("params.json", "users.json"):
        assert manifest["members"][name] == hashlib.sha256(members[name]).hexdigest()
    params = json.loads(members["params.json"])
    assert params["values"]["Image.I0.Name"] == "Camera 1"
    assert params["groups"]["StreamProfile.S0"] == "streamprofile"
    assert "Network.MAC" not in params["values"]  # read-only values are not configuration
    users = json.loads(members["users.json"])
    assert [u["name"] for u in users] == ["root"]
    assert users[0]["scrypt"].startswith("scrypt$")


async def test_restore_brings_back_the_backed_up_state(camera: Camera) -> None:
    await camera.add_user("joe", "secret1", "axadmin:axoper:axview")
    await camera.get(
        "/axis-cgi/param.cgi?action=update&Image.I0.Name=Gate&Network.IPAddress=10.0.0.9"
    )
    assert (await camera.get("/axis-cgi/param.cgi?action=add&template=event&group=Event")).text == (
        "E0 OK\r\n"
    )
    saved = await _state(camera)
    archive = await _backup(camera)
    # Change everything after the backup.
    await camera.get("/axis-cgi/pwdgrp.cgi?action=remove&user=joe")
    await camera.add_user("ann", "secret2", "axview")
    await camera.get(
        "/axis-cgi/param.cgi?action=update&Image.I0.Name=Other&Network.IPAddress=10.0.0.7"
    )
    await camera.get("/axis-cgi/param.cgi?action=remove&group=Event.E0,StreamProfile.S2")
    assert await _state(camera) != saved
    await _restore_and_wait(camera, archive)
    assert await _state(camera) == saved
    reply = await camera.get(
        "/axis-cgi/param.cgi?action=list&group=Brand.Brand", user="joe", password="secret1"
    )
    assert (reply.status, reply.body) == (200, b"Brand.Brand=ipcamd\n")


async def test_restore_of_another_units_backup_keeps_network_identity_and_accounts(
    camera_factory: CameraFactory,
) -> None:
    source: Camera = await camera_factory()
    target: Camera = await camera_factory()
    await source.get(
        "/axis-cgi/param.cgi?action=update&Image.I0.Name=Cloned&Network.IPAddress=10.9.9.9"
        "&Network.HostName=sourcecam&Network.DNSServer1=10.9.9.1"
    )
    await source.add_user("joe", "secret1", "axview")
    await target.get("/axis-cgi/param.cgi?action=update&Network.IPAddress=10.1.1.1")
    await target.add_user("ann", "secret2", "axview")
    users_before = (await target.get("/axis-cgi/pwdgrp.cgi?action=get")).body
    host_before = (await target.get("/axis-cgi/param.cgi?action=list&group=Network.HostName")).body
    await _restore_and_wait(target, await _backup(source), FOREIGN)
    listed = await target.get(
        "/axis-cgi/param.cgi?action=list&group=Image.I0.Name,Network.IPAddress,Network.DNSServer1,"
        "Network.MAC"
    )
    assert listed.text == (
        "Image.I0.Name=Cloned\nNetwork.IPAddress=10.1.1.1\nNetwork.DNSServer1=10.9.9.1\n"
        f"Network.MAC={target.device.identity.mac}\n"
    )
    assert (await target.get("/axis-cgi/param.cgi?action=list&group=Network.HostName")).body == (
        host_before
    )
    assert (await target.get("/axis-cgi/pwdgrp.cgi?action=get")).body == users_before


def _set(name: str, value: str) -> Any:
    def change(params: dict[str, Any]) -> None:
        params["values"][name] = value

    return change


def _hostile_tars() -> dict[str, bytes]:
    manifest = b'{"format": 1}'
    big = tarfile.TarInfo("params.json")
    big.size = 100 * 1024 * 1024  # claims 100 MiB, carries none of it
    header = big.tobuf(format=tarfile.GNU_FORMAT)
    bomb = io.BytesIO()
    with tarfile.open(fileobj=bomb, mode="w:gz") as archive:
        info = tarfile.TarInfo("params.json")
        info.size = 32 * 1024 * 1024
        archive.addfile(info, io.BytesIO(bytes(info.size)))
    return {
        "dotdot": write_tar({"manifest.json": manifest, "../params.json": b"{}"}),
        "absolute": write_tar({"/etc/passwd": b"x"}),
        "symlink": write_tar({}, [special("params.json", tarfile.SYMTYPE, "/etc/passwd")]),
        "hardlink": write_tar({}, [special("users.json", tarfile.LNKTYPE, "/etc/shadow")]),
        "device": write_tar({}, [special("params.json", tarfile.CHRTYPE)]),
        "fifo": write_tar({}, [special("params.json", tarfile.FIFOTYPE)]),
        "directory": write_tar({}, [special("tables", tarfile.DIRTYPE)]),
        "unknown member": write_tar({"manifest.json": manifest, "etc/shadow": b"x"}),
        "huge member": header + bytes(1024),
        "gzip bomb": bomb.getvalue(),
        "garbage": bytes(range(256)) * 8,
        "duplicate": write_tar({"manifest.json": manifest})[:-1024]
        + write_tar({"manifest.json": manifest}),
    }


@pytest.mark.parametrize("case", sorted(_hostile_tars()))
async def test_restore_refuses_hostile_archive_and_changes_nothing(
    camera: Camera, case: str
) -> None:
    await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.Name=Before")
    before = await _state(camera)
    status, body = await _restore(camera, _hostile_tars()[case])
    assert status == 400
    assert body.startswith(b"Request failed: ")
    assert body.endswith(b"\r\n")
    assert await _state(camera) == before
    assert camera.server.generation == 0
    assert not camera.server.restarting


async def _assert_refused(
    camera: Camera, content: bytes, reason: bytes, query: str = FOREIGN, **kwargs: Any
) -> None:
    before = await _state(camera)
    status, body = await _restore(camera, content, query, **kwargs)
    assert (status, body) == (400, b"Request failed: " + reason + b"\r\n")
    assert await _state(camera) == before
    assert camera.server.generation == 0


async def test_restore_refuses_edited_out_of_range_value(camera: Camera) -> None:
    archive = await _backup(camera)
    edited = edit_backup(archive, "params.json", _set("Image.I0.Compression", "101"))
    await _assert_refused(
        camera,
        edited,
        b"bad value '101' for Image.I0.Compression: expected an integer from 0 to 100",
    )


async def test_restore_refuses_edit_that_breaks_checksum(camera: Camera) -> None:
    archive = await _backup(camera)
    edited = edit_backup(archive, "params.json", _set("Image.I0.Name", "x"), fix_manifest=False)
    await _assert_refused(camera, edited, b"checksum of params.json does not match")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_set("Network.MAC", "02:00:00:00:00:01"), b"unknown or read-only parameter 'Network.MAC'"),
        (_set("No.Such", "1"), b"unknown or read-only parameter 'No.Such'"),
        (
            _set("Image.I0.Name", "a\nb"),
            b"bad value 'a\\nb' for Image.I0.Name: control characters are not allowed",
        ),
    ],
)
async def test_restore_refuses_bad_parameters(camera: Camera, change: Any, reason: bytes) -> None:
    archive = await _backup(camera)
    await _assert_refused(camera, edit_backup(archive, "params.json", change), reason)


async def test_restore_refuses_other_product_and_costly_hash(camera: Camera) -> None:
    archive = await _backup(camera)

    def product(manifest: dict[str, Any]) -> None:
        manifest["product"] = "othercam"

    edited = edit_backup(archive, "manifest.json", product, fix_manifest=False)
    await _assert_refused(camera, edited, b"backup of another product")

    def costly(users: list[dict[str, Any]]) -> None:
        scheme, _n, rest = users[0]["scrypt"].split("$", 2)
        users[0]["scrypt"] = f"{scheme}$1048576${rest}"

    edited = edit_backup(archive, "users.json", costly)
    await _assert_refused(camera, edited, b"password hash parameters of root out of range")


def _end_of(archive: bytes, member: str) -> int:
    """Where ``member``'s data (padded to tar's 512-byte blocks) ends in ``archive``."""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
        info = tar.getmember(member)
        return info.offset_data + -(-info.size // 512) * 512


async def test_restore_refuses_truncated_empty_and_malformed_uploads(camera: Camera) -> None:
    archive = await _backup(camera)
    # Cut inside a member's data, or where the later members are simply missing.
    await _assert_refused(
        camera, archive[:600], b"damaged member 'manifest.json' (unexpected end of data)"
    )
    # The last member's header onwards cut off (wherever the members' sizes put it).
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        last = tar.getmembers()[-1]
    await _assert_refused(
        camera, archive[: last.offset] + bytes(1024), b"the members do not match manifest.json"
    )
    await _assert_refused(camera, b"", b"empty file")
    before = await _state(camera)
    plain = b'--AaBo3x\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--AaBo3x--\r\n'
    reply = await camera.post(
        "/axis-cgi/restore.cgi",
        data=plain,
        headers={"Content-Type": "multipart/form-data; boundary=AaBo3x"},
    )
    assert (reply.status, reply.body) == (400, b"Request failed: no file in the upload\r\n")
    reply = await camera.post(
        "/axis-cgi/restore.cgi", data=archive, headers={"Content-Type": "application/x-tar"}
    )
    assert reply.status == 400
    assert reply.body == b"Request failed: expected a multipart/form-data upload (RFC 1867)\r\n"
    body, headers = multipart(archive, close=False)
    reply = await camera.post("/axis-cgi/restore.cgi", data=body, headers=headers)
    assert reply.status == 400
    assert reply.body.startswith(b"Request failed: ")
    assert await _state(camera) == before
    assert camera.server.generation == 0


async def test_restore_refuses_oversize_upload(camera: Camera) -> None:
    before = await _state(camera)
    body, headers = multipart(bytes(9 * 1024 * 1024))
    reply = await camera.post("/axis-cgi/restore.cgi", data=body, headers=headers)
    assert (reply.status, reply.body) == (
        413,
        b"Request failed: upload larger than 8388608 bytes\r\n",
    )
    assert reply.headers["Connection"] == "close"  # the rest of the upload is not read
    assert await _state(camera) == before


async def test_restore_refuses_a_group_its_template_check_refuses(camera: Camera) -> None:
    """A motion window with Top above Bottom is refused by param.cgi; by restore as well."""
    reply = await camera.get("/axis-cgi/param.cgi?action=add&group=Motion&template=motion")
    assert reply.text == "M0 OK\r\n"
    archive = await _backup(camera)

    def invert(params: dict[str, Any]) -> None:
        params["values"]["Motion.M0.Top"] = "7000"
        params["values"]["Motion.M0.Bottom"] = "500"

    await _assert_refused(
        camera,
        edit_backup(archive, "params.json", invert),
        b"Invalid values for group 'Motion.M0': Top (7000) is greater than Bottom (500)",
    )
