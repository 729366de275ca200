"""Route registration: every CGI under ``/``, ``/axis-cgi/`` and ``/axis-cgi/admin/``.

Each route declares its access level once, here; the auth middleware reads the level of the
route that matched, so no path trick (``//``, ``..``, ``%2e``) can change who may call what.
Every GET route also answers HEAD (the same handler; aiohttp drops the body), unless the route
says otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from aiohttp import web

from ipcamd.access import AccessLevel

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Where real devices serve the same CGIs.
CGI_PREFIXES = ("/", "/axis-cgi/", "/axis-cgi/admin/")
GET_POST = ("GET", "POST")


@dataclass
class RouteTable:
    """The access level of every registered route."""

    levels: dict[web.AbstractRoute, AccessLevel] = field(default_factory=dict)

    def level_of(self, route: web.AbstractRoute | None) -> AccessLevel | None:
        """The declared level, or None for a route this table does not know."""
        return None if route is None else self.levels.get(route)


class Router:
    """Adds routes to an application and records their access levels."""

    def __init__(self, app: web.Application, table: RouteTable) -> None:
        self._router = app.router
        self._table = table

    def add(
        self,
        path: str,
        handler: Handler,
        level: AccessLevel,
        *,
        methods: Iterable[str] = GET_POST,
        prefixes: Iterable[str] = CGI_PREFIXES,
        head: bool = True,
    ) -> None:
        """Register ``handler`` for ``path`` (relative, e.g. ``com/ptz.cgi``) under each prefix.

        ``head=False`` keeps HEAD off a GET route whose mere call acts (a restart), so a link
        checker or a client probing with HEAD never resets a unit.
        """
        methods = list(methods)
        if head and "GET" in methods and "HEAD" not in methods:
            methods.append("HEAD")
        for prefix in prefixes:
            resource = self._router.add_resource(prefix + path.lstrip("/"))
            for method in methods:
                route = resource.add_route(method, handler)
                self._table.levels[route] = level
