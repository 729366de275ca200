"""``restart.cgi``, ``factorydefault.cgi``, ``hardfactorydefault.cgi`` (spec 5.1.3, 5.1.4, 5.1.8).

Each answers first (``OK\\r\\n``, ``Connection: close``) and then asks the server to restart; the
reset itself runs while the device is stopped (see :mod:`ipcamd.system.lifecycle`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.http.caller import caller_name
from ipcamd.http.forms import read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import text, unavailable
from ipcamd.http.routing import Handler, Router
from ipcamd.system.defaults import hard_default, soft_default
from ipcamd.system.lifecycle import RestartRequest

if TYPE_CHECKING:
    from ipcamd.device import Device

_LOGGER = logging.getLogger(__name__)

OK = "OK\r\n"


def failed(reason: str, status: int = 400) -> web.Response:
    """``Request failed: <reason>\\r\\n`` (the shape date.cgi and ipfilter.cgi use)."""
    return text(f"Request failed: {reason}\r\n", status=status)


def too_large(err: Exception) -> web.Response:
    """A 413 ``Request failed`` that also closes the connection: the rest of an upload refused
    for its size is not worth reading (aiohttp would otherwise linger to drain it)."""
    response = failed(str(err), status=413)
    response.force_close()
    return response


async def answer_then_restart(request: web.Request, restart: RestartRequest) -> web.Response:
    """Send ``OK`` completely, close the connection, then hand ``restart`` to the server."""
    device = request.app[DEVICE]
    if not device.can_restart:
        raise unavailable("Request failed: this device cannot restart")
    response = text(OK)
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    device.request_restart(restart)
    return response


async def refuse_arguments(request: web.Request) -> web.Response | None:
    """The ``Request failed`` reply for a CGI that takes no argument but got one, else None."""
    args = await read_args(request)
    if len(args):
        return failed(f"Unknown argument '{args.names()[0]}'")
    return None


def _restarting(what: str, restart: Callable[[Device], RestartRequest]) -> Handler:
    """A handler that refuses any argument, logs who asked for ``what``, answers and restarts."""

    async def handle(request: web.Request) -> web.Response:
        refused = await refuse_arguments(request)
        if refused is not None:
            return refused
        _LOGGER.info("%s requested by %s", what, caller_name(request))
        return await answer_then_restart(request, restart(request.app[DEVICE]))

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
    """Register the restart and factory default CGIs (administrators only)."""
    router.add("restart.cgi", handle_restart, AccessLevel.ADMIN, head=False)
    router.add("factorydefault.cgi", handle_factory_default, AccessLevel.ADMIN, head=False)
    router.add("hardfactorydefault.cgi", handle_hard_factory_default, AccessLevel.ADMIN, head=False)
