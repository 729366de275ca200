"""``restart.cgi``, ``factorydefault.cgi``, ``hardfactorydefault.cgi`` (spec 5.1.3, 5.1.4, 5.1.8).

Each answers first (``OK\\r\\n``, ``Connection: close``) and then asks the server to restart; the
reset itself runs while the device is stopped (see :mod:`ipcamd.system.lifecycle`).
"""

from __future__ import annotations

import logging

from aiohttp import web

from ipcamd.auth.levels import AccessLevel
from ipcamd.http.caller import caller_name
from ipcamd.http.forms import read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import text, unavailable
from ipcamd.http.routing import Router
from ipcamd.system.defaults import hard_default, soft_default
from ipcamd.system.lifecycle import RestartRequest

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


async def _no_arguments(request: web.Request) -> web.Response | None:
    args = await read_args(request)
    if len(args):
        return failed(f"Unknown argument '{args.names()[0]}'")
    return None


async def handle_restart(request: web.Request) -> web.Response:
    """5.1.8: restart the server; settings survive."""
    refused = await _no_arguments(request)
    if refused is not None:
        return refused
    _LOGGER.info("Restart requested by %s", caller_name(request))
    return await answer_then_restart(request, RestartRequest("restart.cgi"))


async def handle_factory_default(request: web.Request) -> web.Response:
    """5.1.3: all parameters to defaults except the network identity; users kept."""
    refused = await _no_arguments(request)
    if refused is not None:
        return refused
    device = request.app[DEVICE]
    _LOGGER.info("Factory default requested by %s", caller_name(request))
    return await answer_then_restart(
        request, RestartRequest("factory default", apply=soft_default(device.schema))
    )


async def handle_hard_factory_default(request: web.Request) -> web.Response:
    """5.1.4: everything to defaults, users and service tables included."""
    refused = await _no_arguments(request)
    if refused is not None:
        return refused
    device = request.app[DEVICE]
    _LOGGER.info("Hard factory default requested by %s", caller_name(request))
    return await answer_then_restart(
        request,
        RestartRequest(
            "hard factory default", apply=hard_default(device.schema, device.config_tables)
        ),
    )


def setup(router: Router) -> None:
    """Register the restart and factory default CGIs (administrators only)."""
    router.add("restart.cgi", handle_restart, AccessLevel.ADMIN, head=False)
    router.add("factorydefault.cgi", handle_factory_default, AccessLevel.ADMIN, head=False)
    router.add("hardfactorydefault.cgi", handle_hard_factory_default, AccessLevel.ADMIN, head=False)
