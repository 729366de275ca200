"""Spec 5.3: ``com/ptz.cgi`` (viewer) and ``com/ptzconfig.cgi`` (administrator).

A command that succeeds answers ``204 No Content``, as real devices do; ``info=1``,
``whoami=1`` and ``query=…`` answer ``200`` with ``text/plain`` lines. A failure is a plain
status with its reason on one line (the ``STATUS`` shape): 400 for a bad argument or one the
camera's driver does not take, 404 for a camera or preset that does not exist, 403 for a
preset change above the caller's level, 409 for a locked head, 503 for a head that cannot be
reached (a missing serial device). Requests that only read (``info``, ``query``, ``whoami``)
may be made with HEAD; every other request acts.
"""

from __future__ import annotations

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.http.caller import caller_level, caller_name
from ipcamd.http.error_replies import STATUS
from ipcamd.http.forms import read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import text
from ipcamd.http.routing import ACTS, Router, acts_unless_only
from ipcamd.ptz.request import CONFIG_ARGUMENTS, PTZ_ARGUMENTS, READING, parse


async def handle_ptz(request: web.Request) -> web.Response:
    """Read (info, query, whoami) or act; checked whole before anything moves."""
    args = await read_args(request)
    parsed = parse(args, PTZ_ARGUMENTS)
    service = request.app[DEVICE].ptz
    if parsed.info or parsed.whoami or parsed.query:
        return text(await service.read(parsed))
    if not parsed.given():
        service.driver_of(parsed.camera or 1)  # NotFound for a camera that does not exist
        return web.Response(status=204)
    await service.act(parsed, caller_level(request), caller_name(request))
    return web.Response(status=204)


async def handle_ptzconfig(request: web.Request) -> web.Response:
    """Presets (set, remove, home) and the camera's OSD menu."""
    args = await read_args(request)
    parsed = parse(args, CONFIG_ARGUMENTS)
    service = request.app[DEVICE].ptz
    if not parsed.given():
        service.driver_of(parsed.camera or 1)
        return web.Response(status=204)
    await service.act(parsed, caller_level(request), caller_name(request))
    return web.Response(status=204)


def setup(router: Router) -> None:
    """ptz.cgi for viewers (HEAD only for its readings), ptzconfig.cgi for administrators."""
    router.add(
        "com/ptz.cgi", handle_ptz, AccessLevel.VIEWER, reply=STATUS, acts=acts_unless_only(*READING)
    )
    router.add("com/ptzconfig.cgi", handle_ptzconfig, AccessLevel.ADMIN, reply=STATUS, acts=ACTS)
