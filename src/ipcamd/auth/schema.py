"""The auth family's parameters: which HTTP authentication schemes are offered, whether anonymous
viewers may watch (``System.BoaProtViewer``, as Axis units name it), and the IP filter
(``Network.Filter.*``, the settings ``ipfilter.cgi`` changes)."""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.auth.authenticator import Policy
from ipcamd.auth.ipfilter import AddressList, FilterPolicy
from ipcamd.params.schema import SchemaPart, param
from ipcamd.params.types import Choice, YesNo

A = AccessLevel.ADMIN
#: ``System.BoaProtViewer``: ``password`` (every picture needs a login) or ``anonymous``.
VIEWER_PROTECTION = Choice(("password", "anonymous"))
FILTER_POLICY = Choice(tuple(policy.value for policy in FilterPolicy))


def schema_part() -> SchemaPart:
    """``Network.HTTP.AuthenticationPolicy``, ``Network.Filter.*`` and ``System.BoaProtViewer``."""
    return SchemaPart(
        groups={
            "System": [
                param(
                    "BoaProtViewer",
                    VIEWER_PROTECTION,
                    "password",
                    A,
                    A,
                    description="anonymous: snapshots and streams need no login (off by default).",
                ),
            ],
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
            ],
        }
    )
