"""Typed keys for what the application and each request carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from ipcamd.auth.users import User
    from ipcamd.device import Device
    from ipcamd.http.routing import RouteTable

DEVICE: web.AppKey[Device] = web.AppKey("device")
ROUTES: web.AppKey[RouteTable] = web.AppKey("routes")

#: The authenticated user of a request (None for an anonymous caller).
USER_KEY: web.RequestKey[User | None] = web.RequestKey("user")
