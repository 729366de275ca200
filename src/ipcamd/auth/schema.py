"""The auth family's parameters: which HTTP authentication schemes are offered, and the IP filter
(``Network.Filter.*``, the settings ``ipfilter.cgi`` changes)."""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.auth.authenticator import Policy
from ipcamd.auth.ipfilter import AddressList, FilterPolicy
from ipcamd.params.schema import SchemaPart, param
from ipcamd.params.types import Choice, YesNo

A = AccessLevel.ADMIN
FILTER_POLICY = Choice(tuple(policy.value for policy in FilterPolicy))


def schema_part() -> SchemaPart:
    """``Network.HTTP.AuthenticationPolicy`` and ``Network.Filter.*``."""
    return SchemaPart(
        groups={
            "Network": [
                param(
                    "HTTP.AuthenticationPolicy",
                    Choice(tuple(policy.value for policy in Policy)),
                    Policy.BASIC_DIGEST.value,
                    A,
                    A,
                    description="Which HTTP authentication schemes are offered and accepted.",
                ),
                param(
                    "Filter.Enabled",
                    YesNo(),
                    "no",
                    A,
                    A,
                    description="The IP filter (ipfilter.cgi).",
                ),
                param("Filter.Input.AcceptAddresses", AddressList(), "", A, A),
                param("Filter.Input.Policy", FILTER_POLICY, FilterPolicy.ALLOW.value, A, A),
            ]
        }
    )
