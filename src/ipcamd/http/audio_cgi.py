"""Spec 5.8: audio/receive.cgi (singlepart and multipart streams) and audio/transmit.cgi.

receive.cgi streams without chunked transfer-encoding: the body runs until the connection
closes, as on real units. Singlepart is the MIME type of 5.8.1 and the blocks back to back;
multipart is ``multipart/x-mixed-replace;boundary=myboundary`` as 5.8.4's example writes it
(the boundary unquoted; its ``boundary=--<boundary>`` template would make the lines
``----myboundary``), each 240-byte block a part that ends with its boundary line.
transmit.cgi reads the POST body as it arrives and answers ``204 No Content`` once it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from ipcamd.access import AccessLevel
from ipcamd.audio.service import AudioService, Listener
from ipcamd.audio.talk import Talk
from ipcamd.audio.transmit import TransmitParser
from ipcamd.errors import StreamClosed, TimedOut
from ipcamd.http.error_replies import STATUS
from ipcamd.http.forms import read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import NO_CACHE, UntilCloseResponse
from ipcamd.http.routing import ACTS, READS, Router

_LOGGER = logging.getLogger(__name__)

BOUNDARY = b"myboundary"
DELIMITER = b"--" + BOUNDARY + b"\r\n"
MULTIPART = "multipart/x-mixed-replace;boundary=" + BOUNDARY.decode()
SINGLEPART = "singlepart"
#: Bytes read from a talker at a time (about half a second of µ-law).
READ_SIZE = 4096


def _audio(request: web.Request) -> AudioService:
    return request.app[DEVICE].audio


def multipart_part(mime: str, block: bytes) -> bytes:
    """``Content-Type: <mime>\\r\\n\\r\\n<block>\\r\\n--myboundary\\r\\n`` (5.8.4's ``<audio>``)."""
    return b"".join((f"Content-Type: {mime}\r\n\r\n".encode("ascii"), block, b"\r\n", DELIMITER))


async def handle_receive(request: web.Request) -> web.StreamResponse:
    """``audio/receive.cgi[?httptype=singlepart|multipart][&camera=N][&codec=…]``."""
    audio = _audio(request)
    args = await read_args(request)
    httptype = args.get("httptype")
    if httptype is None:
        httptype = audio.default_httptype()
    audio.check_httptype(httptype)
    camera, codec = args.get("camera"), args.get("codec")
    singlepart = httptype == SINGLEPART
    if request.method == "HEAD":  # the head a GET would get; no listener slot held
        _, fmt = audio.check_listen(camera, codec)
        head = fmt.codec.mime if singlepart else MULTIPART
        response = UntilCloseResponse(headers={"Content-Type": head, **NO_CACHE})
        response.force_close()
        with contextlib.suppress(ConnectionError):
            await response.prepare(request)
        return response
    with audio.listen(camera, codec) as listener:
        head = listener.codec.mime if singlepart else MULTIPART
        response = UntilCloseResponse(headers={"Content-Type": head, **NO_CACHE})
        response.force_close()
        # A listener that hangs up (even before the head goes out) just ends its stream.
        with contextlib.suppress(StreamClosed, ConnectionError):
            await response.prepare(request)
            if not singlepart:
                await response.write(DELIMITER)
            await _stream(response, listener, singlepart)
    return response


async def _stream(response: web.StreamResponse, listener: Listener, singlepart: bool) -> None:
    """Send the blocks as the producer makes them (real time), until either side ends."""
    mime = listener.codec.mime
    while True:
        blocks = await listener.next_blocks()
        if singlepart:
            await response.write(b"".join(blocks))
        else:
            await response.write(b"".join(multipart_part(mime, block) for block in blocks))


async def handle_transmit(request: web.Request) -> web.StreamResponse:
    """``POST audio/transmit.cgi``: the body (5.8.5) is decoded and played to the sink."""
    audio = _audio(request)
    parser = TransmitParser(request.headers.get("Content-Type"))
    talk = audio.begin_talk()
    try:
        while chunk := await _next_chunk(request, talk):
            for codec, data in parser.feed(chunk):
                await talk.play(codec, data)
        for codec, data in parser.finish():
            await talk.play(codec, data)
    finally:
        await talk.close()
    return web.Response(status=204, headers=NO_CACHE)


def _timed_out(talk: Talk) -> TimedOut:
    return TimedOut(
        f"Audio not received in time (Audio.ReceiverTimeout={talk.timeout * 1000:.0f} ms)"
    )


async def _next_chunk(request: web.Request, talk: Talk) -> bytes:
    """The next bytes of the body; empty at its end or when the talker hung up (a body of
    ``Content-Length: 9999999`` ends so). TimedOut once the talk lags too far behind."""
    remaining = talk.remaining()
    if remaining <= 0:
        raise _timed_out(talk)
    try:
        return await asyncio.wait_for(request.content.readany(), remaining)
    except TimeoutError:
        raise _timed_out(talk) from None
    except (ConnectionError, HttpProcessingError) as err:
        _LOGGER.debug("Talker gone: %s", err)
        return b""


async def on_shutdown(app: web.Application) -> None:
    """End every stream so the server can close its connections at once."""
    app[DEVICE].audio.close_streams()


def setup(router: Router) -> None:
    """Register the audio CGIs under every path real devices use."""
    viewer = AccessLevel.VIEWER
    router.add(
        "audio/receive.cgi", handle_receive, viewer, reply=STATUS, acts=READS, methods=("GET",)
    )
    router.add(
        "audio/transmit.cgi", handle_transmit, viewer, reply=STATUS, acts=ACTS, methods=("POST",)
    )
