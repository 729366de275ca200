"""The one table from domain errors to reply bytes, one shape per family of CGIs.

Each route declares its reply shape once, beside its access level (:mod:`ipcamd.http.routing`);
handlers raise :mod:`ipcamd.errors` and never format a failure. A shape is a line template and a
row per error class: the most specific class listed for an error (along its MRO) gives the status
and, where it differs, the line. The shapes are the spec's:

- ``param.cgi`` (5.1.1.2, 5.1.1.6): 200 with ``# Error: …`` or ``# Request failed: …``, the
  ending per action exactly as the spec prints it;
- ``pwdgrp.cgi``: 200 with ``# Error: …\\r\\n``;
- ``date.cgi`` (5.1.12.2) and ``ipfilter.cgi`` (5.7.2): 200 with ``Request failed: …\\r\\n``
  (and ``Verification failed: …\\r\\n``);
- the lifecycle CGIs (restart, defaults, backup, restore, firmware): ``Request failed: …\\r\\n``
  with a status that says what failed (400, 404, 409, 413 closing the connection, 500, 503);
- plain status codes with the reason as one line (image and video 5.2, I/O 5.5, motion 5.4.5):
  400, 404, 408, 409, 503…;
- the virtual input API's XML (``virtualinput/*.cgi``): 200 with a ``GeneralError`` code;
- the storage CGIs (5.9, Axis's edge storage API): 200 ``text/xml``, the failure as the CGI's
  own element with ``result="ERROR"`` (``<job …/>``, ``<remove …/>``…), or the export API's
  ``GeneralError`` with a numeric code (:class:`XmlShape`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from aiohttp import web

from ipcamd.errors import (
    AccessDenied,
    CommitFailed,
    Conflict,
    InvalidParameter,
    IpcamdError,
    MalformedRequest,
    NotFound,
    TimedOut,
    Unavailable,
    UploadTooLarge,
    VerificationFailed,
)
from ipcamd.http import storage_xml
from ipcamd.http.replies import one_line, shown, text
from ipcamd.http.virtualinput_xml import general_error
from ipcamd.io.virtual_inputs import InvalidDuration, MissingArgument, UnsupportedSchemaVersion

#: A request's arguments as a shape sees them (name, value pairs, in order).
Pairs = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Row:
    """How one error class reads in one shape."""

    status: int = 200
    #: The line with ``{}`` for the message; None: the shape's own line.
    line: str | None = None
    #: Close the connection after the reply (what the client still sends is not worth reading).
    close: bool = False


class ReplyShape(ABC):
    """How one family of CGIs words a failure."""

    @abstractmethod
    def reply(
        self, error: IpcamdError, action: str | None = None, args: Pairs = ()
    ) -> web.Response:
        """The whole reply to a request that failed with ``error``; ``action`` is the request's
        ``action`` argument (None when absent or repeated), ``args`` its arguments as read so
        far, for shapes that depend on them (the storage CGIs name the disk or recording)."""


def quoted(message: str) -> str:
    """A message as date.cgi and ipfilter.cgi quote it: printable ASCII, at most 200 characters."""
    return shown(message, 200)


#: Every shape answers a request it cannot read with a plain 400 (decisions: "HTTP edges").
_UNREADABLE: Mapping[type[IpcamdError], Row] = MappingProxyType(
    {MalformedRequest: Row(400, "{}\n")}
)


@dataclass(frozen=True, eq=False)  # a shape is itself: compared and hashed by identity
class TextShape(ReplyShape):
    """A ``text/plain`` reply of one line, ``line`` with the (cleaned) message in it."""

    line: str
    rows: Mapping[type[IpcamdError], Row]
    #: Makes a message safe to show on one line (control characters, length).
    clean: Callable[[str], str] = one_line
    _rows: Mapping[type[IpcamdError], Row] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if IpcamdError not in self.rows:
            raise ValueError("a reply shape must have a row for IpcamdError (its fallback)")
        object.__setattr__(self, "_rows", MappingProxyType({**_UNREADABLE, **self.rows}))

    def row(self, error: IpcamdError) -> Row:
        """The row of the most specific class of ``error`` this shape lists."""
        for cls in type(error).__mro__:
            found = self._rows.get(cls)
            if found is not None:
                return found
        raise TypeError(f"{type(error).__name__} is not an IpcamdError")

    def line_for(self, error: IpcamdError) -> str:
        """The body line for ``error`` (also used inside a reply, as ``list&verify=yes`` does)."""
        return (self.row(error).line or self.line).format(self.clean(str(error)))

    def reply(
        self, error: IpcamdError, action: str | None = None, args: Pairs = ()
    ) -> web.Response:
        """``line_for(error)`` with the row's status; the connection closed when it says so."""
        row = self.row(error)
        response = text(self.line_for(error), status=row.status)
        if row.close:
            response.force_close()
        return response


@dataclass(frozen=True, eq=False)
class ByAction(ReplyShape):
    """A shape chosen by the request's ``action`` (param.cgi's endings differ per action)."""

    actions: Mapping[str, ReplyShape]
    default: ReplyShape

    def reply(
        self, error: IpcamdError, action: str | None = None, args: Pairs = ()
    ) -> web.Response:
        """The reply of the shape for ``action`` (the default for none or an unknown one)."""
        shape = self.actions.get(action, self.default) if action is not None else self.default
        return shape.reply(error, action, args)


def _always(status: int = 200) -> Mapping[type[IpcamdError], Row]:
    return MappingProxyType({IpcamdError: Row(status)})


#: What a status code says, for the shapes whose status tells what failed.
_BY_STATUS: Mapping[type[IpcamdError], Row] = MappingProxyType(
    {
        IpcamdError: Row(400),
        NotFound: Row(404),
        AccessDenied: Row(403),
        Conflict: Row(409),
        VerificationFailed: Row(409),
        UploadTooLarge: Row(413, close=True),
        Unavailable: Row(503),
        TimedOut: Row(408, close=True),
        CommitFailed: Row(500),
    }
)

# --- param.cgi (5.1.1.2, 5.1.1.6): always 200, the failure in the body --------------------
#: list, and a request without (or with an unknown) action: ``# Error: …\n``.
PARAM_LIST = TextShape("# Error: {}\n", _always())
#: update (the spec shows no reply: the endings of add/remove's replies): ``# Error: …\r\n``;
#: an IP filter change that would lock the caller out says so as ipfilter.cgi does (5.7.2).
PARAM_UPDATE = TextShape(
    "# Error: {}\r\n",
    MappingProxyType(
        {
            IpcamdError: Row(200),
            VerificationFailed: Row(200, "# Error: Verification failed: {}\r\n"),
        }
    ),
)
#: add: ``# Request failed: …\n``, exactly as 5.1.1.6 prints it.
PARAM_ADD = TextShape("# Request failed: {}\n", _always())
#: remove: ``# Request failed: …\r\n``.
PARAM_REMOVE = TextShape("# Request failed: {}\r\n", _always())
PARAM = ByAction(
    MappingProxyType({"update": PARAM_UPDATE, "add": PARAM_ADD, "remove": PARAM_REMOVE}),
    PARAM_LIST,
)

#: pwdgrp.cgi (5.1.2; the spec shows no error reply): 200 with ``# Error: …\r\n``.
PWDGRP = TextShape("# Error: {}\r\n", _always())

#: date.cgi (5.1.12.2) and ipfilter.cgi (5.7.2): 200 with ``Request failed: …\r\n``; a refused
#: verification is the line 5.7.2 shows.
REQUEST_FAILED = TextShape(
    "Request failed: {}\r\n",
    MappingProxyType(
        {IpcamdError: Row(200), VerificationFailed: Row(200, "Verification failed: {}\r\n")}
    ),
    clean=quoted,
)

#: restart, factory defaults, backup, restore, firmware (5.1.3-5.1.8; the spec shows no reply):
#: ``Request failed: …\r\n`` with the status of what failed.
LIFECYCLE = TextShape("Request failed: {}\r\n", _BY_STATUS)

#: Plain status codes, the reason as one line: image and video (5.2), later I/O and motion.
STATUS = TextShape("{}\n", _BY_STATUS)


# --- XML APIs (virtual inputs, storage): 200 text/xml --------------------------------------

#: A failure as an XML reply: (error, the request's first value of each argument) → reply.
XmlRender = Callable[[IpcamdError, Mapping[str, str]], web.Response]


@dataclass(frozen=True, eq=False)
class XmlShape(ReplyShape):
    """A 200 ``text/xml`` reply whose document ``render`` makes from the error and the
    request's arguments (an unreadable request is still a plain 400)."""

    render: XmlRender

    def reply(
        self, error: IpcamdError, action: str | None = None, args: Pairs = ()
    ) -> web.Response:
        """The document, or a plain 400 for a request that could not be read."""
        if isinstance(error, MalformedRequest):
            return _UNREADABLE_SHAPE.reply(error)
        first: dict[str, str] = {}
        for name, value in args:
            first.setdefault(name, value)
        return self.render(error, first)


def code_for(codes: Mapping[type[IpcamdError], int], error: IpcamdError) -> int:
    """The code of the most specific class of ``error`` that ``codes`` lists (it must list
    :class:`IpcamdError`, the fallback): the numbered errors of Axis's XML APIs."""
    return next(codes[cls] for cls in type(error).__mro__ if cls in codes)


_UNREADABLE_SHAPE = TextShape("{}\n", _always(400))


def _result_shape(
    tag: str, names: Sequence[str], message: str = "description", **fixed: str
) -> XmlShape:
    """``<root><tag …fixed… …names from the request… result="ERROR" message="…"/></root>``."""

    def render(error: IpcamdError, args: Mapping[str, str]) -> web.Response:
        values = {**fixed, **{name: args.get(name, "") for name in names}}
        return storage_xml.xml_reply(
            storage_xml.result(tag, values, error=str(error), message=message)
        )

    return XmlShape(render)


def _mount_render(error: IpcamdError, args: Mapping[str, str]) -> web.Response:
    values = {"action": args.get("action", ""), "diskid": args.get("diskid", "")}
    return storage_xml.xml_reply(storage_xml.result("job", values, error=str(error)))


#: mount.cgi (5.9.1): Axis's ``<job action="mount" diskid="…" result="ERROR" description="…"/>``.
STORAGE_MOUNT = XmlShape(_mount_render)
#: format.cgi (5.9.2): ``<job action="format" …/>``.
STORAGE_FORMAT = _result_shape("job", ("diskid",), action="format")
#: job.cgi: ``<job jobid="…" diskid="…" action="N/A" progress="100" result="ERROR" …/>``.
STORAGE_JOB = _result_shape("job", ("jobid", "diskid"), action="N/A", progress="100")
#: list.cgi (5.9.3, 5.9.4): ``<list result="ERROR" description="…"/>``.
STORAGE_LIST = _result_shape("list", ())
#: remove.cgi (5.9.5): ``<remove recordingid="…" result="ERROR" errormsg="…"/>``.
STORAGE_REMOVE = _result_shape("remove", ("recordingid",), message="errormsg")
#: record.cgi: ``<record result="ERROR" errormsg="…"/>``.
STORAGE_RECORD = _result_shape("record", (), message="errormsg")
#: stop.cgi: ``<stop recordingid="…" result="ERROR" errormsg="…"/>``.
STORAGE_STOP = _result_shape("stop", ("recordingid",), message="errormsg")
#: lock.cgi: ``<lock diskid="…" result="ERROR" description="…"/>``.
STORAGE_LOCK = _result_shape("lock", ("diskid",))

#: The export API's error codes: 110 recording not found, 20 invalid request, 10 the rest.
_EXPORT_CODES: Mapping[type[IpcamdError], int] = MappingProxyType(
    {IpcamdError: 10, InvalidParameter: 20, NotFound: 110}
)


def _export_render(error: IpcamdError, _args: Mapping[str, str]) -> web.Response:
    return storage_xml.xml_reply(
        storage_xml.export_error(code_for(_EXPORT_CODES, error), str(error))
    )


#: exportrecording.cgi, properties.cgi, capabilities.cgi: ``<ExportRecordingResponse>`` with
#: ``<GeneralError><ErrorCode>…</ErrorCode><ErrorDescription>…</ErrorDescription>``.
STORAGE_EXPORT = XmlShape(_export_render)

#: virtualinput/activate.cgi, deactivate.cgi, getschemaversions.cgi: ``GeneralError`` codes
#: 10 missing argument, 20 no such input, 30 schema version, 50 bad duration, 40 the rest.
_VIRTUAL_INPUT_CODES: Mapping[type[IpcamdError], int] = MappingProxyType(
    {
        IpcamdError: 40,
        MissingArgument: 10,
        NotFound: 20,
        UnsupportedSchemaVersion: 30,
        InvalidDuration: 50,
    }
)
VIRTUAL_INPUT = XmlShape(
    lambda error, _args: general_error(code_for(_VIRTUAL_INPUT_CODES, error), str(error))
)
