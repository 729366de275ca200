"""``restart.cgi``, ``factorydefault.cgi``, ``hardfactorydefault.cgi`` (spec 5.1.3, 5.1.4, 5.1.8).

``restart.cgi`` answers first (``OK\\r\\n``, ``Connection: close``) and then asks the server to
restart. The factory defaults carry a state change: it runs while the device is stopped (see
:mod:`ipcamd.system.lifecycle`), and the CGI answers once it has committed, with its outcome
(``OK``, or ``Request failed: …`` with a 500 and nothing changed), before the unit opens again.
Failures are raised; the route's shape (:data:`ipcamd.http.error_replies.LIFECYCLE`) writes them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter, Unavailable
from ipcamd.http.caller import caller_name
from ipcamd.http.error_replies import LIFECYCLE
from ipcamd.http.forms import read_args
from ipcamd.http.keys import DEVICE, EXCHANGES
from ipcamd.http.replies import text
from ipcamd.http.routing import ACTS, Handler, Router
from ipcamd.system.defaults import hard_default, soft_default
from ipcamd.system.lifecycle import RestartRequest

if TYPE_CHECKING:
    from ipcamd.device import Device

_LOGGER = logging.getLogger(__name__)

OK = "OK\r\n"


def _restartable(request: web.Request) -> Device:
    device = request.app[DEVICE]
    if not device.can_restart:
        raise Unavailable("this device cannot restart")
    return device


def _ok() -> web.Response:
    response = text(OK)
    response.force_close()
    return response


async def answer_then_restart(request: web.Request, restart: RestartRequest) -> web.Response:
    """Send ``OK`` completely, close the connection, then hand ``restart`` to the server
    (a restart without a state change: there is no outcome to wait for)."""
    device = _restartable(request)
    response = _ok()
    await response.prepare(request)
    await response.write_eof()
    device.request_restart(restart)
    return response


async def apply_then_restart(request: web.Request, restart: RestartRequest) -> web.Response:
    """Hand ``restart`` to the server and answer ``OK`` once its state change has committed.

    The server stops every service and lets the other requests finish, runs the change in one
    transaction and tells this request the outcome before the unit opens again: a failure
    (``CommitFailed``, nothing changed) or a restart already under way (``Busy``) is raised.
    """
    device = _restartable(request)
    applied: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    request.app[EXCHANGES].keep()  # this request waits through the restart's drain
    device.request_restart(dataclasses.replace(restart, applied=applied))
    await applied
    return _ok()


async def refuse_arguments(request: web.Request) -> None:
    """Raise for a CGI that takes no argument but got one."""
    args = await read_args(request)
    if len(args):
        raise InvalidParameter(f"Unknown argument '{args.names()[0]}'")


def _restarting(what: str, restart: Callable[[Device], RestartRequest]) -> Handler:
    """A handler that refuses any argument, logs who asked for ``what``, and restarts: after
    answering, or (a state change) once the change committed."""

    async def handle(request: web.Request) -> web.Response:
        await refuse_arguments(request)
        _LOGGER.info("%s requested by %s", what, caller_name(request))
        wanted = restart(request.app[DEVICE])
        if wanted.apply is None:
            return await answer_then_restart(request, wanted)
        return await apply_then_restart(request, wanted)

    return handle


#: 5.1.8: restart the server; settings survive.
handle_restart = _restarting("Restart", lambda _device: RestartRequest("restart.cgi"))
#: 5.1.3: all parameters to defaults except the network identity; users kept.
handle_factory_default = _restarting(
    "Factory default",
    lambda device: RestartRequest("factory default", apply=soft_default(device.schema)),
)
#: 5.1.4: everything to defaults, users and service tables included.
handle_hard_factory_default = _restarting(
    "Hard factory default",
    lambda device: RestartRequest(
        "hard factory default", apply=hard_default(device.schema, device.config_tables)
    ),
)


def setup(router: Router) -> None:
    """Register the restart and factory default CGIs (administrators only; each call acts)."""
    for path, handler in (
        ("restart.cgi", handle_restart),
        ("factorydefault.cgi", handle_factory_default),
        ("hardfactorydefault.cgi", handle_hard_factory_default),
    ):
        router.add(path, handler, AccessLevel.ADMIN, reply=LIFECYCLE, acts=ACTS)
