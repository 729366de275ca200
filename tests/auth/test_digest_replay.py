"""Issue 9: a captured Digest header must not replay after a restart (restart.cgi or a new
process). Nonces are bound to the start that issued them; an old one is answered
``stale=true``, so a real client simply logs in again."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from tests.support import ROOT_PASSWORD, Camera, digest_response
from tests.system.helpers import Process, restart_and_wait

UPDATE = "/axis-cgi/param.cgi?action=update&Image.I0.Name=Replayed"
NAME = "/axis-cgi/param.cgi?action=list&group=Image.I0.Name"


def challenge(headers: list[str]) -> tuple[str, str]:
    """(realm, nonce) of the MD5 Digest challenge."""
    md5 = next(h for h in headers if "algorithm=MD5" in h)
    realm = re.search(r'realm="([^"]+)"', md5)
    nonce = re.search(r'nonce="([^"]+)"', md5)
    assert realm is not None
    assert nonce is not None
    return realm.group(1), nonce.group(1)


def signed(realm: str, nonce: str, uri: str = UPDATE, nc: str = "00000001") -> str:
    response = digest_response(
        user="root",
        password=ROOT_PASSWORD,
        realm=realm,
        method="GET",
        uri=uri,
        nonce=nonce,
        nc=nc,
        cnonce="c0ffee",
    )
    return (
        f'Digest username="root", realm="{realm}", nonce="{nonce}", uri="{uri}", '
        f'algorithm=MD5, response="{response}", qop=auth, nc={nc}, cnonce="c0ffee"'
    )


async def get(url: str, authorization: str | None = None) -> tuple[int, list[str], bytes]:
    headers = {"Authorization": authorization} if authorization else {}
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers=headers) as response,
    ):
        return (
            response.status,
            response.headers.getall("WWW-Authenticate", []),
            (await response.read()),
        )


def assert_stale(status: int, challenges: list[str]) -> None:
    assert status == 401
    digests = [c for c in challenges if c.startswith("Digest ")]
    assert len(digests) == 2
    assert all(c.endswith(", stale=true") for c in digests), digests


async def test_captured_header_does_not_replay_after_restart_cgi(camera: Camera) -> None:
    status, challenges, _ = await get(camera.url + UPDATE)
    realm, nonce = challenge(challenges)
    captured = signed(realm, nonce)
    assert (await get(camera.url + UPDATE, captured))[2] == b"OK\r\n"
    assert (await get(camera.url + UPDATE, captured))[0] == 401  # replayed nc: refused
    await camera.get("/axis-cgi/param.cgi?action=update&Image.I0.Name=Safe")
    await restart_and_wait(camera, "/axis-cgi/admin/restart.cgi")
    status, challenges, _ = await get(camera.url + UPDATE, captured)
    assert_stale(status, challenges)
    assert (await camera.get(NAME)).body == b"Image.I0.Name=Safe\n"
    # What a real client does with stale=true: the new nonce, and it is in.
    realm, fresh = challenge(challenges)
    assert (await get(camera.url + NAME, signed(realm, fresh, NAME)))[0] == 200


async def test_captured_header_does_not_replay_in_a_new_process(tmp_path: Path) -> None:
    data_dir = tmp_path / "unit"
    first = Process(data_dir, run="first")
    try:
        url = await first.wait_serving()
        _, challenges, _ = await get(url + UPDATE)
        realm, nonce = challenge(challenges)
        captured = signed(realm, nonce)
        assert (await get(url + UPDATE, captured))[2] == b"OK\r\n"
    finally:
        first.stop()
    second = Process(data_dir, run="second")
    try:
        url = await second.wait_serving()
        basic = {"Authorization": aiohttp.encode_basic_auth("root", ROOT_PASSWORD)}
        async with aiohttp.ClientSession(headers=basic) as session:
            async with session.get(url + "/axis-cgi/param.cgi?action=update&Image.I0.Name=Safe"):
                pass
            status, challenges, _ = await get(url + UPDATE, captured)
            assert_stale(status, challenges)
            async with session.get(url + NAME) as response:
                assert await response.read() == b"Image.I0.Name=Safe\n"
    finally:
        second.stop()
