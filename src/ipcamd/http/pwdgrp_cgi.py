"""``pwdgrp.cgi`` (spec 5.1.2) and ``usergroup.cgi``: user accounts.

Changing accounts needs root (the spec); ``action=get`` is also open to administrators, as on real
devices, because clients such as Home Assistant's read it with the account they were given.
Failures are raised; the route's shape (:data:`ipcamd.http.error_replies.PWDGRP`) writes them.
"""

from __future__ import annotations

import logging

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.auth.users import Group, User, UserStore
from ipcamd.errors import InvalidParameter
from ipcamd.http.caller import caller, caller_level, caller_name
from ipcamd.http.error_replies import PWDGRP
from ipcamd.http.forms import Args, read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.middlewares import unauthorized
from ipcamd.http.replies import text
from ipcamd.http.routing import READS, Router, acts_on

_LOGGER = logging.getLogger(__name__)

#: The actions that change accounts (root only; HEAD may not make them).
ACTING = ("add", "update", "remove")

_ROLE_LINES = (
    ("admin", Group.ADMIN),
    ("operator", Group.OPERATOR),
    ("viewer", Group.VIEWER),
    ("ptz", Group.PTZ),
)


def format_groups(users: list[User]) -> str:
    """The ``action=get`` reply: one ``role="user,user"`` line per role, as real devices give."""
    lines = []
    for role, group in _ROLE_LINES:
        members = [u.name for u in users if u.name == "root" or group in u.groups]
        lines.append(f'{role}="{",".join(members)}"\r\n')
    lines.append(f'digusers="{",".join(u.name for u in users)}"\r\n')
    return "".join(lines)


async def _modify(request: web.Request, users: UserStore, action: str, args: Args) -> web.Response:
    allowed = {
        "add": ("action", "user", "pwd", "grp", "sgrp", "comment"),
        "update": ("action", "user", "pwd", "grp", "sgrp", "comment"),
        "remove": ("action", "user"),
    }[action]
    unknown = args.unknown(allowed)
    if unknown:
        raise InvalidParameter(f"Unknown argument '{unknown[0]}' for action {action}")
    name = args.get("user")
    if not name:
        raise InvalidParameter("No user specified")
    if action == "add":
        password = args.get("pwd")
        if password is None:
            raise InvalidParameter("No password specified")
        await users.async_add(
            name,
            password,
            args.get("grp") or "axuser",
            args.get("sgrp") or "axview",
            args.get("comment") or "",
        )
        reply = f"Created account {name}.\r\n"
    elif action == "update":
        fields = [args.get(k) for k in ("pwd", "grp", "sgrp", "comment")]
        if all(f is None for f in fields):
            raise InvalidParameter("Nothing to update (pwd, grp, sgrp or comment)")
        pwd, grp, sgrp, comment = fields
        await users.async_update(name, pwd, grp, sgrp, comment)
        reply = f"Modified account {name}.\r\n"
    else:
        await users.async_remove(name)
        reply = f"Removed account {name}.\r\n"
    _LOGGER.info("Account %s: %s by %s", name, action, caller_name(request))
    return text(reply)


async def handle_pwdgrp(request: web.Request) -> web.Response:
    """Dispatch on ``action``."""
    args = await read_args(request)
    device = request.app[DEVICE]
    action = args.get("action")
    if action == "get":
        unknown = args.unknown(("action",))
        if unknown:
            raise InvalidParameter(f"Unknown argument '{unknown[0]}' for action get")
        return text(format_groups(device.users.all()))
    if action in ACTING:
        if caller_level(request) < AccessLevel.ROOT:
            raise unauthorized(device.authenticator)
        return await _modify(request, device.users, action, args)
    if action is None:
        raise InvalidParameter("No action specified (add, update, remove or get)")
    raise InvalidParameter(f"Unknown action '{action}' (add, update, remove or get)")


async def handle_usergroup(request: web.Request) -> web.Response:
    """The caller's name, then its groups: ``root\\nroot admin operator viewer ptz\\n``."""
    user = caller(request)
    if user is None:
        return text("anonymous\n\n")
    roles = [role for role, group in _ROLE_LINES if user.name == "root" or group in user.groups]
    return text(f"{user.name}\n{' '.join([user.primary_group, *roles])}\n")


def setup(router: Router) -> None:
    """Register pwdgrp.cgi and usergroup.cgi."""
    router.add(
        "pwdgrp.cgi",
        handle_pwdgrp,
        AccessLevel.ADMIN,
        reply=PWDGRP,
        acts=acts_on("action", *ACTING),
    )
    router.add("usergroup.cgi", handle_usergroup, AccessLevel.VIEWER, reply=PWDGRP, acts=READS)
