"""Middlewares, outermost first: errors → IP filter → auth."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from ipcamd.access import AccessLevel
from ipcamd.auth.authenticator import Authenticator, Outcome
from ipcamd.auth.ipfilter import IPFilter, normalize_peer
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


def _router_error(request: web.Request) -> web.Response | None:
    """The router's own 404/405 as a one-line ``text/plain`` reply, like every other error."""
    error = request.match_info.http_exception
    if error is None:
        return None
    headers = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
    return web.Response(
        status=error.status,
        body=f"{error.status} {error.reason}\n".encode(),
        headers={**(headers or {}), "Content-Type": TEXT_PLAIN},
    )


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
        route = request.match_info.route
        level = table.level_of(route)
        if level is None:
            return _router_error(request) or await handler(request)
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
