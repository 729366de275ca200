"""Who is calling: the user the auth middleware put on the request."""

from __future__ import annotations

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.auth.users import User
from ipcamd.http.keys import USER_KEY


def caller(request: web.Request) -> User | None:
    """The authenticated user, or None for an anonymous caller."""
    return request.get(USER_KEY)


def caller_level(request: web.Request) -> AccessLevel:
    """The caller's access level (anonymous without credentials)."""
    user = caller(request)
    return AccessLevel.ANONYMOUS if user is None else user.level


def caller_name(request: web.Request) -> str | None:
    """The caller's user name, for logs."""
    user = caller(request)
    return None if user is None else user.name
