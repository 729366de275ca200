"""RTSP/1.0 messages on the wire (RFC 2326, with RFC 7826's stricter rules): pure functions.

A request head is read up to :data:`MAX_HEAD` bytes and parsed by :func:`parse_request`; a
reply is one ``bytes`` object from :func:`format_response`, so it goes out in one write (the
``axis`` library parses each read as one whole reply). Anything that cannot be read as a
request raises :class:`RtspError` with the status to answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

#: The largest request head (request line and headers) read before answering 400.
MAX_HEAD = 8192
#: The largest request body accepted (GET_PARAMETER / SET_PARAMETER bodies are read and dropped).
MAX_BODY = 65536
#: What OPTIONS answers in ``Public``.
METHODS = ("OPTIONS", "DESCRIBE", "SETUP", "PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER")
SERVER = "ipcamd"

REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    451: "Parameter Not Understood",
    453: "Not Enough Bandwidth",
    454: "Session Not Found",
    455: "Method Not Valid in This State",
    459: "Aggregate Operation Not Allowed",
    461: "Unsupported Transport",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    505: "RTSP Version Not Supported",
}

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_REQUEST_LINE = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) RTSP/([0-9]+\.[0-9]+)")


class RtspError(Exception):
    """Raised by a request's handling to answer it with ``status`` (and close the connection
    when ``close`` is set: the request could not be read, so nothing after it can be)."""

    def __init__(
        self,
        status: int,
        reason: str = "",
        *,
        headers: Sequence[tuple[str, str]] = (),
        close: bool = False,
    ) -> None:
        super().__init__(reason or REASONS.get(status, ""))
        self.status = status
        self.reason = reason
        self.headers = tuple(headers)
        self.close = close


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed request: method, URL, version, headers (names lower-cased), CSeq."""

    method: str
    url: str
    cseq: str
    headers: Mapping[str, str] = field(default_factory=dict)
    #: The body's length (read and dropped by the connection).
    content_length: int = 0

    def header(self, name: str) -> str | None:
        """A header's value by its name in any case."""
        return self.headers.get(name.lower())

    @property
    def session_id(self) -> str | None:
        """The ``Session`` header's id (without ``;timeout=…``)."""
        value = self.header("session")
        if value is None:
            return None
        return value.split(";", 1)[0].strip() or None


@dataclass(frozen=True, slots=True)
class Target:
    """What a request URL names: the presentation path, the track (if any) and the query.

    ``rtsp://cam/axis-media/media.amp/trackID=1?videocodec=h264`` →
    ``Target("/axis-media/media.amp", 1, {"videocodec": "h264"})``.
    """

    path: str
    track: int | None
    query: Mapping[str, str]


def parse_target(url: str) -> Target:
    """The presentation, track and arguments of a request URL (400 when it is no RTSP URL).

    A repeated argument is a 400, as the HTTP side answers one.
    """
    try:
        parts = urlsplit(url)
    except ValueError as err:
        raise RtspError(400, "Malformed URL") from err
    if parts.scheme.lower() not in ("rtsp", "rtspu", "rtsps") and not url.startswith("/"):
        raise RtspError(400, "Not an RTSP URL")
    path = parts.path or "/"
    track = None
    head, sep, tail = path.rpartition("/trackID=")
    if sep:
        if not tail.isdigit() or len(tail) > 3:
            raise RtspError(404, "No such track")
        path, track = head, int(tail)
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, errors="strict")
    except (ValueError, UnicodeDecodeError) as err:
        raise RtspError(400, "Invalid percent-encoding in the URL") from err
    query: dict[str, str] = {}
    for name, value in pairs:
        if name in query:
            raise RtspError(400, f"Argument '{name}' given twice")
        query[name] = value
    return Target(path.rstrip("/") or "/", track, query)


def parse_request(head: bytes) -> Request:
    """A request from its head (the bytes before the blank line, which is not included).

    Raises RtspError: 400 for anything unreadable (a CSeq-less request is answered 400 as
    RFC 7826 section 18.20 says), 505 for another protocol version.
    """
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RtspError(400, "Request is not UTF-8", close=True) from err
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    match = _REQUEST_LINE.fullmatch(lines[0])
    if match is None:
        raise RtspError(400, "Malformed request line", close=True)
    method, url, version = match.groups()
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not _TOKEN.fullmatch(name.strip()):
            raise RtspError(400, "Malformed header line", close=True)
        key = name.strip().lower()
        value = value.strip()
        if key in headers:
            # Repeated headers join as one comma list (RFC 2326 4.2); CSeq twice is an error.
            if key in ("cseq", "content-length", "session"):
                raise RtspError(400, f"Header {name.strip()} given twice", close=True)
            value = f"{headers[key]}, {value}"
        headers[key] = value
    cseq = headers.get("cseq", "")
    if not re.fullmatch(r"[0-9]{1,9}", cseq):
        raise RtspError(400, "Missing or malformed CSeq")
    if version != "1.0":
        raise RtspError(505)
    length = headers.get("content-length", "0")
    if not re.fullmatch(r"[0-9]{1,9}", length):
        raise RtspError(400, "Malformed Content-Length", close=True)
    if int(length) > MAX_BODY:
        raise RtspError(413, close=True)
    return Request(method, url, cseq, headers, int(length))


def cseq_of(head: bytes) -> str | None:
    """The CSeq of a request head that could not be parsed, to echo it in the error reply."""
    match = re.search(rb"(?im)^cseq[ \t]*:[ \t]*([0-9]{1,9})[ \t]*\r?$", head)
    return match.group(1).decode("ascii") if match else None


def format_response(
    status: int,
    cseq: str | None,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
) -> bytes:
    """One reply as bytes: status line, CSeq (echoed when known), ``Server``, the headers,
    then ``Content-Length`` and the body when there is one."""
    lines = [f"RTSP/1.0 {status} {REASONS.get(status, 'Error')}"]
    if cseq is not None:
        lines.append(f"CSeq: {cseq}")
    lines.append(f"Server: {SERVER}")
    lines += [f"{name}: {value}" for name, value in headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def error_body(error: RtspError) -> tuple[tuple[tuple[str, str], ...], bytes]:
    """Headers and body of an error reply: the reason as one ``text/plain`` line."""
    if not error.reason:
        return error.headers, b""
    line = error.reason.replace("\r", " ").replace("\n", " ")[:200] + "\r\n"
    return (*error.headers, ("Content-Type", "text/plain")), line.encode("utf-8", "replace")
