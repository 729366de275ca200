"""Every CGI of the system family refuses viewers, operators and anonymous callers (401)."""

from __future__ import annotations

import pytest

from tests.support import Camera

CALLS = [
    ("GET", "/axis-cgi/date.cgi?action=get"),
    ("GET", "/axis-cgi/date.cgi?action=set&year=2005"),
    ("POST", "/axis-cgi/admin/date.cgi?action=set&hour=1"),
    ("GET", "/axis-cgi/ipfilter.cgi?action=list"),
    ("GET", "/axis-cgi/ipfilter.cgi?action=add&ipaddress=10.0.0.1&enable=yes&verify=no"),
    ("GET", "/ipfilter.cgi?action=removeall"),
    ("GET", "/axis-cgi/systemlog.cgi"),
    ("GET", "/systemlog.cgi"),
]


@pytest.mark.parametrize(
    ("user", "groups"), [("viewer", "axview"), ("operator", "axoper:axview"), (None, "")]
)
async def test_below_admin_gets_401_and_nothing_changes(
    camera: Camera, user: str | None, groups: str
) -> None:
    if user is not None:
        await camera.add_user(user, "secret1", groups)
    offset = camera.device.clock.offset
    for method, path in CALLS:
        reply = await camera.request(method, path, user=user, password="secret1")
        assert reply.status == 401, (user, path)
        assert reply.body == b"401 Unauthorized\n"
        assert reply.headers.getall("WWW-Authenticate")
    assert camera.device.clock.offset == offset
    assert camera.device.params.group("Network.Filter") == {
        "Enabled": "no",
        "Input.AcceptAddresses": "",
        "Input.Policy": "allow",
    }


async def test_an_administrator_other_than_root_may_call_them(camera: Camera) -> None:
    await camera.add_user("admin", "secret1", "axadmin:axoper:axview")
    for path, start in (
        ("/axis-cgi/date.cgi?action=get", ""),
        ("/axis-cgi/ipfilter.cgi?action=list", "Accept addresses: "),
        ("/axis-cgi/systemlog.cgi", ""),
    ):
        reply = await camera.get(path, user="admin", password="secret1")
        assert reply.status == 200, path
        assert reply.text.startswith(start)


async def test_systemlog_is_get_only(camera: Camera) -> None:
    assert (await camera.post("/axis-cgi/systemlog.cgi")).status == 405
