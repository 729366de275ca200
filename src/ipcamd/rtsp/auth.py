"""Who an RTSP request comes from: the unit's users, levels, throttle and policy, through the
same :class:`Authenticator` as HTTP, worded as RTSP clients of cameras expect.

The challenge is what Axis cameras send, ``Digest realm="…", nonce="…", stale=FALSE`` (realm
first, nonce second, ``stale=`` present: the ``axis`` library's parser needs exactly that),
then ``Basic realm="…"`` when ``Network.HTTP.AuthenticationPolicy`` allows Basic. Without
``qop`` in the challenge, clients answer RFC 2069 style (no ``qop``, ``nc`` or ``cnonce``),
which is accepted here (MD5). The Digest ``uri`` is checked against the presentation the
request names rather than its request line: the ``axis`` library always puts the stream URL
there, also when it SETUPs a track's control URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ipcamd.access import AccessLevel
from ipcamd.auth.authenticator import Authenticator, Outcome
from ipcamd.auth.digest import parse_params
from ipcamd.auth.users import User
from ipcamd.rtsp.protocol import Request, RtspError


def presentation_path(url: str) -> str:
    """A URL's path without a ``/trackID=N`` suffix or query: what a Digest ``uri`` and the
    request line must agree on."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    return path.split("/trackID=", 1)[0].rstrip("/")


class RtspAuth:
    """Checks a request's ``Authorization`` and builds the 401 that asks for it."""

    def __init__(self, authenticator: Authenticator) -> None:
        self._authenticator = authenticator

    def challenges(self, *, stale: bool = False) -> list[tuple[str, str]]:
        """``WWW-Authenticate`` headers: Digest (as Axis words it), then Basic if allowed."""
        authenticator = self._authenticator
        policy = authenticator.policy
        headers = []
        if policy.digest:
            nonce = authenticator.digest.new_nonce()
            flag = "TRUE" if stale else "FALSE"
            value = f'Digest realm="{authenticator.realm}", nonce="{nonce}", stale={flag}'
            headers.append(("WWW-Authenticate", value))
        if policy.basic:
            headers.append(("WWW-Authenticate", f'Basic realm="{authenticator.realm}"'))
        return headers

    async def async_user(
        self, request: Request, address: str, level: AccessLevel = AccessLevel.VIEWER
    ) -> User:
        """The user ``request`` authenticates, at least at ``level``.

        Raises RtspError 401 (with the challenges) for no or wrong credentials, 403 for a user
        below ``level``, 503 while the address is locked out after repeated failures.
        """
        authorization = request.header("authorization")
        uri = request.url
        if authorization and authorization.lower().startswith("digest "):
            params = parse_params(authorization[7:]) or {}
            claimed = params.get("uri", "")
            if claimed and presentation_path(claimed) == presentation_path(request.url):
                uri = claimed
        result = await self._authenticator.async_authenticate(
            authorization, request.method, uri, address, rfc2069=True
        )
        if result.outcome is Outcome.LOCKED_OUT:
            retry = str(max(1, round(result.retry_after)))
            raise RtspError(503, "Too many failed logins", headers=[("Retry-After", retry)])
        if result.outcome is not Outcome.AUTHENTICATED or result.user is None:
            stale = result.outcome is Outcome.STALE
            raise RtspError(401, headers=self.challenges(stale=stale))
        if result.user.level < level:
            raise RtspError(403, f"User {result.user.name} may not watch")
        return result.user
