"""Route declarations: every route says its level, reply shape and whether it acts."""

from __future__ import annotations

import pytest
from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.http.app import create_app
from ipcamd.http.error_replies import LIFECYCLE, PARAM, STATUS
from ipcamd.http.forms import Args
from ipcamd.http.keys import ROUTES
from ipcamd.http.routing import ACTS, READS, Router, RouteSpec, RouteTable, acts_on
from tests.support import Camera


async def _nothing(_request: web.Request) -> web.Response:
    return web.Response()


def test_a_route_that_declares_nothing_is_refused() -> None:
    router = Router(web.Application(), RouteTable())
    with pytest.raises(TypeError, match="reply"):
        router.add("new.cgi", _nothing, AccessLevel.VIEWER)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="acts"):
        router.add("new.cgi", _nothing, AccessLevel.VIEWER, reply=STATUS)  # type: ignore[call-arg]


def test_every_get_route_answers_head_under_every_prefix() -> None:
    app = web.Application()
    table = RouteTable()
    Router(app, table).add("x.cgi", _nothing, AccessLevel.ADMIN, reply=LIFECYCLE, acts=ACTS)
    methods = {(r.resource.canonical, r.method) for r in table.specs if r.resource is not None}
    for prefix in ("/", "/axis-cgi/", "/axis-cgi/admin/"):
        assert {(prefix + "x.cgi", m) for m in ("GET", "POST", "HEAD")} <= methods


@pytest.mark.parametrize(
    ("query", "acts"),
    [
        ([], False),
        ([("action", "list")], False),
        ([("action", "frob")], False),
        ([("action", "update")], True),
        ([("action", "list"), ("action", "remove")], True),
        ([("group", "update")], False),
    ],
)
def test_acting_by_the_value_of_an_argument(query: list[tuple[str, str]], acts: bool) -> None:
    assert acts_on("action", "update", "add", "remove").acts(Args(query)) is acts


def test_acting_always_never_and_on_any_value() -> None:
    assert ACTS.acts(Args([])) is True
    assert READS.acts(Args([("action", "update")])) is False
    output = acts_on("action")  # io/output.cgi: any action value drives an output
    assert output.acts(Args([("action", "1:/")])) is True
    assert output.acts(Args([("check", "1")])) is False


async def test_every_route_of_the_unit_is_declared(camera: Camera) -> None:
    app = create_app(camera.device)
    table = app[ROUTES]
    routes = [route for resource in app.router.resources() for route in resource]
    assert routes
    for route in routes:
        assert table.spec_of(route) is not None, route
    param = [spec for route, spec in table.specs.items() if "param.cgi" in str(route.resource)]
    assert {spec.reply for spec in param} == {PARAM}


def test_acting_requests_may_need_a_higher_level() -> None:
    """``io/port.cgi``: viewers read ports, switching an output needs an operator."""
    app = web.Application()
    table = RouteTable()
    Router(app, table).add(
        "io.cgi",
        _nothing,
        AccessLevel.VIEWER,
        reply=STATUS,
        acts=acts_on("action"),
        act_level=AccessLevel.OPERATOR,
    )
    (spec,) = set(table.specs.values())
    assert spec.levels_differ
    assert spec.level_for(Args([("check", "1")])) is AccessLevel.VIEWER
    assert spec.level_for(Args([("action", "1:/")])) is AccessLevel.OPERATOR
    assert not RouteSpec(AccessLevel.ADMIN, STATUS, ACTS).levels_differ
    assert (
        RouteSpec(AccessLevel.ADMIN, STATUS, ACTS, AccessLevel.VIEWER).level_for(Args([]))
        is AccessLevel.ADMIN
    )  # never lower than the route's own level
