"""ipfilter.cgi (5.7) end to end, with clients on several loopback source addresses.

Linux routes all of 127.0.0.0/8 to ``lo``, so a client socket bound to 127.0.0.2 reaches the
server on 127.0.0.1 and the server sees 127.0.0.2 as the peer.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.conftest import CameraFactory
from tests.support import Camera

From = Callable[[Camera, str], Awaitable[Camera]]
LIST = "/axis-cgi/ipfilter.cgi?action=list"
EMPTY = "Accept addresses: \r\nEnabled: no\r\n"


@pytest.fixture
async def from_address() -> AsyncIterator[From]:
    """``await from_address(camera, "127.0.0.2")``: the same camera, called from that address."""
    sessions: list[aiohttp.ClientSession] = []

    async def make(camera: Camera, local: str) -> Camera:
        connector = aiohttp.TCPConnector(local_addr=(local, 0), force_close=True)
        session = aiohttp.ClientSession(connector=connector, auto_decompress=False)
        sessions.append(session)
        return Camera(camera.server, session)

    yield make
    for session in sessions:
        await session.close()


async def call(camera: Camera, query: str) -> str:
    reply = await camera.get(f"/axis-cgi/ipfilter.cgi?{query}")
    assert reply.status == 200, reply
    assert reply.headers["Content-Type"] == "text/plain"
    return reply.text


async def test_list_of_a_new_unit(camera: Camera) -> None:
    assert await call(camera, "action=list") == EMPTY


async def test_the_spec_example_enables_with_automatic_verification(
    camera: Camera, from_address: From
) -> None:
    reply = await call(camera, "action=add&ipaddress=10.13.10.12%2010.13.17.0/24&enable=yes")
    assert reply == 'Verification failed: IP address "127.0.0.1" is not an accepted address\r\n'
    assert await call(camera, "action=list") == EMPTY  # nothing changed
    assert camera.device.params.get("Network.Filter.Enabled") == "no"

    reply = await call(camera, "action=add&ipaddress=10.13.10.12%20127.0.0.0/31&enable=yes")
    assert reply == "OK\r\n"
    assert await call(camera, "action=list") == (
        "Accept addresses: 10.13.10.12 127.0.0.0/31\r\nEnabled: yes\r\n"
    )
    assert (await (await from_address(camera, "127.0.0.1")).get(LIST)).status == 200
    assert (await (await from_address(camera, "127.0.0.2")).get(LIST)).status == 403


async def test_the_filter_runs_before_authentication_on_every_path(
    camera: Camera, from_address: From
) -> None:
    assert await call(camera, "action=add&ipaddress=127.0.0.1&enable=yes") == "OK\r\n"
    outsider = await from_address(camera, "127.0.0.2")
    for path in (
        "/axis-cgi/param.cgi?action=list&group=Brand",
        "/axis-cgi/ipfilter.cgi?action=removeall",
        "/no/such/path",
        "/",
    ):
        for user in ("root", None):
            reply = await outsider.get(path, user=user)
            assert reply.status == 403, (path, user)
            assert reply.body == b"403 Forbidden\n"
            assert reply.headers["Content-Type"] == "text/plain"
            assert "WWW-Authenticate" not in reply.headers
    wrong = await outsider.get("/axis-cgi/param.cgi?action=list", password="wrong")
    assert wrong.status == 403
    # The refused address never reached authentication, so it is not throttled or logged as a
    # failed login; the filter is still on.
    assert camera.device.params.get("Network.Filter.Enabled") == "yes"
    assert (await camera.get("/no/such/path")).status == 404  # allowed peer: router's answer


async def test_forwarded_headers_are_ignored(camera: Camera, from_address: From) -> None:
    assert await call(camera, "action=add&ipaddress=127.0.0.1&enable=yes") == "OK\r\n"
    outsider = await from_address(camera, "127.0.0.2")
    spoofed = {"X-Forwarded-For": "127.0.0.1", "Forwarded": "for=127.0.0.1"}
    reply = await outsider.get(LIST, headers=spoofed)
    assert reply.status == 403
    deny = "action=update&ipaddress=127.0.0.3&policy=deny"
    assert await call(camera, deny) == "OK\r\n"
    third = await from_address(camera, "127.0.0.3")
    assert (await third.get(LIST, headers={"X-Forwarded-For": "127.0.0.9"})).status == 403


async def test_cidr_networks_match_their_range(camera: Camera, from_address: From) -> None:
    assert await call(camera, "action=add&ipaddress=127.0.0.0/30&enable=yes") == "OK\r\n"
    for local, status in (("127.0.0.2", 200), ("127.0.0.3", 200), ("127.0.0.4", 403)):
        reply = await (await from_address(camera, local)).get(LIST)
        assert reply.status == status, local


async def test_deny_policy(camera: Camera, from_address: From) -> None:
    reply = await call(camera, "action=add&ipaddress=127.0.0.2&policy=deny&enable=yes")
    assert reply == "OK\r\n"
    # 5.7.2's list format has no policy line: the list reads the same under either policy.
    assert await call(camera, "action=list") == "Accept addresses: 127.0.0.2\r\nEnabled: yes\r\n"
    policy = await camera.get("/param.cgi?action=list&group=Network.Filter.Input.Policy")
    assert policy.text == "Network.Filter.Input.Policy=deny\n"
    assert (await (await from_address(camera, "127.0.0.2")).get(LIST)).status == 403
    assert (await (await from_address(camera, "127.0.0.3")).get(LIST)).status == 200
    # Denying one's own address is a lock-out: verification refuses it.
    reply = await call(camera, "action=add&ipaddress=127.0.0.1")
    assert reply == 'Verification failed: IP address "127.0.0.1" is not an accepted address\r\n'
    assert await call(camera, "action=list") == "Accept addresses: 127.0.0.2\r\nEnabled: yes\r\n"


async def test_changes_while_enabled_are_verified(camera: Camera) -> None:
    assert await call(camera, "action=add&ipaddress=127.0.0.1%20127.0.0.2&enable=yes") == "OK\r\n"
    reply = await call(camera, "action=remove&ipaddress=127.0.0.1")
    assert reply.startswith("Verification failed:")
    reply = await call(camera, "action=update&ipaddress=127.0.0.2")
    assert reply.startswith("Verification failed:")
    reply = await call(camera, "action=update&policy=deny")
    assert reply.startswith("Verification failed:")
    listed = "Accept addresses: 127.0.0.1 127.0.0.2\r\nEnabled: yes\r\n"
    assert await call(camera, "action=list") == listed
    assert await call(camera, "action=remove&ipaddress=127.0.0.2") == "OK\r\n"
    assert await call(camera, "action=list") == "Accept addresses: 127.0.0.1\r\nEnabled: yes\r\n"


async def test_changes_while_disabled_are_not_verified(camera: Camera) -> None:
    assert await call(camera, "action=add&ipaddress=10.0.0.1") == "OK\r\n"
    assert await call(camera, "action=update&ipaddress=10.0.0.2%2010.0.0.3") == "OK\r\n"
    assert await call(camera, "action=remove&ipaddress=10.0.0.2") == "OK\r\n"
    assert await call(camera, "action=list") == "Accept addresses: 10.0.0.3\r\nEnabled: no\r\n"
    # ...unless asked to.
    reply = await call(camera, "action=add&ipaddress=10.0.0.4&verify=yes")
    assert reply == 'Verification failed: IP address "127.0.0.1" is not an accepted address\r\n'
    assert await call(camera, "action=list") == "Accept addresses: 10.0.0.3\r\nEnabled: no\r\n"


async def test_switching_the_filter_off_always_passes_verification(
    camera: Camera, from_address: From
) -> None:
    """Issue 15 point 4: from an address the list does not hold, ``update&enable=no&verify=yes``
    and ``removeall&verify=yes`` lock nobody out, so they apply."""
    assert await call(camera, "action=add&ipaddress=127.0.0.1") == "OK\r\n"
    outsider = await from_address(camera, "127.0.0.2")
    reply = await outsider.get("/ipfilter.cgi?action=update&enable=no&verify=yes")
    assert reply.text == "OK\r\n"
    reply = await outsider.get(
        "/ipfilter.cgi?action=update&enable=no&ipaddress=10.0.0.9&verify=yes"
    )
    assert reply.text == "OK\r\n"
    assert await call(camera, "action=list") == "Accept addresses: 10.0.0.9\r\nEnabled: no\r\n"
    reply = await outsider.get("/ipfilter.cgi?action=removeall&verify=yes")
    assert reply.text == "OK\r\n"
    assert await call(camera, "action=list") == EMPTY
    # Enabling the same list from there is still refused: that would lock it out.
    assert await call(camera, "action=add&ipaddress=127.0.0.1") == "OK\r\n"
    reply = await outsider.get("/ipfilter.cgi?action=update&enable=yes")
    assert reply.text == (
        'Verification failed: IP address "127.0.0.2" is not an accepted address\r\n'
    )
    assert await call(camera, "action=list") == "Accept addresses: 127.0.0.1\r\nEnabled: no\r\n"


async def test_verify_no_may_lock_the_caller_out(camera: Camera, from_address: From) -> None:
    second = await from_address(camera, "127.0.0.2")
    reply = await second.get("/ipfilter.cgi?action=add&ipaddress=127.0.0.1&enable=yes&verify=no")
    assert reply.text == "OK\r\n"
    assert (await second.get(LIST)).status == 403
    assert await call(camera, "action=removeall") == "OK\r\n"
    assert (await second.get(LIST)).text == EMPTY


async def test_list_with_verify_shows_the_spec_line(camera: Camera, from_address: From) -> None:
    assert await call(camera, "action=add&ipaddress=10.13.10.12") == "OK\r\n"
    assert await call(camera, "action=list&verify=yes") == (
        "Accept addresses: 10.13.10.12\r\n"
        "Enabled: no\r\n"
        'Verification failed: IP address "127.0.0.1" is not an accepted address\r\n'
    )
    assert await call(camera, "action=add&ipaddress=127.0.0.0/24") == "OK\r\n"
    assert await call(camera, "action=list&verify=yes") == (
        "Accept addresses: 10.13.10.12 127.0.0.0/24\r\nEnabled: no\r\n"
    )


async def test_removeall_empties_and_disables(camera: Camera, from_address: From) -> None:
    query = "action=add&ipaddress=127.0.0.2%20127.0.0.3&policy=deny&enable=yes"
    assert await call(camera, query) == "OK\r\n"
    outsider = await from_address(camera, "127.0.0.2")
    assert (await outsider.get(LIST)).status == 403
    assert await call(camera, "action=removeall") == "OK\r\n"
    assert await call(camera, "action=list") == EMPTY  # policy back to allow
    assert (await outsider.get(LIST)).text == EMPTY


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Missing action (add, remove, removeall, update or list)"),
        ("action=delete", "Invalid action 'delete' (add, remove, removeall, update or list)"),
        ("action=add", "action=add needs ipaddress"),
        ("action=add&ipaddress=", "action=add needs ipaddress"),
        ("action=remove", "action=remove needs ipaddress"),
        ("action=update", "Nothing to update: give ipaddress, enable or policy"),
        ("action=add&ipaddress=10.1.2.3/33", "'10.1.2.3/33' has a prefix length above 32"),
        ("action=add&ipaddress=300.1.1.1", "'300.1.1.1' is not a valid IPv4 address"),
        ("action=add&ipaddress=1.2.3", "'1.2.3' is not an IPv4 address or network (a.b.c.d[/n])"),
        (
            "action=add&ipaddress=10.13.17.5/24",
            "'10.13.17.5/24' has host bits set (the network is 10.13.17.0/24)",
        ),
        (
            "action=add&ipaddress=10.0.0.1%2010.0.0.0/8%20bad",
            "'bad' is not an IPv4 address or network (a.b.c.d[/n])",
        ),
        (
            "action=add&ipaddress=10.0.0.1&enable=maybe",
            "Invalid enable 'maybe' (expected yes or no)",
        ),
        ("action=add&ipaddress=10.0.0.1&enable=YES", "Invalid enable 'YES' (expected yes or no)"),
        (
            "action=add&ipaddress=10.0.0.1&policy=block",
            "Invalid policy 'block' (expected allow or deny)",
        ),
        ("action=list&verify=perhaps", "Invalid verify 'perhaps' (expected yes or no)"),
        ("action=list&enable=yes", "Argument 'enable' is not valid with action=list"),
        (
            "action=removeall&ipaddress=10.0.0.1",
            "Argument 'ipaddress' is not valid with action=removeall",
        ),
        ("action=add&ipaddress=10.0.0.1&ip=10.0.0.2", "Argument 'ip' is not valid with action=add"),
        (
            "action=add&ipaddress=10.0.0.1&ipaddress=10.0.0.2",
            "Argument 'ipaddress' given more than once",
        ),
        ("action=remove&ipaddress=10.9.9.9", "10.9.9.9 is not in the list"),
    ],
)
async def test_bad_requests_are_refused_and_change_nothing(
    camera: Camera, query: str, message: str
) -> None:
    assert await call(camera, "action=add&ipaddress=10.0.0.1") == "OK\r\n"
    before = camera.device.params.group("Network.Filter")
    assert await call(camera, query) == f"Request failed: {message}\r\n"
    assert camera.device.params.group("Network.Filter") == before


async def test_the_filter_survives_a_restart(
    camera_factory: CameraFactory, from_address: From, tmp_path: Path
) -> None:
    data = tmp_path / "unit"
    first: Camera = await camera_factory(data_dir=data)
    assert await call(first, "action=add&ipaddress=127.0.0.1&enable=yes") == "OK\r\n"
    await first.server.stop()
    second: Camera = await camera_factory(data_dir=data)
    assert await call(second, "action=list") == "Accept addresses: 127.0.0.1\r\nEnabled: yes\r\n"
    assert (await (await from_address(second, "127.0.0.2")).get(LIST)).status == 403


async def test_param_cgi_refuses_a_malformed_list(camera: Camera) -> None:
    reply = await camera.get(
        "/axis-cgi/param.cgi?action=update&Network.Filter.Input.AcceptAddresses=1.2.3.4/40"
    )
    assert reply.text.startswith("# Error: "), reply.text
    assert camera.device.params.get("Network.Filter.Input.AcceptAddresses") == ""


async def test_ipv4_mapped_peers_are_filtered_as_ipv4(camera: Camera, from_address: From) -> None:
    """A dual-stack listener sees IPv4 clients as ``::ffff:a.b.c.d``; the filter must not."""
    sock = socket.create_server(("::", 0), family=socket.AF_INET6, dualstack_ipv6=True)
    runner = camera.server._runner
    assert runner is not None
    site = web.SockSite(runner, sock)
    await site.start()
    try:
        port = sock.getsockname()[1]
        assert await call(camera, "action=add&ipaddress=127.0.0.1&enable=yes") == "OK\r\n"
        for local, status, body in (
            ("127.0.0.1", 200, "Accept addresses: 127.0.0.1\r\nEnabled: yes\r\n"),
            ("127.0.0.2", 403, "403 Forbidden\n"),
        ):
            client = await from_address(camera, local)
            auth = aiohttp.encode_basic_auth("root", "pass")
            async with client.session.get(
                f"http://127.0.0.1:{port}{LIST}", headers={"Authorization": auth}
            ) as response:
                assert response.status == status, local
                assert await response.text() == body
    finally:
        await site.stop()


# ------------------------------------------------------ through param.cgi (issue 9, point 9)

UPDATE = "/axis-cgi/param.cgi?action=update&"
REFUSED = '# Error: Verification failed: IP address "127.0.0.1" is not an accepted address\r\n'


@pytest.mark.parametrize(
    "query",
    [
        "Network.Filter.Enabled=yes&Network.Filter.Input.AcceptAddresses=10.0.0.1",
        "root.Network.Filter.Input.AcceptAddresses=10.0.0.1&root.Network.Filter.Enabled=yes",
        "Network.Filter.Enabled=yes&Network.Filter.Input.Policy=deny"
        "&Network.Filter.Input.AcceptAddresses=127.0.0.0/8",
        "Image.I0.Name=Mixed&Network.Filter.Enabled=yes",  # an empty allow list: nobody
    ],
)
async def test_param_cgi_cannot_lock_the_caller_out(camera: Camera, query: str) -> None:
    before = camera.device.params.snapshot()
    reply = await camera.get(UPDATE + query)
    assert reply.status == 200
    assert reply.text == REFUSED
    assert camera.device.params.snapshot() == before  # all or nothing
    assert (await camera.get(LIST)).status == 200  # still let in


async def test_param_cgi_verifies_changes_of_an_enabled_filter(camera: Camera) -> None:
    ok = await camera.get(
        UPDATE
        + "Network.Filter.Input.AcceptAddresses=127.0.0.1%2010.0.0.1&Network.Filter.Enabled=yes"
    )
    assert ok.text == "OK\r\n"
    assert (
        await call(camera, "action=list")
        == "Accept addresses: 127.0.0.1 10.0.0.1\r\nEnabled: yes\r\n"
    )
    for query in (
        "Network.Filter.Input.AcceptAddresses=10.0.0.1",
        "Network.Filter.Input.Policy=deny",
    ):
        assert (await camera.get(UPDATE + query)).text == REFUSED
    # Switching it off always passes, whatever the list says.
    off = await camera.get(
        UPDATE + "Network.Filter.Enabled=no&Network.Filter.Input.AcceptAddresses=10.0.0.9"
    )
    assert off.text == "OK\r\n"
    # While it is off, the list may say anything: nothing can lock out.
    assert (await camera.get(UPDATE + "Network.Filter.Input.AcceptAddresses=10.0.0.1")).text == (
        "OK\r\n"
    )
