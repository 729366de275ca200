"""The IP address filter (5.7): which peers may talk to the device at all.

The settings live in the parameter tree, as on real devices (``Network.Filter.Enabled``,
``Network.Filter.Input.AcceptAddresses``, ``Network.Filter.Input.Policy``), so backup, restore
and factory default cover them with everything else. :class:`IPFilter` keeps the parsed form of
the current settings (rebuilt on each change) and answers ``allows(peer)`` for every request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter, NotFound, VerificationFailed
from ipcamd.params.selection import strip_root
from ipcamd.params.store import ParamChange, ParamStore
from ipcamd.params.types import ParamType, reject_control_characters

_GROUP = "Network.Filter"
ENABLED = "Network.Filter.Enabled"
ADDRESSES = "Network.Filter.Input.AcceptAddresses"
POLICY = "Network.Filter.Input.Policy"
#: Most entries the list may hold (each request checks the peer against all of them).
MAX_ENTRIES = 256

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_ENTRY = re.compile(r"([0-9]{1,3}(?:\.[0-9]{1,3}){3})(?:/([0-9]{1,2}))?")


class FilterPolicy(StrEnum):
    """Whether the listed addresses are the only ones let in, or the ones kept out."""

    ALLOW = "allow"
    DENY = "deny"


def parse_entry(token: str) -> ipaddress.IPv4Network:
    """``10.13.10.12`` or ``10.13.17.0/24`` → a network; strict (no host bits, no octal)."""
    quoted = token if len(token) <= 40 else token[:40] + "..."
    match = _ENTRY.fullmatch(token)
    if match is None:
        raise InvalidParameter(f"'{quoted}' is not an IPv4 address or network (a.b.c.d[/n])")
    address, prefix = match.group(1), match.group(2)
    try:
        ipaddress.IPv4Address(address)
    except ValueError as err:
        raise InvalidParameter(f"'{quoted}' is not a valid IPv4 address") from err
    if prefix is not None and int(prefix) > 32:
        raise InvalidParameter(f"'{quoted}' has a prefix length above 32")
    try:
        return ipaddress.IPv4Network(f"{address}/{prefix or 32}", strict=True)
    except ValueError as err:
        network = ipaddress.IPv4Network(f"{address}/{prefix}", strict=False)
        raise InvalidParameter(f"'{quoted}' has host bits set (the network is {network})") from err


def parse_entries(text: str) -> tuple[ipaddress.IPv4Network, ...]:
    """A space-separated list of entries, duplicates dropped, order kept."""
    reject_control_characters(text)
    networks: list[ipaddress.IPv4Network] = []
    for token in text.split(" "):
        if token:
            network = parse_entry(token)
            if network not in networks:
                networks.append(network)
    if len(networks) > MAX_ENTRIES:
        raise InvalidParameter(f"at most {MAX_ENTRIES} addresses may be listed")
    return tuple(networks)


def format_entries(networks: Iterable[ipaddress.IPv4Network]) -> str:
    """Entries as listed: a single address without ``/32``, a network in CIDR notation."""
    return " ".join(str(n.network_address) if n.prefixlen == 32 else str(n) for n in networks)


def normalize_peer(remote: str | None) -> Address | None:
    """The peer address of a connection; an IPv4-mapped IPv6 address (``::ffff:a.b.c.d``) is
    the IPv4 address it carries. None when there is no usable address (not an IP socket)."""
    if not remote:
        return None
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class FilterSettings:
    """One state of the filter."""

    networks: tuple[ipaddress.IPv4Network, ...] = ()
    enabled: bool = False
    policy: FilterPolicy = FilterPolicy.ALLOW
    #: prefix length → network addresses as integers: one set lookup per distinct length.
    _index: dict[int, frozenset[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[int, set[int]] = {}
        for network in self.networks:
            index.setdefault(network.prefixlen, set()).add(int(network.network_address))
        object.__setattr__(self, "_index", {n: frozenset(v) for n, v in index.items()})

    def listed(self, peer: Address | None) -> bool:
        """True when ``peer`` falls in one of the entries (IPv6 peers never do)."""
        if not isinstance(peer, ipaddress.IPv4Address):
            return False
        value = int(peer)
        return any(
            (value & (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF) in networks
            for length, networks in self._index.items()
        )

    def allows(self, peer: Address | None) -> bool:
        """True when a request from ``peer`` may pass; an unknown peer passes only a disabled
        filter (fail closed)."""
        if not self.enabled:
            return True
        if peer is None:
            return False
        return self.listed(peer) == (self.policy is FilterPolicy.ALLOW)


class Action(StrEnum):
    """``ipfilter.cgi`` actions."""

    ADD = "add"
    REMOVE = "remove"
    REMOVEALL = "removeall"
    UPDATE = "update"
    LIST = "list"


@dataclass(frozen=True)
class FilterRequest:
    """A validated change: the action and whichever settings the request gave."""

    action: Action
    networks: tuple[ipaddress.IPv4Network, ...] | None = None
    enabled: bool | None = None
    policy: FilterPolicy | None = None


def apply(current: FilterSettings, request: FilterRequest) -> FilterSettings:
    """The settings after ``request``; raises (changing nothing) when it cannot apply.

    ``add`` appends (an entry already listed stays where it is), ``remove`` drops entries that
    must all be listed, ``update`` replaces the list when one is given, ``removeall`` empties it
    and disables the filter (back to a new unit's filter: policy ``allow``). ``enable`` and
    ``policy`` apply with any of add/remove/update.
    """
    networks = current.networks
    given = request.networks or ()
    if request.action is Action.ADD:
        networks = networks + tuple(n for n in given if n not in networks)
    elif request.action is Action.REMOVE:
        missing = [n for n in given if n not in networks]
        if missing:
            raise NotFound(f"{format_entries(missing)} is not in the list")
        networks = tuple(n for n in networks if n not in given)
    elif request.action is Action.UPDATE and request.networks is not None:
        networks = request.networks
    elif request.action is Action.REMOVEALL:
        return FilterSettings()
    # Otherwise (list, or update without ipaddress) the list stays as it is.
    if len(networks) > MAX_ENTRIES:
        raise InvalidParameter(f"at most {MAX_ENTRIES} addresses may be listed")
    return FilterSettings(
        networks,
        current.enabled if request.enabled is None else request.enabled,
        current.policy if request.policy is None else request.policy,
    )


def needs_verification(current: FilterSettings, new: FilterSettings) -> bool:
    """The automatic ``verify`` (5.7.1): yes when the change could lock someone out, that is
    when the new settings are enabled and differ from the current ones."""
    return new.enabled and new != current


def switches_off(request: FilterRequest) -> bool:
    """True for a change that leaves the filter off by its own choice (``enable=no``,
    ``removeall``): it can lock nobody out, so there is nothing to verify."""
    return request.action is Action.REMOVEALL or request.enabled is False


def lets_in(new: FilterSettings, peer: Address | None, *, switching_off: bool) -> bool:
    """The one verification (5.7.1), for ipfilter.cgi and param.cgi alike: would ``peer`` still
    get in? A change that switches the filter off always passes; any other is checked against
    the new list as if the filter were on (so ``add&verify=yes`` on a disabled filter answers
    "would I get in once it is on?")."""
    return switching_off or replace(new, enabled=True).allows(peer)


def verified(request: FilterRequest, new: FilterSettings, peer: Address | None) -> bool:
    """:func:`lets_in` for an ``ipfilter.cgi`` request."""
    return lets_in(new, peer, switching_off=switches_off(request))


def _verify(
    current: FilterSettings,
    new: FilterSettings,
    peer: Address | None,
    *,
    verify: bool | None,
    switching_off: bool,
) -> None:
    """Raise :class:`VerificationFailed` when the change must be verified (``verify``, or None:
    automatically, :func:`needs_verification`) and would lock ``peer`` out."""
    if verify is None:
        verify = needs_verification(current, new)
    if verify and not lets_in(new, peer, switching_off=switching_off):
        raise VerificationFailed(str(peer) if peer is not None else "unknown")


class IPFilter:
    """The current filter, kept in step with the parameters.

    Changes go through :meth:`async_change`.
    """

    def __init__(self, params: ParamStore) -> None:
        self._params = params
        self._lock = asyncio.Lock()
        self.settings = self._read()
        params.subscribe(_GROUP, self._on_change)

    def _read(self) -> FilterSettings:
        return FilterSettings(
            parse_entries(self._params.get(ADDRESSES)),
            self._params.get_bool(ENABLED),
            FilterPolicy(self._params.get(POLICY)),
        )

    def _on_change(self, _change: ParamChange) -> None:
        self.settings = self._read()

    def allows(self, peer: Address | None) -> bool:
        """True when a request from ``peer`` may pass the filter."""
        return self.settings.allows(peer)

    async def async_change(
        self,
        request: FilterRequest,
        peer: Address | None,
        *,
        verify: bool | None,
        level: AccessLevel,
        user: str | None,
    ) -> FilterSettings:
        """Apply ``request``; with verification (``verify`` None = automatic), refuse with
        :class:`VerificationFailed` and change nothing when ``peer`` could be locked out (see
        :func:`verified`)."""
        async with self._lock:
            current = self.settings
            new = apply(current, request)
            _verify(current, new, peer, verify=verify, switching_off=switches_off(request))
            items = [
                (name, value)
                for name, value, changed in (
                    (ENABLED, "yes" if new.enabled else "no", current.enabled != new.enabled),
                    (ADDRESSES, format_entries(new.networks), current.networks != new.networks),
                    (POLICY, new.policy.value, current.policy != new.policy),
                )
                if changed
            ]
            if items:
                await self._params.async_update(items, level, user)
            return new

    def governs(self, names: Iterable[str]) -> bool:
        """True when a parameter update of ``names`` (as a request spells them, ``root.`` and
        aliases included) touches the filter's settings."""
        return any(
            self._params.schema.canonical(strip_root(name)[0]).startswith(_GROUP + ".")
            for name in names
        )

    async def async_update_params(
        self,
        items: Sequence[tuple[str, str]],
        peer: Address | None,
        *,
        level: AccessLevel,
        user: str | None,
    ) -> ParamChange:
        """A ``param.cgi`` update that touches ``Network.Filter.*``: validated as any update,
        verified as ``ipfilter.cgi`` verifies automatically (the change is refused with
        :class:`VerificationFailed`, nothing changed, when it would lock ``peer`` out and does
        not switch the filter off), then applied whole."""
        async with self._lock:
            current = self.settings
            planned = self._params.plan_update(items, level).values
            new = FilterSettings(
                parse_entries(planned.get(ADDRESSES, self._params.get(ADDRESSES))),
                planned.get(ENABLED, self._params.get(ENABLED)) == "yes",
                FilterPolicy(planned.get(POLICY, self._params.get(POLICY))),
            )
            _verify(current, new, peer, verify=None, switching_off=not new.enabled)
            return await self._params.async_update(items, level, user)

    def verify_current(self, peer: Address | None) -> bool:
        """``list&verify=yes``: would ``peer`` pass the current list if the filter were on?"""
        return replace(self.settings, enabled=True).allows(peer)


@dataclass(frozen=True)
class AddressList(ParamType):
    """``Network.Filter.Input.AcceptAddresses``: space-separated IPv4 addresses and networks."""

    def validate(self, raw: str) -> str:
        """The list in one canonical spelling, so equal lists compare equal."""
        return format_entries(parse_entries(raw))

    def describe(self) -> str:
        """Shown in the error line when a list is refused."""
        return "space-separated IPv4 addresses and CIDR networks"
