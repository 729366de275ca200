"""Typed keys for what the application and each request carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from ipcamd.auth.users import User
    from ipcamd.device import Device
    from ipcamd.http.exchanges import Exchanges
    from ipcamd.http.forms import Args
    from ipcamd.http.routing import RouteTable
    from ipcamd.http.uploads import UploadSlots

DEVICE: web.AppKey[Device] = web.AppKey("device")
ROUTES: web.AppKey[RouteTable] = web.AppKey("routes")
#: The requests being served (a restart lets them finish before it changes state).
EXCHANGES: web.AppKey[Exchanges] = web.AppKey("exchanges")
#: One upload of each kind at a time (firmware, restore), refused before its body is read.
UPLOADS: web.AppKey[UploadSlots] = web.AppKey("uploads")

#: The authenticated user of a request (None for an anonymous caller).
USER_KEY: web.RequestKey[User | None] = web.RequestKey("user")
#: The request's arguments, read once (query, then a POST's form body).
ARGS_KEY: web.RequestKey[Args] = web.RequestKey("args")
