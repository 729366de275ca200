"""The one hierarchy of domain errors.

Domain services raise these; the HTTP layer's error table (:mod:`ipcamd.http.error_replies`)
turns each into the reply the spec prescribes for the CGI at hand. Nothing here knows about
HTTP: a class says what went wrong, never which status or line shows it.
"""

from __future__ import annotations


class IpcamdError(Exception):
    """Base of every error the domain raises on purpose; its message is shown to the caller."""


class InvalidParameter(IpcamdError):
    """Raised when an argument or a parameter value fails validation (wrong type, range, syntax),
    when a request names an argument its CGI does not take, or lacks one it needs."""


class MalformedRequest(InvalidParameter):
    """Raised when a request cannot be read at all: percent-escapes or a body that are not UTF-8,
    too many arguments, an argument the CGI reads once given twice. Every reply shape answers it
    with a plain 400, whatever it answers other bad input with."""


class UploadTooLarge(InvalidParameter):
    """Raised when an uploaded file (or the whole upload body) is larger than the CGI accepts;
    the rest of the upload is not read."""


class NotFound(IpcamdError):
    """Raised when a named parameter, group, user, camera, address or recording does not exist."""


class Disabled(NotFound):
    """Raised when the named thing exists but is switched off (``Image.I<n>.Enabled=no``)."""


class AccessDenied(IpcamdError):
    """Raised when the caller's access level is below what the operation needs, or when nobody
    may do it (root's groups, removing root)."""


class ReadOnly(IpcamdError):
    """Raised on an attempt to change a read-only parameter or a static group."""


class Conflict(IpcamdError):
    """Raised when the request contradicts the current state (duplicate user, group limit, a
    clock synchronised elsewhere, another firmware upgrade pending)."""


class VerificationFailed(IpcamdError):
    """Raised when new IP filter settings would refuse the caller's own address (5.7.1)."""

    def __init__(self, address: str) -> None:
        super().__init__(f'IP address "{address}" is not an accepted address')
        self.address = address


class Unavailable(IpcamdError):
    """Raised when a service cannot serve the request now but may later (it is stopping,
    restarting, or cannot restart at all in this process)."""


class Busy(Unavailable):
    """Raised when a resource is at capacity (viewer limit, too many motion clients, a restart
    already under way)."""


class SourceUnavailable(Unavailable):
    """Raised when a video source cannot be opened or stops delivering frames."""


class StreamClosed(Unavailable):
    """Raised to consumers waiting on a video producer that is shutting down."""


class TimedOut(IpcamdError):
    """Raised when a client stops delivering what its request needs for longer than allowed
    (a transmit.cgi talker whose audio falls behind ``Audio.ReceiverTimeout``)."""


class CommitFailed(IpcamdError):
    """Raised when a state change could not be written to storage (an I/O or database failure
    during a restore or factory default); its transaction rolled back, so nothing changed."""
