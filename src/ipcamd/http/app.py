"""The aiohttp application: middlewares, routes of every CGI family, service lifetimes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web, web_response

from ipcamd import __version__
from ipcamd.device import Device
from ipcamd.http import (
    audio_cgi,
    backup_cgi,
    date_cgi,
    export_cgi,
    firmware_cgi,
    io_cgi,
    ipfilter_cgi,
    motion_cgi,
    osd_cgi,
    param_cgi,
    ptz_cgi,
    pwdgrp_cgi,
    scene_cgi,
    storage_cgi,
    system_cgi,
    systemlog_cgi,
    video_cgi,
    virtualinput_cgi,
)
from ipcamd.http.exchanges import Exchanges
from ipcamd.http.keys import DEVICE, EXCHANGES, ROUTES, UPLOADS
from ipcamd.http.middlewares import (
    auth_middleware,
    cross_site_middleware,
    error_middleware,
    ip_filter_middleware,
    route_middleware,
)
from ipcamd.http.routing import Router, RouteTable
from ipcamd.http.uploads import UploadSlots, remove_leftovers
from ipcamd.notices import OncePer

#: Largest request body accepted by default; upload CGIs read their bodies as streams.
CLIENT_MAX_SIZE = 1024 * 1024

#: Seconds between two system log lines about refused requests from one address.
REFUSAL_LOG_INTERVAL = 600.0

#: The ``Server`` header of every reply: the product token, nothing about Python or aiohttp.
#: aiohttp writes it from this attribute of its own when a reply does not set one, which also
#: covers the replies no handler makes (a request its parser refuses).
SERVER = f"ipcamd/{__version__}"
web_response.SERVER_SOFTWARE = SERVER  # type: ignore[attr-defined]

#: Replies other sites' pages may show in a frame: pictures and streams (snapshots, MJPEG).
_EMBEDDABLE = ("image/", "multipart/x-mixed-replace")
_NOT_FRAMED = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}


async def _framing(_request: web.Request, response: web.StreamResponse) -> None:
    """Every reply but a picture or a stream may not be framed by another page (clickjacking)."""
    if not response.content_type.startswith(_EMBEDDABLE):
        response.headers.update(_NOT_FRAMED)


#: One ``setup(router)`` per CGI family; each route declares its level, reply shape and acting.
CGI_MODULES = (
    param_cgi,
    pwdgrp_cgi,
    video_cgi,
    osd_cgi,
    date_cgi,
    ipfilter_cgi,
    systemlog_cgi,
    system_cgi,
    backup_cgi,
    firmware_cgi,
    io_cgi,
    virtualinput_cgi,
    audio_cgi,
    motion_cgi,
    scene_cgi,
    storage_cgi,
    export_cgi,
    ptz_cgi,
)


def create_app(device: Device) -> web.Application:
    """Build the application for ``device``; starting it starts the device's services."""
    table = RouteTable()
    exchanges = Exchanges()
    app = web.Application(
        middlewares=[
            exchanges.middleware(),
            error_middleware(),
            ip_filter_middleware(device.ip_filter, OncePer(REFUSAL_LOG_INTERVAL)),
            route_middleware(table),
            cross_site_middleware(table, OncePer(REFUSAL_LOG_INTERVAL)),
            auth_middleware(
                device.authenticator,
                table,
                lambda: device.params.get("System.BoaProtViewer") == "anonymous",
            ),
        ],
        client_max_size=CLIENT_MAX_SIZE,
    )
    app[DEVICE] = device
    app[ROUTES] = table
    app[EXCHANGES] = exchanges
    app[UPLOADS] = UploadSlots()
    router = Router(app, table)
    for module in CGI_MODULES:
        module.setup(router)

    async def lifetime(_app: web.Application) -> AsyncIterator[None]:
        await asyncio.to_thread(remove_leftovers, device.config.data_dir)
        await device.start()
        yield
        await device.stop()

    app.cleanup_ctx.append(lifetime)
    app.on_response_prepare.append(_framing)
    app.on_shutdown.append(video_cgi.on_shutdown)
    app.on_shutdown.append(audio_cgi.on_shutdown)
    return app
