"""The aiohttp application: middlewares, routes of every CGI family, service lifetimes."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ipcamd.device import Device
from ipcamd.http import (
    backup_cgi,
    date_cgi,
    firmware_cgi,
    ipfilter_cgi,
    osd_cgi,
    param_cgi,
    ptz_cgi,
    pwdgrp_cgi,
    system_cgi,
    systemlog_cgi,
    video_cgi,
)
from ipcamd.http.exchanges import Exchanges
from ipcamd.http.keys import DEVICE, EXCHANGES, ROUTES
from ipcamd.http.middlewares import (
    auth_middleware,
    error_middleware,
    ip_filter_middleware,
    route_middleware,
)
from ipcamd.http.routing import Router, RouteTable
from ipcamd.notices import OncePer

#: Largest request body accepted by default; upload CGIs read their bodies as streams.
CLIENT_MAX_SIZE = 1024 * 1024

#: Seconds between two system log lines about refused requests from one address.
REFUSAL_LOG_INTERVAL = 600.0

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
            auth_middleware(device.authenticator, table),
        ],
        client_max_size=CLIENT_MAX_SIZE,
    )
    app[DEVICE] = device
    app[ROUTES] = table
    app[EXCHANGES] = exchanges
    router = Router(app, table)
    for module in CGI_MODULES:
        module.setup(router)

    async def lifetime(_app: web.Application) -> AsyncIterator[None]:
        await device.start()
        yield
        await device.stop()

    app.cleanup_ctx.append(lifetime)
    app.on_shutdown.append(video_cgi.on_shutdown)
    return app
