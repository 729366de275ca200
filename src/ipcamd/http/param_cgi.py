"""``param.cgi`` (spec 5.1.1): list, update, add and remove parameters.

Reply shapes, byte for byte from 5.1.1.2 and 5.1.1.6: list lines end in ``\\n``; ``<entry> OK``,
``OK`` and a remove's ``# Request failed`` end in ``\\r\\n``; an add's ``# Request failed`` ends in
``\\n``. All replies are 200 with ``Content-Type: text/plain``; failures are in the body.
"""

from __future__ import annotations

import logging

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import IpcamdError
from ipcamd.http.caller import caller_level, caller_name
from ipcamd.http.forms import Args, read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import one_line, text
from ipcamd.http.routing import Router
from ipcamd.params.store import ParamStore

_LOGGER = logging.getLogger(__name__)
ACTIONS = ("list", "update", "add", "remove")


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
            out.append(f"# Error: Error -1 getting param in group '{one_line(name)}'\n")
        else:
            out.append(f"{name}={value}\n")
    return "".join(out)


def _list(store: ParamStore, args: Args, level: AccessLevel) -> web.Response:
    unknown = args.unknown(("action", "group", "responseformat"))
    if unknown:
        return text(f"# Error: Unknown argument '{one_line(unknown[0])}' for action list\n")
    response_format = args.get("responseformat")
    if response_format not in (None, "rfc"):
        return text(f"# Error: Unknown responseformat '{one_line(response_format)}' (only rfc)\n")
    groups = split_groups(args.getall("group"))
    return text(format_list(store.list(groups or None, level)))


async def _update(request: web.Request, store: ParamStore, args: Args) -> web.Response:
    items = args.without("action")
    try:
        change = await store.async_update(items, caller_level(request), caller_name(request))
    except IpcamdError as err:
        return text(f"# Error: {one_line(str(err))}\r\n")
    _LOGGER.info(
        "Parameters updated by %s: %s", caller_name(request), ", ".join(sorted(change.values))
    )
    return text("OK\r\n")


async def _add(request: web.Request, store: ParamStore, args: Args) -> web.Response:
    group = args.get("group")
    template = args.get("template")
    force = args.get("force")
    if not group:
        return text("# Request failed: No group specified\n")
    if not template:
        return text("# Request failed: No template specified\n")
    if force not in (None, "yes", "no"):
        return text(f"# Request failed: Invalid value '{one_line(force)}' for force (yes or no)\n")
    items = args.without("action", "group", "template", "force")
    try:
        entry = await store.async_add(
            group,
            template,
            items,
            caller_level(request),
            force=force == "yes",
            user=caller_name(request),
        )
    except IpcamdError as err:
        return text(f"# Request failed: {one_line(str(err))}\n")
    _LOGGER.info("Group %s.%s added by %s", group, entry, caller_name(request))
    return text(f"{entry} OK\r\n")


async def _remove(request: web.Request, store: ParamStore, args: Args) -> web.Response:
    unknown = args.unknown(("action", "group"))
    if unknown:
        return text(
            f"# Request failed: Unknown argument '{one_line(unknown[0])}' for action remove\r\n"
        )
    groups = split_groups(args.getall("group"))
    if not groups:
        return text("# Request failed: No group specified\r\n")
    try:
        await store.async_remove(groups, caller_level(request), caller_name(request))
    except IpcamdError as err:
        return text(f"# Request failed: {one_line(str(err))}\r\n")
    _LOGGER.info("Groups %s removed by %s", ", ".join(groups), caller_name(request))
    return text("OK\r\n")


async def handle_param(request: web.Request) -> web.Response:
    """Dispatch on ``action``."""
    args = await read_args(request)
    store = request.app[DEVICE].params
    action = args.get("action")
    if action is None:
        return text("# Error: No action specified (list, update, add or remove)\n")
    if action == "list":
        return _list(store, args, caller_level(request))
    if action == "update":
        return await _update(request, store, args)
    if action == "add":
        return await _add(request, store, args)
    if action == "remove":
        return await _remove(request, store, args)
    return text(f"# Error: Unknown action '{one_line(action)}' (list, update, add or remove)\n")


def setup(router: Router) -> None:
    """Register param.cgi."""
    router.add("param.cgi", handle_param, AccessLevel.VIEWER)
