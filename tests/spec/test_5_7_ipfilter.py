"""Spec 5.7 replayed over a raw socket: every example of ipfilter.cgi and its replies.

The tests connect from 127.0.0.1; ``tests/http/test_ipfilter_cgi.py`` also uses other loopback
source addresses to show who gets in.
"""

from __future__ import annotations

import pytest

from tests.spec.raw import PREFIXES, TEXT_PLAIN, VERSIONS, RawReply, assert_text, exchange
from tests.support import Camera

REFUSED_SELF = b'Verification failed: IP address "127.0.0.1" is not an accepted address\r\n'


async def ipfilter(
    camera: Camera, query: str, *, prefix: str = "/axis-cgi/", version: str = "1.0"
) -> RawReply:
    return await exchange(camera.server.port, f"{prefix}ipfilter.cgi?{query}", version=version)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_list_of_a_new_unit(camera: Camera, prefix: str, version: str) -> None:
    reply = await ipfilter(camera, "action=list", prefix=prefix, version=version)
    assert_text(reply, b"Accept addresses: \r\nEnabled: no\r\n", version)


async def test_first_example_verifies_automatically(camera: Camera) -> None:
    """Adding addresses and enabling: verification is automatic, the caller is not listed."""
    reply = await ipfilter(camera, "action=add&ipaddress=10.13.10.12%2010.13.17.0/24&enable=yes")
    assert_text(reply, REFUSED_SELF)
    assert_text(await ipfilter(camera, "action=list"), b"Accept addresses: \r\nEnabled: no\r\n")
    # With the caller's own address in the list the same request passes.
    reply = await ipfilter(
        camera, "action=add&ipaddress=10.13.10.12%2010.13.17.0/24%20127.0.0.1&enable=yes"
    )
    assert_text(reply, b"OK\r\n")
    assert_text(
        await ipfilter(camera, "action=list"),
        b"Accept addresses: 10.13.10.12 10.13.17.0/24 127.0.0.1\r\nEnabled: yes\r\n",
    )


async def test_list_with_verify_example(camera: Camera) -> None:
    """``list&verify=yes`` with 10.13.10.12 the only address: the spec's two lines, then the
    verification line for this caller."""
    assert_text(await ipfilter(camera, "action=add&ipaddress=10.13.10.12"), b"OK\r\n")
    reply = await ipfilter(camera, "action=list&verify=yes")
    assert reply.status == 200
    assert reply.body.startswith(b"Accept addresses: 10.13.10.12\r\nEnabled: no\r\n")
    assert reply.body.endswith(REFUSED_SELF)
    assert_text(
        await ipfilter(camera, "action=list"), b"Accept addresses: 10.13.10.12\r\nEnabled: no\r\n"
    )


async def test_remove_example(camera: Camera) -> None:
    """``remove&ipaddress=10.13.10.12``: verified automatically only while enabled."""
    await ipfilter(camera, "action=add&ipaddress=10.13.10.12%20127.0.0.1")
    assert_text(await ipfilter(camera, "action=remove&ipaddress=10.13.10.12"), b"OK\r\n")
    assert_text(
        await ipfilter(camera, "action=list"), b"Accept addresses: 127.0.0.1\r\nEnabled: no\r\n"
    )
    assert_text(await ipfilter(camera, "action=update&enable=yes"), b"OK\r\n")
    # Removing the caller's own address while enabled would lock it out: refused.
    assert_text(await ipfilter(camera, "action=remove&ipaddress=127.0.0.1"), REFUSED_SELF)
    assert_text(
        await ipfilter(camera, "action=list"), b"Accept addresses: 127.0.0.1\r\nEnabled: yes\r\n"
    )


async def test_allow_and_deny_examples(camera: Camera) -> None:
    """Add 10.13.10.12 allowed (caller then refused), and denied (caller still admitted)."""
    allow = await ipfilter(camera, "action=add&ipaddress=10.13.10.12&policy=allow&enable=yes")
    assert_text(allow, REFUSED_SELF)
    deny = await ipfilter(camera, "action=add&ipaddress=10.13.10.12&policy=deny&enable=yes")
    assert_text(deny, b"OK\r\n")
    assert_text(
        await ipfilter(camera, "action=list"), b"Accept addresses: 10.13.10.12\r\nEnabled: yes\r\n"
    )
    # The filter is on and the caller is not denied: still in.
    assert (await exchange(camera.server.port, "/jpg/image.jpg")).status == 200


async def test_removeall_example(camera: Camera) -> None:
    """Remove every address; the filter is disabled automatically."""
    await ipfilter(camera, "action=add&ipaddress=10.13.10.12%20127.0.0.1&enable=yes")
    assert_text(await ipfilter(camera, "action=removeall"), b"OK\r\n")
    assert_text(await ipfilter(camera, "action=list"), b"Accept addresses: \r\nEnabled: no\r\n")


@pytest.mark.parametrize(
    "query",
    [
        "action=add&ipaddress=10.13.10.256",
        "action=add&ipaddress=10.13.17.0/33",
        "action=add&ipaddress=10.13.10.12&enable=maybe",
        "action=add&ipaddress=10.13.10.12&policy=sometimes",
        "action=frobnicate",
        "action=add&ipaddress=10.13.10.12%20garbage",
    ],
)
async def test_bad_requests_change_nothing(camera: Camera, query: str) -> None:
    reply = await ipfilter(camera, query)
    assert reply.status in (200, 400)
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert reply.body.startswith(b"Request failed: ")
    assert_text(await ipfilter(camera, "action=list"), b"Accept addresses: \r\nEnabled: no\r\n")
