"""HEAD never changes state (RFC 9110 9.2.1): a request that would act gets 405 with ``Allow``.

Every acting request of every CGI that acts, under every prefix, sent as HEAD over a raw
socket: the reply is ``405`` with an ``Allow`` naming the route's other methods, and afterwards
the state is exactly what it was. (Reading requests answer HEAD as GET without the body:
``test_robustness.py``.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest

from ipcamd.video.service import OSD_SETTINGS
from tests.spec.raw import PREFIXES, TEXT_PLAIN, exchange
from tests.support import Camera

Snapshot = Callable[[Camera], Awaitable[object]]


async def _params(camera: Camera) -> object:
    return (await camera.get("/param.cgi?action=list")).body


async def _users(camera: Camera) -> object:
    return [(u.name, u.primary_group, u.groups, u.comment) for u in camera.device.users.all()], (
        await camera.get("/pwdgrp.cgi?action=get", user="ann", password="annpw1")
    ).status


async def _filter(camera: Camera) -> object:
    return camera.device.ip_filter.settings, await _params(camera)


async def _clock(camera: Camera) -> object:
    return camera.device.clock.now().year


async def _overlay(camera: Camera) -> object:
    video = camera.device.video
    osd = [video.setting("1", f"Text.{name}") for name in OSD_SETTINGS]
    return osd, await _params(camera)


async def _unit(camera: Camera) -> object:
    return camera.server.generation, camera.server.restarting, await _params(camera)


@dataclass(frozen=True)
class Acting:
    path: str
    query: str
    state: Snapshot

    def __str__(self) -> str:
        return f"{self.path}?{self.query}"


ACTING = [
    Acting("param.cgi", "action=update&Image.MaxViewers=7", _params),
    Acting("param.cgi", "action=add&group=Event&template=event&Event.E.Name=X", _params),
    Acting("param.cgi", "action=remove&group=StreamProfile.S0", _params),
    Acting("pwdgrp.cgi", "action=add&user=joe&pwd=secret1&grp=users&sgrp=axview", _users),
    Acting("pwdgrp.cgi", "action=update&user=ann&pwd=other1&comment=Changed", _users),
    Acting("pwdgrp.cgi", "action=remove&user=ann", _users),
    Acting("ipfilter.cgi", "action=add&ipaddress=10.0.0.2", _filter),
    Acting("ipfilter.cgi", "action=remove&ipaddress=10.0.0.1", _filter),
    Acting("ipfilter.cgi", "action=removeall", _filter),
    Acting("ipfilter.cgi", "action=update&ipaddress=10.0.0.3&policy=deny", _filter),
    Acting("date.cgi", "action=set&year=2005&month=4&day=3", _clock),
    Acting("setosd.cgi", "TextEnabled=yes&String=Gate", _overlay),
    Acting("setosd.cgi", "Commit=yes&DateEnabled=yes", _overlay),
    Acting("restart.cgi", "", _unit),
    Acting("factorydefault.cgi", "", _unit),
    Acting("hardfactorydefault.cgi", "", _unit),
]


async def _prepared(camera: Camera) -> None:
    """Something for every acting request to change: an account, a filter entry, a clock that
    may be set by hand."""
    await camera.add_user("ann", "annpw1", "axadmin:axoper:axview")
    assert (await camera.get("/ipfilter.cgi?action=add&ipaddress=10.0.0.1")).text == "OK\r\n"


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("acting", ACTING, ids=str)
async def test_head_of_an_acting_request_is_405_and_changes_nothing(
    camera: Camera, acting: Acting, prefix: str
) -> None:
    await _prepared(camera)
    before = await acting.state(camera)
    target = prefix + acting.path + (f"?{acting.query}" if acting.query else "")
    reply = await exchange(camera.server.port, target, method="HEAD")
    assert await acting.state(camera) == before
    assert reply.status_line == b"HTTP/1.0 405 Method Not Allowed"
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    allow = (reply.header("Allow") or "").split(",")
    assert "GET" in allow
    assert "HEAD" not in allow


@pytest.mark.parametrize("prefix", PREFIXES)
async def test_head_of_a_post_only_acting_cgi_is_405(camera: Camera, prefix: str) -> None:
    for path in ("restore.cgi", "firmwareupgrade.cgi"):
        reply = await exchange(camera.server.port, prefix + path, method="HEAD")
        assert reply.status == 405
        assert reply.header("Allow") == "POST"


@pytest.mark.parametrize(
    "target",
    [
        "/param.cgi?action=list&group=Image.MaxViewers",
        "/param.cgi?action=frob",
        "/param.cgi",
        "/pwdgrp.cgi?action=get",
        "/ipfilter.cgi?action=list&verify=yes",
        "/axis-cgi/admin/date.cgi?action=get",
        "/io/port.cgi?check=1,3",
        "/io/input.cgi?checkactive=1",
        "/io/port.cgi?checkdirection=4",
    ],
)
async def test_head_of_a_reading_action_is_the_head_of_get(camera: Camera, target: str) -> None:
    """The same CGIs read for other actions: HEAD answers exactly as GET, without the body."""
    get = await exchange(camera.server.port, target)
    head = await exchange(camera.server.port, target, method="HEAD")
    assert head.status_line == get.status_line == b"HTTP/1.0 200 OK"
    assert head.header("Content-Length") == get.header("Content-Length")
    assert head.body == b""


async def test_head_is_refused_before_authentication(camera: Camera) -> None:
    """Like the router's own 405: no challenge, the method is wrong for anyone."""
    reply = await exchange(
        camera.server.port, "/param.cgi?action=update&Image.MaxViewers=7", method="HEAD", user=None
    )
    assert reply.status == 405
    assert reply.header("WWW-Authenticate") is None
