"""A raw-socket HTTP client for the conformance tests: the bytes on the wire, nothing parsed away.

The spec shows replies byte for byte (status line, header lines, ``\\r\\n`` or ``\\n`` endings);
an HTTP library would normalise exactly what these tests must see. Every read is bounded by a
timeout, so a server that hangs fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from tests.support import ROOT_PASSWORD

#: Seconds any single exchange may take.
TIMEOUT = 10.0
#: The three places every CGI answers (spec 3.1.3 and real devices).
PREFIXES = ("/", "/axis-cgi/", "/axis-cgi/admin/")
VERSIONS = ("1.0", "1.1")
TEXT_PLAIN = "text/plain"
FORM = "application/x-www-form-urlencoded"
BOUNDARY_LINE = b"--myboundary\r\n"
MULTIPART = "multipart/x-mixed-replace;boundary=myboundary"


@dataclass
class RawReply:
    """One response as it came: status line, header lines in order, body bytes."""

    status_line: bytes
    header_lines: list[bytes]
    body: bytes

    @property
    def version(self) -> str:
        return self.status_line.split(b" ", 1)[0].decode("ascii")

    @property
    def status(self) -> int:
        return int(self.status_line.split(b" ", 2)[1])

    def headers(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in order."""
        wanted = name.lower().encode("ascii")
        values = []
        for line in self.header_lines:
            key, _, value = line.partition(b":")
            if key.strip().lower() == wanted:
                values.append(value.strip().decode("latin-1"))
        return values

    def header(self, name: str) -> str | None:
        """The one value of ``name`` (the test fails if it is repeated), or None."""
        values = self.headers(name)
        assert len(values) <= 1, f"{name} repeated: {values}"
        return values[0] if values else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def basic(user: str = "root", password: str = ROOT_PASSWORD) -> str:
    """An ``Authorization`` value for Basic auth."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def request_bytes(
    target: str,
    *,
    method: str = "GET",
    version: str = "1.0",
    user: str | None = "root",
    password: str = ROOT_PASSWORD,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> bytes:
    """The request as the spec's clients write it (``Host`` on HTTP/1.1 only)."""
    lines = [f"{method} {target} HTTP/{version}"]
    if version == "1.1":
        lines.append("Host: 127.0.0.1")
    if user is not None:
        lines.append(f"Authorization: {basic(user, password)}")
    extra = list(headers)
    if body and not any(k.lower() == "content-length" for k, _ in extra):
        extra.append(("Content-Length", str(len(body))))
    lines += [f"{k}: {v}" for k, v in extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def read_head(reader: asyncio.StreamReader) -> tuple[bytes, list[bytes]]:
    """Status line and header lines (each must end in ``\\r\\n``, as spec 3.1.2 says)."""
    raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    lines = raw[:-4].split(b"\r\n")
    for line in lines:
        assert b"\n" not in line, f"bare line ending in head: {raw!r}"
        assert b"\r" not in line, f"bare line ending in head: {raw!r}"
    return lines[0], lines[1:]


async def exchange(
    port: int,
    target: str,
    *,
    method: str = "GET",
    version: str = "1.0",
    user: str | None = "root",
    password: str = ROOT_PASSWORD,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> RawReply:
    """Send one request on a new connection and read the whole reply.

    HTTP/1.0: the body runs to the connection's close (the server must close it). HTTP/1.1 (a
    keep-alive connection): the body is exactly ``Content-Length`` bytes.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            request_bytes(
                target,
                method=method,
                version=version,
                user=user,
                password=password,
                headers=headers,
                body=body,
            )
        )
        status_line, header_lines = await read_head(reader)
        reply = RawReply(status_line, header_lines, b"")
        if method == "HEAD" or reply.status in (204, 304):
            return reply
        length = reply.header("Content-Length")
        if version == "1.1" and length is not None:
            reply.body = await asyncio.wait_for(reader.readexactly(int(length)), TIMEOUT)
        else:
            reply.body = await asyncio.wait_for(reader.read(), TIMEOUT)
            if length is not None:
                assert len(reply.body) == int(length), (length, reply.body[:200])
        return reply
    finally:
        writer.close()


async def send_bytes(port: int, data: bytes) -> bytes:
    """Write ``data`` verbatim on a new connection; all the server sends until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), TIMEOUT)
    finally:
        writer.close()


async def cgi(
    port: int, path: str, query: str, *, version: str = "1.0", post_as: str | None = None
) -> RawReply:
    """``path`` with the already percent-encoded ``query``: a GET, or (``post_as`` given) a POST
    whose body is the query with that Content-Type (:data:`FORM`, or :data:`TEXT_PLAIN` as the
    ``axis`` library sends it)."""
    if post_as is None:
        return await exchange(port, f"{path}?{query}", version=version)
    return await exchange(
        port,
        path,
        method="POST",
        version=version,
        headers=[("Content-Type", post_as)],
        body=query.encode(),
    )


def assert_text_200(reply: RawReply, version: str = "1.0") -> None:
    """``HTTP/1.x 200 OK`` with exactly one ``Content-Type: text/plain`` and a true length."""
    assert reply.status_line == f"HTTP/{version} 200 OK".encode(), reply.status_line
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert reply.header("Content-Length") == str(len(reply.body))
    assert reply.header("Transfer-Encoding") is None


def assert_text(reply: RawReply, body: bytes, version: str = "1.0") -> None:
    """:func:`assert_text_200`, and the body byte for byte."""
    assert_text_200(reply, version)
    assert reply.body == body, reply.body


@asynccontextmanager
async def open_raw(
    port: int, target: str, *, version: str = "1.0", user: str | None = "root"
) -> AsyncIterator[tuple[RawReply, asyncio.StreamReader]]:
    """A streaming request: the reply's head, and the reader positioned at the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request_bytes(target, version=version, user=user))
        status_line, header_lines = await read_head(reader)
        yield RawReply(status_line, header_lines, b""), reader
    finally:
        writer.close()


async def read_jpeg_part(reader: asyncio.StreamReader) -> bytes:
    """One ``<image>`` of spec 5.2.4.7, after its boundary line: headers, JPEG, ``\\r\\n``.

    The part's headers must be exactly ``Content-Type: image/jpeg`` then ``Content-Length``;
    the JPEG is exactly Content-Length bytes and is followed by ``\\r\\n``.
    """
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    lines = head[:-4].split(b"\r\n")
    assert lines[0] == b"Content-Type: image/jpeg", head
    assert lines[1].startswith(b"Content-Length: "), head
    assert len(lines) == 2, head
    length = int(lines[1].removeprefix(b"Content-Length: "))
    jpeg = await asyncio.wait_for(reader.readexactly(length), TIMEOUT)
    assert jpeg[:2] == b"\xff\xd8"
    assert jpeg[-2:] == b"\xff\xd9"
    assert await asyncio.wait_for(reader.readexactly(2), TIMEOUT) == b"\r\n"
    return jpeg
