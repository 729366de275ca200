"""Issue 9, points 1 and 2: an administrator must not become root through backup or restore.

An administrator's backup holds no password hash of anyone; the archive is signed with a key of
the unit (``manifest.hmac``), checked before anything is applied; only root restores accounts,
and only root restores an archive this unit did not sign (another unit's, with ``foreign=yes``).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from ipcamd.auth.passwords import hash_password
from tests.conftest import CameraFactory
from tests.support import Camera
from tests.system.archives import multipart, read_tar, write_tar
from tests.system.helpers import wait_until

ADA = {"user": "ada", "password": "adapw1"}
CREATE_EVE = "/axis-cgi/pwdgrp.cgi?action=add&user=eve&pwd=eve1&sgrp=axadmin:axoper:axview"


async def with_admin(camera: Camera) -> None:
    await camera.add_user("ada", "adapw1", "axadmin:axoper:axview")


async def backup(camera: Camera, **who: Any) -> bytes:
    reply = await camera.get("/axis-cgi/admin/backup.cgi", **who)
    assert reply.status == 200, reply
    return reply.body


async def restore(camera: Camera, archive: bytes, query: str = "", **who: Any) -> tuple[int, bytes]:
    body, headers = multipart(archive)
    reply = await camera.post(f"/axis-cgi/restore.cgi{query}", data=body, headers=headers, **who)
    return reply.status, reply.body


async def restored(camera: Camera, archive: bytes, query: str = "", **who: Any) -> None:
    before = camera.server.generation
    assert await restore(camera, archive, query, **who) == (200, b"OK\r\n")
    await wait_until(lambda: camera.server.generation > before and not camera.server.restarting)


def stored_secrets(camera: Camera) -> list[str]:
    rows = camera.device.db.call(
        lambda c: c.execute("SELECT scrypt, ha1_md5, ha1_sha256 FROM user_account").fetchall()
    )
    return [value for row in rows for value in row]


async def digest_as_root_with(camera: Camera, ha1: str) -> int:
    """Pass-the-hash: a Digest response computed from ``ha1`` alone, creating an account."""
    first = await camera.get(CREATE_EVE, user=None)
    nonce = re.search(r'nonce="([^"]+)"', first.headers.getall("WWW-Authenticate")[0])
    assert nonce is not None
    algorithm = "SHA-256" if len(ha1) == 64 else "MD5"

    def h(data: str) -> str:
        return (hashlib.sha256 if algorithm == "SHA-256" else hashlib.md5)(
            data.encode()
        ).hexdigest()

    realm = camera.device.authenticator.realm
    response = h(f"{ha1}:{nonce.group(1)}:00000001:c0ffee:auth:{h('GET:' + CREATE_EVE)}")
    header = (
        f'Digest username="root", realm="{realm}", nonce="{nonce.group(1)}", uri="{CREATE_EVE}", '
        f'algorithm={algorithm}, response="{response}", qop=auth, nc=00000001, cnonce="c0ffee"'
    )
    return (await camera.get(CREATE_EVE, user=None, headers={"Authorization": header})).status


def with_members(archive: bytes, changes: dict[str, bytes]) -> bytes:
    """The archive with members replaced or added, its manifest's checksums recomputed (what an
    administrator can do with any tar tool)."""
    members = read_tar(archive)
    manifest = json.loads(members["manifest.json"])
    for name, content in changes.items():
        members[name] = content
        manifest["members"][name] = hashlib.sha256(content).hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()
    return write_tar(members)


def hacked_accounts(realm: str) -> bytes:
    def account(name: str, password: str, groups: str) -> dict[str, Any]:
        hashes = hash_password(name, realm, password)
        return {
            "name": name,
            "primary_group": "root" if name == "root" else "axuser",
            "groups": groups,
            "comment": "",
            "scrypt": hashes.scrypt,
            "ha1_md5": hashes.ha1_md5,
            "ha1_sha256": hashes.ha1_sha256,
            "created": 0,
        }

    return json.dumps(
        [
            account("root", "hacked1", "axadmin:axoper:axview:axptz"),
            account("ada", "adapw1", ""),
            account("Root", "hacked1", "axadmin:axoper:axview"),
        ]
    ).encode()


# ----------------------------------------------------------------------------- point 1


async def test_an_admins_backup_holds_no_password_hash(camera: Camera) -> None:
    await with_admin(camera)
    archive = await backup(camera, **ADA)
    text = archive.decode("latin-1")
    for secret in stored_secrets(camera):
        assert secret not in text
    assert "users.json" not in read_tar(archive)
    # The attack of issue 9: every hex string in the archive, tried as root's HA1.
    for candidate in sorted(set(re.findall(r"\b(?:[0-9a-f]{64}|[0-9a-f]{32})\b", text))):
        assert await digest_as_root_with(camera, candidate) == 401
    assert camera.device.users.get("eve") is None


async def test_roots_backup_holds_the_accounts(camera: Camera) -> None:
    await with_admin(camera)
    members = read_tar(await backup(camera))
    users = json.loads(members["users.json"])
    assert [u["name"] for u in users] == ["root", "ada"]
    assert sorted(v for u in users for v in (u["scrypt"], u["ha1_md5"], u["ha1_sha256"])) == (
        sorted(stored_secrets(camera))
    )


# ----------------------------------------------------------------------------- point 2


async def test_an_admin_cannot_restore_edited_accounts(camera: Camera) -> None:
    """New hashes for root (and an extra ``Root``), checksums recomputed: refused, not signed."""
    await with_admin(camera)
    archive = await backup(camera, **ADA)
    edited = with_members(archive, {"users.json": hacked_accounts(camera.device.users.realm)})
    status, body = await restore(camera, edited, **ADA)
    assert status == 400
    assert body == (
        b"Request failed: the backup is not signed by this unit "
        b"(root may restore another unit's backup with foreign=yes)\r\n"
    )
    assert camera.server.generation == 0
    assert (await camera.get("/axis-cgi/usergroup.cgi", password="hacked1")).status == 401
    assert (await camera.get("/axis-cgi/usergroup.cgi")).status == 200
    # Even root, accepting it as another unit's archive, gets no ``Root`` beside root.
    status, body = await restore(camera, edited, "?foreign=yes")
    assert (status, body) == (
        400,
        b"Request failed: bad account 'Root': user name 'Root' is reserved\r\n",
    )


async def test_an_admin_restoring_roots_backup_keeps_the_accounts(camera: Camera) -> None:
    await with_admin(camera)
    await camera.add_user("joe", "joepw1", "axview")
    await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.Name=Backed")
    archive = await backup(camera)  # root's: with the accounts
    await camera.get("/axis-cgi/pwdgrp.cgi?action=remove&user=joe")
    await camera.add_user("ann", "annpw1", "axview")
    await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.Name=Later")
    users_before = (await camera.get("/axis-cgi/pwdgrp.cgi?action=get")).body
    await restored(camera, archive, **ADA)
    assert (await camera.get("/axis-cgi/pwdgrp.cgi?action=get")).body == users_before
    name = await camera.get("/axis-cgi/param.cgi?action=list&group=Image.I0.Name")
    assert name.body == b"Image.I0.Name=Backed\n"
    log = (await camera.get("/axis-cgi/systemlog.cgi")).text
    assert "accounts kept as they are (only root restores accounts)" in log


async def test_root_restores_the_accounts_of_its_own_signed_backup(camera: Camera) -> None:
    await camera.add_user("joe", "joepw1", "axview")
    archive = await backup(camera)
    await camera.get("/axis-cgi/pwdgrp.cgi?action=remove&user=joe")
    await restored(camera, archive)
    assert camera.device.users.get("joe") is not None


async def test_a_changed_signature_or_manifest_is_refused_even_for_root(camera: Camera) -> None:
    archive = await backup(camera)
    members = read_tar(archive)
    forged = dict(members)
    forged["manifest.hmac"] = b"0" * 64 + b"\n"
    manifest = json.loads(members["manifest.json"])
    manifest["created"] = "2000-01-01T00:00:00Z"
    edited = {**members, "manifest.json": json.dumps(manifest).encode()}
    for candidate in (write_tar(forged), write_tar(edited)):
        status, body = await restore(camera, candidate)
        assert status == 400
        assert b"not signed by this unit" in body
    assert camera.server.generation == 0


async def test_another_units_backup_needs_root_and_foreign_yes(
    camera_factory: CameraFactory,
) -> None:
    source: Camera = await camera_factory()
    target: Camera = await camera_factory()
    await with_admin(target)
    await source.get("/axis-cgi/param.cgi?action=update&Image.I0.Name=Cloned")
    archive = await backup(source)
    status, body = await restore(target, archive)
    assert status == 400
    assert b"not signed by this unit" in body
    # An administrator may not ask for it: 401 with challenges, before the upload is read.
    body, headers = multipart(archive)
    reply = await target.post(
        "/axis-cgi/restore.cgi?foreign=yes", data=body, headers=headers, **ADA
    )
    assert reply.status == 401
    assert reply.headers.getall("WWW-Authenticate")
    assert target.server.generation == 0
    await restored(target, archive, "?foreign=yes")
    name = await target.get("/axis-cgi/param.cgi?action=list&group=Image.I0.Name")
    assert name.body == b"Image.I0.Name=Cloned\n"
    assert target.device.users.get("ada") is not None
