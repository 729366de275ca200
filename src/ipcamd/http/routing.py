"""Route registration: every CGI under ``/``, ``/axis-cgi/`` and ``/axis-cgi/admin/``.

Each route declares, once and here:
- its **access level**: the auth middleware reads the level of the route that matched, so no
  path trick (``//``, ``..``, ``%2e``) can change who may call what;
- its **reply shape** (:mod:`ipcamd.http.error_replies`): the handler raises domain errors and
  the shape turns them into the spec's bytes;
- whether it **acts** (changes state) or only reads, for the whole route or per value of an
  argument (``param.cgi``'s ``action``). HEAD is safe (RFC 9110 9.2.1): every GET route answers
  HEAD as it answers GET, without the body, but the routing middleware answers HEAD of a request
  that would act with 405 and ``Allow``, before any handler runs;
- optionally, a higher level for its **acting requests** (``act_level``): ``io/port.cgi`` reads
  ports for viewers but switches outputs for operators only; the auth middleware asks for it
  (401 with challenges, like any level) when the request would act.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import IpcamdError
from ipcamd.http.error_replies import ReplyShape
from ipcamd.http.forms import Args, cached_args

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Where real devices serve the same CGIs.
CGI_PREFIXES = ("/", "/axis-cgi/", "/axis-cgi/admin/")
GET_POST = ("GET", "POST")


@dataclass(frozen=True)
class Acting:
    """Which requests to a route change state (and so may not be made with HEAD)."""

    #: Every request acts (restart.cgi, setosd.cgi, a PTZ move...).
    always: bool = False
    #: Otherwise: the argument whose value decides (``action``), if any.
    argument: str | None = None
    #: The values of ``argument`` that act; empty: any value does (io/output.cgi's ``action``).
    values: frozenset[str] = frozenset()
    #: Otherwise: arguments that only read; a request with any other argument acts (ptz.cgi:
    #: ``query``, ``info`` read, every command moves).
    reading: frozenset[str] | None = None

    def acts(self, args: Args) -> bool:
        """True when a request with ``args`` would change something."""
        if self.always:
            return True
        if self.reading is not None:
            return any(name not in self.reading for name in args.names())
        if self.argument is None:
            return False
        given = args.getall(self.argument)
        return bool(given) and (not self.values or any(v in self.values for v in given))


#: A route that only reads (snapshots, listings, logs).
READS = Acting()
#: A route whose every request acts.
ACTS = Acting(always=True)


def acts_unless_only(*reading: str) -> Acting:
    """A route whose requests act unless every argument is one of ``reading``."""
    return Acting(reading=frozenset(reading))


def acts_on(argument: str, *values: str) -> Acting:
    """A route that acts when ``argument`` is one of ``values`` (any value when none is named)."""
    return Acting(argument=argument, values=frozenset(values))


@dataclass(frozen=True)
class RouteSpec:
    """What a route declared: who may call it, how it fails, whether it acts."""

    level: AccessLevel
    reply: ReplyShape
    acting: Acting
    #: The level a request that acts needs, when higher than ``level`` (None: ``level``).
    act_level: AccessLevel | None = None
    #: A picture or stream anonymous viewers may watch when the unit lets them
    #: (``System.BoaProtViewer=anonymous``): snapshots and MJPEG, nothing else.
    anonymous_viewing: bool = False

    @property
    def levels_differ(self) -> bool:
        """True when acting requests need more than reading ones (the arguments decide)."""
        return self.act_level is not None and self.act_level > self.level

    def level_for(self, args: Args) -> AccessLevel:
        """The level a request with ``args`` needs."""
        if self.act_level is not None and self.acting.acts(args):
            return max(self.level, self.act_level)
        return self.level


@dataclass
class RouteTable:
    """The declaration of every registered route."""

    specs: dict[web.AbstractRoute, RouteSpec] = field(default_factory=dict)

    def spec_of(self, route: web.AbstractRoute | None) -> RouteSpec | None:
        """The declaration, or None for a route this table does not know."""
        return None if route is None else self.specs.get(route)

    def level_of(self, route: web.AbstractRoute | None) -> AccessLevel | None:
        """The declared level, or None for a route this table does not know."""
        spec = self.spec_of(route)
        return None if spec is None else spec.level


def request_action(request: web.Request) -> str | None:
    """The request's one ``action`` argument as read so far (None: absent, repeated, unread)."""
    args = cached_args(request)
    values = [] if args is None else args.getall("action")
    return values[0] if len(values) == 1 else None


def answering(handler: Handler, shape: ReplyShape) -> Handler:
    """``handler`` with its domain errors turned into ``shape``'s replies.

    An error raised after a streaming reply has sent its head is the handler's to end: the
    head is gone, so it cannot become a reply any more.
    """

    @functools.wraps(handler)
    async def run(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except IpcamdError as err:
            return shape.reply(err, request_action(request), cached_args(request) or ())

    return run


class Router:
    """Adds routes to an application and records their declarations."""

    def __init__(self, app: web.Application, table: RouteTable) -> None:
        self._app = app
        self._table = table

    def add(
        self,
        path: str,
        handler: Handler,
        level: AccessLevel,
        *,
        reply: ReplyShape,
        acts: Acting,
        act_level: AccessLevel | None = None,
        anonymous_viewing: bool = False,
        methods: Iterable[str] = GET_POST,
        prefixes: Iterable[str] = CGI_PREFIXES,
    ) -> None:
        """Register ``handler`` for ``path`` (relative, e.g. ``com/ptz.cgi``) under each prefix.

        ``reply`` and ``acts`` are required keywords, so no CGI can forget what HEAD may do or
        how it fails. ``act_level`` raises the level of the route's acting requests above
        ``level``.
        """
        shape = reply
        spec = RouteSpec(level, shape, acts, act_level, anonymous_viewing)
        methods = list(methods)
        if "GET" in methods and "HEAD" not in methods:
            methods.append("HEAD")
        wrapped = answering(handler, shape)
        for prefix in prefixes:
            resource = self._app.router.add_resource(prefix + path.lstrip("/"))
            for method in methods:
                self._table.specs[resource.add_route(method, wrapped)] = spec
