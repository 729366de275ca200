"""``ipfilter.cgi`` (5.7): list and change the IP address filter.

Replies (always 200, ``text/plain``): ``OK\\r\\n``; the list
``Accept addresses: …\\r\\nEnabled: yes|no\\r\\n`` (5.7.2's two lines whatever the policy; the
policy shows in ``Network.Filter.Input.Policy``). Failures are raised; the route's shape writes
``Verification failed: IP address "<ip>" is not an accepted address\\r\\n`` and, for bad input,
``Request failed: <message>\\r\\n``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.auth.ipfilter import (
    Action,
    FilterPolicy,
    FilterRequest,
    FilterSettings,
    format_entries,
    normalize_peer,
    parse_entries,
)
from ipcamd.errors import InvalidParameter, VerificationFailed
from ipcamd.http.caller import caller_level, caller_name
from ipcamd.http.error_replies import REQUEST_FAILED
from ipcamd.http.forms import read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import shown, text
from ipcamd.http.routing import Router, acts_on

#: Which arguments each action takes besides ``action`` itself.
_ALLOWED: Final[Mapping[Action, tuple[str, ...]]] = MappingProxyType(
    {
        Action.ADD: ("ipaddress", "enable", "policy", "verify"),
        Action.REMOVE: ("ipaddress", "enable", "policy", "verify"),
        Action.UPDATE: ("ipaddress", "enable", "policy", "verify"),
        Action.REMOVEALL: ("verify",),
        Action.LIST: ("verify",),
    }
)
_YES_NO: Final[Mapping[str, bool]] = MappingProxyType({"yes": True, "no": False})


def format_list(settings: FilterSettings) -> str:
    """The reply to ``action=list``: exactly 5.7.2's two lines, under either policy."""
    return (
        f"Accept addresses: {format_entries(settings.networks)}\r\n"
        f"Enabled: {'yes' if settings.enabled else 'no'}\r\n"
    )


def _choice(values: dict[str, str], name: str, choices: Mapping[str, bool]) -> bool | None:
    raw = values.get(name)
    if raw is None:
        return None
    if raw not in choices:
        raise InvalidParameter(f"Invalid {name} '{shown(raw)}' (expected {' or '.join(choices)})")
    return choices[raw]


def _parse(values: dict[str, str]) -> tuple[FilterRequest, bool | None]:
    raw_action = values.get("action")
    if raw_action is None:
        raise InvalidParameter("Missing action (add, remove, removeall, update or list)")
    try:
        action = Action(raw_action)
    except ValueError as err:
        raise InvalidParameter(
            f"Invalid action '{shown(raw_action)}' (add, remove, removeall, update or list)"
        ) from err
    for name in values:
        if name != "action" and name not in _ALLOWED[action]:
            raise InvalidParameter(f"Argument '{shown(name)}' is not valid with action={action}")
    verify = _choice(values, "verify", _YES_NO)
    enabled = _choice(values, "enable", _YES_NO)
    allow = _choice(values, "policy", {"allow": True, "deny": False})
    policy = None if allow is None else FilterPolicy.ALLOW if allow else FilterPolicy.DENY
    raw_addresses = values.get("ipaddress")
    networks = None if raw_addresses is None else parse_entries(raw_addresses)
    if action in (Action.ADD, Action.REMOVE) and not networks:
        raise InvalidParameter(f"action={action} needs ipaddress")
    if action is Action.UPDATE and networks is None and enabled is None and policy is None:
        raise InvalidParameter("Nothing to update: give ipaddress, enable or policy")
    return FilterRequest(action, networks, enabled, policy), verify


async def handle(request: web.Request) -> web.StreamResponse:
    """Validate everything, then list or change the filter."""
    ip_filter = request.app[DEVICE].ip_filter
    peer = normalize_peer(request.remote)
    values: dict[str, str] = {}
    for name, value in await read_args(request):
        if name in values:
            raise InvalidParameter(f"Argument '{shown(name)}' given more than once")
        values[name] = value
    change, verify = _parse(values)
    if change.action is Action.LIST:
        reply = format_list(ip_filter.settings)
        if verify and not ip_filter.verify_current(peer):
            # 5.7.2's example: the list, then the verification's line.
            failed = VerificationFailed("unknown" if peer is None else str(peer))
            reply += REQUEST_FAILED.line_for(failed)
        return text(reply)
    await ip_filter.async_change(
        change,
        peer,
        verify=verify,
        level=caller_level(request),
        user=caller_name(request),
    )
    return text("OK\r\n")


def setup(router: Router) -> None:
    """Administrators only; every action but list changes the filter."""
    acting = [action.value for action in Action if action is not Action.LIST]
    router.add(
        "ipfilter.cgi",
        handle,
        AccessLevel.ADMIN,
        reply=REQUEST_FAILED,
        acts=acts_on("action", *acting),
    )
