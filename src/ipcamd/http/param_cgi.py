"""``param.cgi`` (spec 5.1.1): list, update, add and remove parameters.

Replies byte for byte from 5.1.1.2 and 5.1.1.6: list lines end in ``\\n``; ``<entry> OK`` and
``OK`` end in ``\\r\\n``. Failures are raised as domain errors; the route's reply shape
(:data:`ipcamd.http.error_replies.PARAM`) writes them as the spec shows for each action, in a 200.
"""

from __future__ import annotations

import logging

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.auth.ipfilter import normalize_peer
from ipcamd.errors import InvalidParameter, NotFound
from ipcamd.http.caller import caller_level, caller_name
from ipcamd.http.error_replies import PARAM, PARAM_LIST
from ipcamd.http.forms import Args, read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import text
from ipcamd.http.routing import Router, acts_on
from ipcamd.params.selection import strip_root
from ipcamd.params.store import ParamStore

_LOGGER = logging.getLogger(__name__)
ACTIONS = ("list", "update", "add", "remove")
#: The actions that change the store (HEAD may not make them).
ACTING = ("update", "add", "remove")


def split_groups(values: list[str]) -> list[str]:
    """``group`` values → group names.

    Accepts repeated ``group=`` arguments, comma lists, and the spec's own
    ``group=Motion.M1,group=Motion.M2`` (5.4.2, 5.4.4), where ``group=`` repeats inside the value.
    """
    groups: list[str] = []
    for value in values:
        for raw in value.split(","):
            item = raw.strip().removeprefix("group=")
            if item:
                groups.append(item)
    return groups


def format_list(lines: list[tuple[str, str | None]]) -> str:
    """``name=value\\n`` per parameter; ``# Error: …\\n`` for a group that names nothing."""
    out = []
    for name, value in lines:
        if value is None:
            # The line real devices give, the table's list line (5.1.1.2).
            missing = NotFound(f"Error -1 getting param in group '{name}'")
            out.append(PARAM_LIST.line_for(missing))
        else:
            out.append(f"{name}={value}\n")
    return "".join(out)


def _list(store: ParamStore, args: Args, level: AccessLevel) -> web.Response:
    unknown = args.unknown(("action", "group", "responseformat"))
    if unknown:
        raise InvalidParameter(f"Unknown argument '{unknown[0]}' for action list")
    response_format = args.get("responseformat")
    if response_format not in (None, "rfc"):
        raise InvalidParameter(f"Unknown responseformat '{response_format}' (only rfc)")
    groups = split_groups(args.getall("group"))
    return text(format_list(store.list(groups or None, level)))


async def _update(request: web.Request, store: ParamStore, args: Args) -> web.Response:
    items = args.without("action", "group")
    # VMS clients (Nx Witness's Axis driver) name the group they update: accepted when every
    # parameter lies in it, refused otherwise.
    groups = [strip_root(g)[0] for g in split_groups(args.getall("group"))]
    for name, _ in items if groups else ():
        bare = strip_root(name)[0]
        if not any(bare == g or bare.startswith(g + ".") for g in groups):
            raise InvalidParameter(f"Parameter '{name}' is not in group '{','.join(groups)}'")
    ip_filter = request.app[DEVICE].ip_filter
    if ip_filter.governs(name for name, _ in items):
        # Verified as ipfilter.cgi verifies: the caller's own address must stay let in.
        change = await ip_filter.async_update_params(
            items,
            normalize_peer(request.remote),
            level=caller_level(request),
            user=caller_name(request),
        )
    else:
        change = await store.async_update(items, caller_level(request), caller_name(request))
    _LOGGER.info(
        "Parameters updated by %s: %s", caller_name(request), ", ".join(sorted(change.values))
    )
    return text("OK\r\n")


async def _add(request: web.Request, store: ParamStore, args: Args) -> web.Response:
    group = args.get("group")
    template = args.get("template")
    force = args.get("force")
    if not group:
        raise InvalidParameter("No group specified")
    if not template:
        raise InvalidParameter("No template specified")
    if force not in (None, "yes", "no"):
        raise InvalidParameter(f"Invalid value '{force}' for force (yes or no)")
    items = args.without("action", "group", "template", "force")
    entry = await store.async_add(
        group,
        template,
        items,
        caller_level(request),
        force=force == "yes",
        user=caller_name(request),
    )
    _LOGGER.info("Group %s.%s added by %s", group, entry, caller_name(request))
    return text(f"{entry} OK\r\n")


async def _remove(request: web.Request, store: ParamStore, args: Args) -> web.Response:
    unknown = args.unknown(("action", "group"))
    if unknown:
        raise InvalidParameter(f"Unknown argument '{unknown[0]}' for action remove")
    groups = split_groups(args.getall("group"))
    if not groups:
        raise InvalidParameter("No group specified")
    await store.async_remove(groups, caller_level(request), caller_name(request))
    _LOGGER.info("Groups %s removed by %s", ", ".join(groups), caller_name(request))
    return text("OK\r\n")


async def handle_param(request: web.Request) -> web.Response:
    """Dispatch on ``action``."""
    args = await read_args(request)
    store = request.app[DEVICE].params
    action = args.get("action")
    if action is None:
        raise InvalidParameter("No action specified (list, update, add or remove)")
    if action == "list":
        return _list(store, args, caller_level(request))
    if action == "update":
        return await _update(request, store, args)
    if action == "add":
        return await _add(request, store, args)
    if action == "remove":
        return await _remove(request, store, args)
    raise InvalidParameter(f"Unknown action '{action}' (list, update, add or remove)")


def setup(router: Router) -> None:
    """Register param.cgi: each parameter's own levels apply inside; update, add, remove act."""
    router.add(
        "param.cgi", handle_param, AccessLevel.VIEWER, reply=PARAM, acts=acts_on("action", *ACTING)
    )
