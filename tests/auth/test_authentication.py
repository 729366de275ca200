"""HTTP Basic and Digest (RFC 7616) against a real server, with digests computed by hand."""

from __future__ import annotations

import asyncio
import base64
import re

import pytest

from ipcamd.auth.users import User
from tests.conftest import CameraFactory
from tests.support import Camera, Reply, digest_response

PATH = "/axis-cgi/param.cgi?action=list&group=Brand.Brand"
BRAND = b"Brand.Brand=ipcamd\n"


def challenges(reply: Reply) -> list[str]:
    return reply.headers.getall("WWW-Authenticate", [])


def nonce_of(reply: Reply) -> str:
    match = re.search(r'nonce="([^"]+)"', challenges(reply)[0])
    assert match is not None
    return match.group(1)


async def fresh_nonce(camera: Camera) -> str:
    reply = await camera.get(PATH, user=None)
    assert reply.status == 401
    return nonce_of(reply)


def digest_header(
    camera: Camera,
    *,
    nonce: str,
    uri: str = PATH,
    method: str = "GET",
    user: str = "root",
    password: str = "pass",
    nc: str = "00000001",
    algorithm: str = "MD5",
    cnonce: str = "0a4f113b",
    response: str | None = None,
    realm: str | None = None,
) -> str:
    realm = realm or camera.device.authenticator.realm
    if response is None:
        response = digest_response(
            user=user,
            password=password,
            realm=realm,
            method=method,
            uri=uri,
            nonce=nonce,
            nc=nc,
            cnonce=cnonce,
            algorithm=algorithm,
        )
    return (
        f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
        f'algorithm={algorithm}, response="{response}", qop=auth, nc={nc}, cnonce="{cnonce}"'
    )


async def with_header(camera: Camera, header: str, path: str = PATH) -> Reply:
    return await camera.get(path, user=None, headers={"Authorization": header})


# ----------------------------------------------------------------------------- Basic


async def test_basic_right_and_wrong(camera: Camera) -> None:
    ok = await camera.get(PATH)
    assert (ok.status, ok.body) == (200, BRAND)
    wrong = await camera.get(PATH, password="wrong")
    assert wrong.status == 401
    assert wrong.headers["Content-Type"] == "text/plain"
    assert wrong.body == b"401 Unauthorized\n"
    unknown = await camera.get(PATH, user="nobody", password="pass")
    assert unknown.status == 401


@pytest.mark.parametrize(
    "header",
    [
        "Basic " + "é",
        "Basic !!!!",
        "Basic " + base64.b64encode(b"rootpass").decode(),
        "Basic " + base64.b64encode(b"root:\xff\xfe").decode(),
        "Basic",
        "Bearer abc",
        "Digest",
        'Digest username="root", realm=',
        'Digest username="root" realm="x"',
    ],
)
async def test_malformed_credentials_are_401_never_500(camera: Camera, header: str) -> None:
    reply = await with_header(camera, header)
    assert reply.status == 401
    assert len(challenges(reply)) == 3


async def test_401_carries_both_digest_challenges_and_basic(camera: Camera) -> None:
    reply = await camera.get(PATH, user=None)
    assert reply.status == 401
    realm = f"ipcamd_{camera.device.identity.serial_number}"
    values = challenges(reply)
    assert len(values) == 3
    nonce = nonce_of(reply)
    opaque = re.search(r'opaque="([0-9a-f]+)"', values[0])
    assert opaque is not None
    for value, algorithm in zip(values[:2], ("SHA-256", "MD5"), strict=True):
        assert value == (
            f'Digest realm="{realm}", nonce="{nonce}", algorithm={algorithm}, qop="auth", '
            f'opaque="{opaque.group(1)}"'
        )
    assert values[2] == f'Basic realm="{realm}"'


# ----------------------------------------------------------------------------- Digest


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
async def test_digest_by_hand(camera: Camera, algorithm: str) -> None:
    nonce = await fresh_nonce(camera)
    reply = await with_header(camera, digest_header(camera, nonce=nonce, algorithm=algorithm))
    assert (reply.status, reply.body) == (200, BRAND)
    # The next request on the same nonce with the next nc works too.
    reply = await with_header(
        camera, digest_header(camera, nonce=nonce, algorithm=algorithm, nc="00000002")
    )
    assert reply.status == 200


async def test_digest_on_post_covers_the_method(camera: Camera) -> None:
    nonce = await fresh_nonce(camera)
    uri = "/axis-cgi/param.cgi"
    header = digest_header(camera, nonce=nonce, uri=uri, method="POST", algorithm="SHA-256")
    reply = await camera.post(
        uri,
        user=None,
        data=b"action=list&group=root.Brand.Brand",
        headers={"Authorization": header, "Content-Type": "text/plain"},
    )
    assert (reply.status, reply.body) == (200, b"root.Brand.Brand=ipcamd\n")
    # A GET signed as a POST fails.
    wrong = digest_header(camera, nonce=nonce, uri=PATH, method="POST", nc="00000002")
    assert (await with_header(camera, wrong)).status == 401


async def test_digest_wrong_password(camera: Camera) -> None:
    nonce = await fresh_nonce(camera)
    reply = await with_header(camera, digest_header(camera, nonce=nonce, password="wrong"))
    assert reply.status == 401
    assert "stale=true" not in challenges(reply)[0]


async def test_digest_replayed_nc_is_refused(camera: Camera) -> None:
    nonce = await fresh_nonce(camera)
    header = digest_header(camera, nonce=nonce, nc="00000005")
    assert (await with_header(camera, header)).status == 200
    assert (await with_header(camera, header)).status == 401
    # Out of order (concurrent requests on one nonce) is fine.
    assert (
        await with_header(camera, digest_header(camera, nonce=nonce, nc="00000003"))
    ).status == 200


async def test_digest_uri_must_match_the_request(camera: Camera) -> None:
    nonce = await fresh_nonce(camera)
    other = "/axis-cgi/param.cgi?action=list&group=Brand"
    reply = await with_header(camera, digest_header(camera, nonce=nonce, uri=other))
    assert reply.status == 401
    # Signed for the Brand listing, replayed against pwdgrp.
    reply = await with_header(
        camera, digest_header(camera, nonce=nonce, nc="00000002"), "/axis-cgi/pwdgrp.cgi?action=get"
    )
    assert reply.status == 401


async def test_digest_forged_nonce(camera: Camera) -> None:
    nonce = await fresh_nonce(camera)
    raw = bytearray(base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4)))
    raw[3] ^= 0x01  # change the timestamp: the signature no longer matches
    forged = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    for candidate in (forged, "abc", base64.urlsafe_b64encode(b"x" * 32).decode(), "é"):
        reply = await with_header(camera, digest_header(camera, nonce=candidate))
        assert reply.status == 401
        assert "stale=true" not in challenges(reply)[0]


async def test_digest_missing_fields(camera: Camera) -> None:
    nonce = await fresh_nonce(camera)
    realm = camera.device.authenticator.realm
    fields = {
        "username": '"root"',
        "realm": f'"{realm}"',
        "nonce": f'"{nonce}"',
        "uri": f'"{PATH}"',
        "response": '"'
        + digest_response(
            user="root",
            password="pass",
            realm=realm,
            method="GET",
            uri=PATH,
            nonce=nonce,
            nc="00000001",
            cnonce="c1",
        )
        + '"',
        "qop": "auth",
        "nc": "00000001",
        "cnonce": '"c1"',
    }
    for missing in fields:
        header = "Digest " + ", ".join(f"{k}={v}" for k, v in fields.items() if k != missing)
        assert (await with_header(camera, header)).status == 401, missing
    complete = "Digest " + ", ".join(f"{k}={v}" for k, v in fields.items())
    assert (await with_header(camera, complete)).status == 200


async def test_digest_other_realm_and_qop_refused(camera: Camera) -> None:
    nonce = await fresh_nonce(camera)
    reply = await with_header(camera, digest_header(camera, nonce=nonce, realm="other"))
    assert reply.status == 401
    header = digest_header(camera, nonce=nonce).replace("qop=auth", "qop=auth-int")
    assert (await with_header(camera, header)).status == 401


async def test_digest_garbage_response_and_cnonce(camera: Camera) -> None:
    nonce = await fresh_nonce(camera)
    reply = await with_header(camera, digest_header(camera, nonce=nonce, response="é" * 32))
    assert reply.status == 401
    # Bytes that are not UTF-8 in the header.
    header = digest_header(camera, nonce=nonce).encode() + b', x="\xff"'
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    writer.write(
        f"GET {PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: ".encode()
        + header
        + b"\r\n\r\n"
    )
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert data.startswith((b"HTTP/1.1 200", b"HTTP/1.1 401", b"HTTP/1.0 400", b"HTTP/1.1 400"))


async def test_expired_nonce_is_stale(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(nonce_lifetime=0.3)
    nonce = await fresh_nonce(camera)
    assert (await with_header(camera, digest_header(camera, nonce=nonce))).status == 200
    await asyncio.sleep(0.5)
    reply = await with_header(camera, digest_header(camera, nonce=nonce, nc="00000002"))
    assert reply.status == 401
    values = challenges(reply)
    assert values[0].endswith(", stale=true")
    assert values[1].endswith(", stale=true")
    assert values[2].startswith("Basic ")
    # A wrong password on an expired nonce is not "stale": the client must not just retry.
    reply = await with_header(
        camera, digest_header(camera, nonce=nonce, nc="00000003", password="wrong")
    )
    assert "stale=true" not in challenges(reply)[0]
    # The new nonce works.
    new = nonce_of(await with_header(camera, digest_header(camera, nonce=nonce, nc="00000004")))
    assert (await with_header(camera, digest_header(camera, nonce=new))).status == 200


# ----------------------------------------------------------------------------- policy


async def set_policy(camera: Camera, policy: str) -> None:
    reply = await camera.get(f"/param.cgi?action=update&Network.HTTP.AuthenticationPolicy={policy}")
    assert reply.body == b"OK\r\n"


async def test_policy_digest_refuses_basic(camera: Camera) -> None:
    nonce = await fresh_nonce(camera)
    await set_policy(camera, "digest")
    assert (await camera.get(PATH)).status == 401
    reply = await camera.get(PATH, user=None)
    values = challenges(reply)
    assert len(values) == 2
    assert all(v.startswith("Digest ") for v in values)
    assert (await with_header(camera, digest_header(camera, nonce=nonce))).status == 200


async def test_policy_basic_refuses_digest(camera: Camera) -> None:
    nonce = await fresh_nonce(camera)
    await set_policy(camera, "basic")
    reply = await with_header(camera, digest_header(camera, nonce=nonce))
    assert reply.status == 401
    assert challenges(reply) == [f'Basic realm="{camera.device.authenticator.realm}"']
    assert (await camera.get(PATH)).status == 200


# ----------------------------------------------------------------------------- throttling


async def test_throttling_locks_out_then_recovers(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(auth_max_failures=3, auth_lockout=1.0)
    for _ in range(3):
        assert (await camera.get(PATH, password="wrong")).status == 401
    locked = await camera.get(PATH, password="wrong")
    assert locked.status == 429
    assert locked.headers["Content-Type"] == "text/plain"
    assert 1 <= int(locked.headers["Retry-After"]) <= 2
    # Even the right password is refused while locked out.
    assert (await camera.get(PATH)).status == 429
    nonce = await fresh_nonce(camera)
    assert (await with_header(camera, digest_header(camera, nonce=nonce))).status == 429
    await asyncio.sleep(1.2)
    ok = await camera.get(PATH)
    assert (ok.status, ok.body) == (200, BRAND)
    # The lock-out started the count over: two more failures do not lock.
    for _ in range(2):
        assert (await camera.get(PATH, password="wrong")).status == 401
    assert (await camera.get(PATH)).status == 200


async def test_no_credentials_do_not_count_as_failures(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(auth_max_failures=2)
    for _ in range(5):
        assert (await camera.get(PATH, user=None)).status == 401
    assert (await camera.get(PATH)).status == 200


# ----------------------------------------------------------------------------- levels, paths


async def test_access_levels(camera: Camera) -> None:
    await camera.add_user("vic", "v1", "axview")
    await camera.add_user("oli", "o1", "axoper:axview")
    await camera.add_user("ada", "a1", "axadmin:axoper:axview")
    listing = "/param.cgi?action=list&group=Brand.Brand,Network.HTTP.Port"
    hidden = b"Brand.Brand=ipcamd\n# Error: Error -1 getting param in group 'Network.HTTP.Port'\n"
    assert (await camera.get(listing, user="vic", password="v1")).body == hidden
    assert (await camera.get(listing, user="oli", password="o1")).body == hidden
    shown = b"Brand.Brand=ipcamd\nNetwork.HTTP.Port=8080\n"
    assert (await camera.get(listing, user="ada", password="a1")).body == shown
    assert (await camera.get(listing)).body == shown
    assert (await camera.get(listing, user=None)).status == 401


TRICKS = [
    "/axis-cgi//pwdgrp.cgi?action=get",
    "//axis-cgi/pwdgrp.cgi?action=get",
    "/axis-cgi/../pwdgrp.cgi?action=get",
    "/axis-cgi/%2e%2e/pwdgrp.cgi?action=get",
    "/axis-cgi/%2E%2E/axis-cgi/pwdgrp.cgi?action=get",
    "/axis-cgi/admin/../pwdgrp.cgi?action=get",
    "/axis-cgi/admin/%2e%2e/pwdgrp.cgi?action=get",
    "/axis-cgi/param.cgi/../pwdgrp.cgi?action=get",
    "/index.html/a.srv",
    "/index.html/../axis-cgi/pwdgrp.cgi?action=get",
    "/axis-cgi/pwdgrp.cgi%3Faction=get",
    "/axis-cgi/pwdgrp.cgi;.srv?action=get",
    "/axis-cgi/pwdgrp.cgi/.srv?action=get",
    "/axis-cgi/./pwdgrp.cgi?action=get",
    "/AXIS-CGI/pwdgrp.cgi?action=get",
    "/axis-cgi/admin//pwdgrp.cgi?action=get",
    "/axis-cgi//param.cgi?action=list&group=Network",
    "/axis-cgi/../param.cgi?action=list&group=Network",
    "/axis-cgi/admin/../param.cgi?action=update&Image.MaxViewers=1",
    "/axis-cgi/admin/param.cgi?action=update&Image.MaxViewers=1",
    "/axis-cgi/admin/param.cgi?action=list&group=Network",
]


async def raw_get(camera: Camera, target: str, authorization: str | None) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    auth = f"Authorization: {authorization}\r\n" if authorization else ""
    writer.write(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}\r\n".encode())
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize("target", TRICKS)
async def test_path_tricks_never_let_a_viewer_do_more(camera: Camera, target: str) -> None:
    await camera.add_user("vic", "v1", "axview")
    before = camera.device.params.snapshot()
    for authorization in ("Basic " + base64.b64encode(b"vic:v1").decode(), None):
        status, body = await raw_get(camera, target, authorization)
        assert status in (200, 401, 404), (target, status)
        assert b'admin="' not in body
        assert b"Network." not in body
        assert b"OK" not in body
        if authorization is None:
            assert status in (401, 404)
    assert camera.device.params.snapshot() == before


async def test_a_burst_of_identical_basic_logins_costs_one_password_check(
    camera: Camera,
) -> None:
    """100 viewers of a cold unit log in at once: one scrypt check serves them all."""
    users = camera.device.users
    real_check = users.check_password
    calls: list[str] = []

    def counting_check(name: str, password: str) -> User | None:
        calls.append(name)
        return real_check(name, password)

    users.check_password = counting_check  # type: ignore[method-assign]
    replies = await asyncio.gather(
        *(camera.get("/axis-cgi/param.cgi?action=list&group=Brand.Brand") for _ in range(50))
    )
    assert [r.status for r in replies] == [200] * 50
    assert all(r.body == b"Brand.Brand=ipcamd\n" for r in replies)
    assert calls == ["root"]
