"""Middlewares, outermost first: exchanges → errors → IP filter → routes → auth.

The exchanges middleware lives in :mod:`ipcamd.http.exchanges`; the routing middleware gives the
router's own answers (404, 405) and refuses HEAD of a request that would act, before anyone is
authenticated, as the route declared (:mod:`ipcamd.http.routing`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from ipcamd.access import AccessLevel
from ipcamd.auth.authenticator import Authenticator, Outcome
from ipcamd.auth.ipfilter import IPFilter, normalize_peer
from ipcamd.errors import MalformedRequest
from ipcamd.http.forms import Args, read_args
from ipcamd.http.keys import USER_KEY
from ipcamd.http.replies import TEXT_PLAIN, http_error
from ipcamd.http.routing import RouteTable
from ipcamd.notices import OncePer

_LOGGER = logging.getLogger(__name__)


def peer_address(request: web.Request) -> str:
    """The connection's peer address (never a forwarded header); IPv4-mapped IPv6 as IPv4."""
    address = normalize_peer(request.remote)
    return "" if address is None else str(address)


def error_middleware() -> Middleware:
    """Turn any unexpected exception into a plain 500; never a traceback in a response."""

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except (ConnectionResetError, ConnectionAbortedError):
            raise
        except Exception:
            _LOGGER.exception("Unhandled error in %s %s", request.method, request.path)
            return web.Response(
                status=500, body=b"500 Internal Error\n", headers={"Content-Type": TEXT_PLAIN}
            )

    return middleware


def ip_filter_middleware(ip_filter: IPFilter, refusals: OncePer) -> Middleware:
    """Refuse (403) every request, to any path, whose peer the IP filter does not let in."""

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        peer = normalize_peer(request.remote)
        if ip_filter.allows(peer):
            return await handler(request)
        if refusals.due(peer):
            _LOGGER.warning("IP filter refused %s (%s %s)", peer, request.method, request.path)
        return web.Response(
            status=403, body=b"403 Forbidden\n", headers={"Content-Type": TEXT_PLAIN}
        )

    return middleware


def _status_line(status: int, reason: str, allow: str | None = None) -> web.Response:
    """A router-style error: ``<status> <reason>`` as one ``text/plain`` line."""
    headers = {"Allow": allow} if allow is not None else {}
    return web.Response(
        status=status,
        body=f"{status} {reason}\n".encode(),
        headers={**headers, "Content-Type": TEXT_PLAIN},
    )


def _router_error(request: web.Request) -> web.Response | None:
    """The router's own 404/405 as a one-line ``text/plain`` reply, like every other error."""
    error = request.match_info.http_exception
    if error is None:
        return None
    return _status_line(error.status, error.reason, error.headers.get("Allow"))


async def _head_args(request: web.Request) -> Args:
    """The arguments that decide whether a request acts (for HEAD: its query); an unreadable
    request decides nothing: the handler answers it with its 400, as it would a GET."""
    try:
        return await read_args(request)
    except MalformedRequest:
        return Args([])


def route_middleware(table: RouteTable) -> Middleware:
    """The router's 404/405, and 405 for HEAD of a request its route declares as acting.

    HEAD is safe (RFC 9110 9.2.1): it may read as GET does, never change state. ``Allow``
    lists the route's other methods, as the router's own 405 does.
    """

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        refused = _router_error(request)
        if refused is not None:
            return refused
        route = request.match_info.route
        spec = table.spec_of(route)
        if (
            request.method == "HEAD"
            and spec is not None
            and spec.acting.acts(await _head_args(request))
        ):
            allowed = sorted({r.method for r in route.resource or ()} - {"HEAD"})
            return _status_line(405, "Method Not Allowed", ",".join(allowed))
        return await handler(request)

    return middleware


def unauthorized(authenticator: Authenticator, *, stale: bool = False) -> web.HTTPUnauthorized:
    """A 401 carrying every challenge the policy offers (a header each)."""
    error = http_error(web.HTTPUnauthorized, "401 Unauthorized")
    for challenge in authenticator.challenges(stale=stale):
        error.headers.add("WWW-Authenticate", challenge)
    return error


def auth_middleware(authenticator: Authenticator, table: RouteTable) -> Middleware:
    """Authenticate the caller and enforce the level the matched route declared."""

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        spec = table.spec_of(request.match_info.route)
        if spec is None:
            return await handler(request)
        level = spec.level_for(await _head_args(request)) if spec.levels_differ else spec.level
        result = await authenticator.async_authenticate(
            request.headers.get("Authorization"),
            request.method,
            request.raw_path,
            peer_address(request),
        )
        if result.outcome is Outcome.LOCKED_OUT:
            raise http_error(
                web.HTTPTooManyRequests,
                "Too many failed logins; try again later",
                {"Retry-After": str(int(result.retry_after) + 1)},
            )
        if result.outcome is Outcome.FAILED:
            _LOGGER.warning(
                "Failed login for %r from %s: %s",
                result.claimed,
                peer_address(request),
                result.reason,
            )
        request[USER_KEY] = result.user
        granted = result.user.level if result.user is not None else AccessLevel.ANONYMOUS
        if granted >= level:
            return await handler(request)
        raise unauthorized(authenticator, stale=result.outcome is Outcome.STALE)

    return middleware
