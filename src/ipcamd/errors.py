"""The one hierarchy of domain errors.

Domain services raise these; the HTTP layer maps each to the reply the spec prescribes for the CGI
at hand. Nothing here knows about HTTP.
"""

from __future__ import annotations


class IpcamdError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidParameter(IpcamdError):
    """Raised when an argument or a parameter value fails validation (wrong type, range, syntax)."""


class NotFound(IpcamdError):
    """Raised when a named parameter, group, user, camera or recording does not exist."""


class Disabled(NotFound):
    """Raised when the named thing exists but is switched off (``Image.I<n>.Enabled=no``)."""


class AccessDenied(IpcamdError):
    """Raised when the caller's access level is below what the operation needs."""


class Conflict(IpcamdError):
    """Raised when the request contradicts the current state (duplicate user, group limit...)."""


class UploadTooLarge(InvalidParameter):
    """Raised when an uploaded file (or the whole upload body) is larger than the CGI accepts."""


class Busy(IpcamdError):
    """Raised when a resource is at capacity (viewer limit, too many motion clients)."""


class ReadOnly(IpcamdError):
    """Raised on an attempt to change a read-only parameter or a static group."""


class VerificationFailed(IpcamdError):
    """Raised when new IP filter settings would refuse the caller's own address (5.7.1)."""

    def __init__(self, address: str) -> None:
        super().__init__(f'IP address "{address}" is not an accepted address')
        self.address = address


class SourceUnavailable(IpcamdError):
    """Raised when a video source cannot be opened or stops delivering frames."""


class StreamClosed(IpcamdError):
    """Raised to consumers waiting on a video producer that is shutting down."""
