"""Middlewares, outermost first: exchanges → errors → IP filter → routes → cross-site → auth.

The exchanges middleware lives in :mod:`ipcamd.http.exchanges`; the routing middleware gives the
router's own answers (404, 405) and refuses HEAD of a request that would act, before anyone is
authenticated, as the route declared (:mod:`ipcamd.http.routing`); the cross-site middleware
refuses a request from another site's page that would act (CSRF), also before authentication.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Final
from urllib.parse import urlsplit

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


async def _deciding_args(request: web.Request) -> Args:
    """The arguments that decide whether a request acts; unreadable ones decide nothing: the
    handler answers them with its 400."""
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
            and spec.acting.acts(await _deciding_args(request))
        ):
            allowed = sorted({r.method for r in route.resource or ()} - {"HEAD"})
            return _status_line(405, "Method Not Allowed", ",".join(allowed))
        return await handler(request)

    return middleware


#: ``Sec-Fetch-Site`` values of a request made by another origin's page.
_OTHER_SITES = ("cross-site", "same-site")
_DEFAULT_PORTS: Final[Mapping[str, int]] = MappingProxyType({"http": 80, "https": 443})


def _same_origin(origin: str, host: str | None) -> bool:
    """True when ``Origin`` names the host and port the request was sent to (its ``Host``).

    Schemes are not compared, so a TLS proxy in front (``https://cam`` to ``Host: cam``) keeps
    working; a port left out means the default port of the origin's scheme on both sides.
    """
    if not host:
        return False
    try:
        sent, to = urlsplit(origin), urlsplit("//" + host)
        default = _DEFAULT_PORTS.get(sent.scheme.lower())
        return (
            default is not None
            and sent.hostname is not None
            and sent.hostname == to.hostname
            and (sent.port or default) == (to.port or default)
        )
    except ValueError:  # a port that is not a number
        return False


def from_another_site(request: web.Request) -> bool:
    """Whether a browser made this request for another site's page (``Origin`` or
    ``Sec-Fetch-Site`` say so). Clients that send neither (curl, ffmpeg, libraries) never are."""
    site = request.headers.get("Sec-Fetch-Site", "").lower()
    if site in _OTHER_SITES:
        return True
    origin = request.headers.get("Origin")
    return origin is not None and not _same_origin(origin, request.headers.get("Host"))


def cross_site_middleware(table: RouteTable, refusals: OncePer) -> Middleware:
    """403 for a request from another site that would act, as its route declares; it changes
    nothing and asks for no credentials. Reads (a snapshot in another site's page) pass."""

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if from_another_site(request):
            spec = table.spec_of(request.match_info.route)
            if spec is not None and spec.acting.acts(await _deciding_args(request)):
                peer = peer_address(request)
                if refusals.due(peer):
                    _LOGGER.warning(
                        "Cross-site request refused: %s %s from %s (Origin %s)",
                        request.method,
                        request.path,
                        peer,
                        request.headers.get("Origin", "none"),
                    )
                return _status_line(403, "Forbidden (cross-site request)")
        return await handler(request)

    return middleware


def unauthorized(authenticator: Authenticator, *, stale: bool = False) -> web.HTTPUnauthorized:
    """A 401 carrying every challenge the policy offers (a header each)."""
    error = http_error(web.HTTPUnauthorized, "401 Unauthorized")
    for challenge in authenticator.challenges(stale=stale):
        error.headers.add("WWW-Authenticate", challenge)
    return error


def auth_middleware(
    authenticator: Authenticator, table: RouteTable, anonymous_viewers: Callable[[], bool]
) -> Middleware:
    """Authenticate the caller and enforce the level the matched route declared.

    A caller without credentials may watch the routes that declare ``anonymous_viewing``
    while ``anonymous_viewers()`` says so (``System.BoaProtViewer=anonymous``), as a viewer;
    wrong credentials are still refused, and every other route is unchanged.
    """

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        spec = table.spec_of(request.match_info.route)
        if spec is None:
            return await handler(request)
        level = spec.level_for(await _deciding_args(request)) if spec.levels_differ else spec.level
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
        if (
            result.outcome is Outcome.NO_CREDENTIALS
            and spec.anonymous_viewing
            and anonymous_viewers()
        ):
            granted = AccessLevel.VIEWER
        if granted >= level:
            return await handler(request)
        raise unauthorized(authenticator, stale=result.outcome is Outcome.STALE)

    return middleware
