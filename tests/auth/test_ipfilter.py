"""The IP filter's pure parts: parsing, normalising peers, applying changes, the verify default."""

from __future__ import annotations

import ipaddress

import pytest

from ipcamd.auth.ipfilter import (
    MAX_ENTRIES,
    Action,
    FilterPolicy,
    FilterRequest,
    FilterSettings,
    apply,
    format_entries,
    needs_verification,
    normalize_peer,
    parse_entries,
    verified,
)
from ipcamd.errors import InvalidParameter, NotFound

net = ipaddress.IPv4Network
addr = ipaddress.ip_address


def test_entries_round_trip_in_canonical_form() -> None:
    networks = parse_entries("10.13.10.12 10.13.17.0/24  10.0.0.1/32 10.13.10.12 0.0.0.0/0")
    assert networks == (
        net("10.13.10.12/32"),
        net("10.13.17.0/24"),
        net("10.0.0.1/32"),
        net("0.0.0.0/0"),
    )
    assert format_entries(networks) == "10.13.10.12 10.13.17.0/24 10.0.0.1 0.0.0.0/0"
    assert parse_entries("") == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10.1.2.3/33", "'10.1.2.3/33' has a prefix length above 32"),
        ("300.1.1.1", "'300.1.1.1' is not a valid IPv4 address"),
        ("010.1.1.1", "'010.1.1.1' is not a valid IPv4 address"),
        ("1.2.3", "'1.2.3' is not an IPv4 address or network (a.b.c.d[/n])"),
        ("1.2.3.4/", "'1.2.3.4/' is not an IPv4 address or network (a.b.c.d[/n])"),
        ("1.2.3.4/-1", "'1.2.3.4/-1' is not an IPv4 address or network (a.b.c.d[/n])"),
        ("1.2.3.4/100", "'1.2.3.4/100' is not an IPv4 address or network (a.b.c.d[/n])"),
        ("::1", "'::1' is not an IPv4 address or network (a.b.c.d[/n])"),
        ("host.example", "'host.example' is not an IPv4 address or network (a.b.c.d[/n])"),
        (
            "10.0.0.1,10.0.0.2",
            "'10.0.0.1,10.0.0.2' is not an IPv4 address or network (a.b.c.d[/n])",
        ),
        ("10.13.17.5/24", "'10.13.17.5/24' has host bits set (the network is 10.13.17.0/24)"),
        ("10.0.0.1\t10.0.0.2", "control characters are not allowed"),
    ],
)
def test_malformed_entries_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_entries(text)
    assert str(caught.value) == message


def test_the_list_is_bounded() -> None:
    many = " ".join(f"10.0.{i // 256}.{i % 256}" for i in range(MAX_ENTRIES + 1))
    with pytest.raises(InvalidParameter, match="at most 256"):
        parse_entries(many)


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("::ffff:10.1.2.3", "10.1.2.3"),
        ("::FFFF:127.0.0.2", "127.0.0.2"),
        ("10.1.2.3", "10.1.2.3"),
        ("::1", "::1"),
        ("2001:db8::1", "2001:db8::1"),
    ],
)
def test_peers_are_normalised(remote: str, expected: str) -> None:
    assert normalize_peer(remote) == addr(expected)


@pytest.mark.parametrize("remote", [None, "", "garbage", "10.1.2"])
def test_unusable_peers_are_none(remote: str | None) -> None:
    assert normalize_peer(remote) is None


def test_allow_and_deny_policies() -> None:
    networks = (net("10.13.17.0/24"),)
    allow = FilterSettings(networks, enabled=True, policy=FilterPolicy.ALLOW)
    deny = FilterSettings(networks, enabled=True, policy=FilterPolicy.DENY)
    inside, outside, v6 = addr("10.13.17.245"), addr("10.13.18.1"), addr("2001:db8::1")
    assert allow.allows(inside)
    assert not allow.allows(outside)
    assert not allow.allows(v6)  # an allow list holds IPv4 only
    assert not deny.allows(inside)
    assert deny.allows(outside)
    assert deny.allows(v6)
    assert not allow.allows(None)  # fail closed
    assert not deny.allows(None)
    assert FilterSettings(networks, enabled=False).allows(outside)
    assert FilterSettings(networks, enabled=False).allows(None)


def test_apply_each_action() -> None:
    a, b, c = net("10.0.0.1/32"), net("10.0.1.0/24"), net("10.0.2.0/24")
    current = FilterSettings((a, b), enabled=True, policy=FilterPolicy.DENY)
    assert apply(current, FilterRequest(Action.ADD, (b, c))).networks == (a, b, c)
    assert apply(current, FilterRequest(Action.REMOVE, (a,))).networks == (b,)
    updated = apply(current, FilterRequest(Action.UPDATE, (c,), enabled=False))
    assert updated == FilterSettings((c,), enabled=False, policy=FilterPolicy.DENY)
    policy_only = apply(current, FilterRequest(Action.UPDATE, policy=FilterPolicy.ALLOW))
    assert policy_only == FilterSettings((a, b), enabled=True, policy=FilterPolicy.ALLOW)
    cleared = apply(current, FilterRequest(Action.REMOVEALL))
    assert cleared == FilterSettings((), enabled=False, policy=FilterPolicy.ALLOW)
    with pytest.raises(NotFound, match=r"10\.0\.2\.0/24 is not in the list"):
        apply(current, FilterRequest(Action.REMOVE, (a, c)))


def test_verification_default_follows_the_risk() -> None:
    a = net("10.0.0.1/32")
    off = FilterSettings((a,), enabled=False)
    on = FilterSettings((a,), enabled=True)
    assert needs_verification(off, on)  # enabling
    assert needs_verification(on, FilterSettings((), enabled=True))  # changing while enabled
    assert needs_verification(on, FilterSettings((a,), True, FilterPolicy.DENY))
    assert not needs_verification(on, on)  # nothing changes
    assert not needs_verification(off, FilterSettings((), enabled=False))  # while disabled
    assert not needs_verification(on, off)  # disabling


@pytest.mark.parametrize(
    ("entries", "inside", "outside"),
    [
        ("0.0.0.0/0", ["0.0.0.0", "255.255.255.255", "10.1.2.3"], []),
        ("10.0.0.0/31", ["10.0.0.0", "10.0.0.1"], ["10.0.0.2", "9.255.255.255"]),
        ("10.0.0.7", ["10.0.0.7"], ["10.0.0.6", "10.0.0.8"]),
        ("192.168.0.0/16 10.0.0.7", ["192.168.255.1", "10.0.0.7"], ["192.169.0.0", "10.0.0.0"]),
    ],
)
def test_listed_matches_exactly_the_ranges(
    entries: str, inside: list[str], outside: list[str]
) -> None:
    settings = FilterSettings(parse_entries(entries), enabled=True)
    for peer in inside:
        assert settings.listed(addr(peer)), peer
    for peer in outside:
        assert not settings.listed(addr(peer)), peer


def test_only_what_can_lock_out_is_verified() -> None:
    """Issue 15 point 4: switching the filter off locks nobody out, so it always verifies; any
    other change is checked against the new list as if the filter were on."""
    outsider = addr("10.9.9.9")
    listed = FilterSettings((net("10.0.0.1/32"),), enabled=False)
    switch_off = FilterRequest(Action.UPDATE, enabled=False)
    assert verified(switch_off, apply(listed, switch_off), outsider)
    on_too = FilterSettings((net("10.0.0.1/32"),), enabled=True)
    assert verified(switch_off, apply(on_too, switch_off), outsider)
    replaced = FilterRequest(Action.UPDATE, (net("10.0.0.2/32"),), enabled=False)
    assert verified(replaced, apply(listed, replaced), outsider)
    removeall = FilterRequest(Action.REMOVEALL)
    assert verified(removeall, apply(on_too, removeall), outsider)
    # Not switching off: "would I get in once it is on?"
    add = FilterRequest(Action.ADD, (net("10.0.0.4/32"),))
    assert not verified(add, apply(listed, add), outsider)
    assert verified(add, apply(listed, add), addr("10.0.0.4"))
    enable = FilterRequest(Action.UPDATE, enabled=True)
    assert not verified(enable, apply(listed, enable), outsider)
    deny = FilterRequest(Action.UPDATE, policy=FilterPolicy.DENY)
    assert verified(deny, apply(listed, deny), outsider)
    assert not verified(deny, apply(listed, deny), addr("10.0.0.1"))
