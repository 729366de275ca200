"""Spec 5.2: imagesize.cgi, videostatus.cgi, JPEG snapshots and MJPEG streams.

Snapshots are ``Content-Type: image/jpeg`` exactly (motionEye compares the whole header) with
a ``Content-Length``. Streams are ``multipart/x-mixed-replace;boundary=myboundary`` (the boundary
unquoted and the only parameter: ZoneMinder), without chunked transfer-encoding: the body runs
until the connection closes, as on real cameras, which every MJPEG parser understands.
"""

from __future__ import annotations

import contextlib
import logging
import re

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter
from ipcamd.http.error_replies import STATUS
from ipcamd.http.forms import Args, read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import NO_CACHE, UntilCloseResponse, text
from ipcamd.http.routing import CGI_PREFIXES, GET_POST, READS, Handler, Router
from ipcamd.video.fanout import bound_send_queue
from ipcamd.video.mjpeg import CONTENT_TYPE, DELIMITER
from ipcamd.video.options import KNOWN
from ipcamd.video.producer import StreamClosed
from ipcamd.video.service import VideoService

_LOGGER = logging.getLogger(__name__)

JPEG = "image/jpeg"
MULTIPART = CONTENT_TYPE
MAX_INPUT = 41


def _video(request: web.Request) -> VideoService:
    return request.app[DEVICE].video


def _known_args(args: Args) -> dict[str, str]:
    """The arguments the CGIs understand (each at most once; others are ignored)."""
    values = {}
    for name in KNOWN:
        value = args.get(name)
        if value is not None:
            values[name] = value
    return values


def _peer(request: web.Request) -> str:
    """``127.0.0.1:5555`` (``[::1]:5555``): who a consumer handle serves."""
    peername = request.transport.get_extra_info("peername") if request.transport else None
    if isinstance(peername, tuple) and len(peername) >= 2:
        host, port = peername[0], peername[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return request.remote or "unknown"


async def handle_image(request: web.Request) -> web.StreamResponse:
    """``/jpg[/<camera>]/image.jpg``, ``image.cgi``, ``jpg/image.cgi``: one JPEG."""
    video = _video(request)
    args = _known_args(await read_args(request))
    camera = request.match_info.get("camera")
    encoded = await video.snapshot(camera, args, name=f"snapshot {_peer(request)}")
    response = web.Response(body=encoded.data, headers=NO_CACHE)
    response.headers["Content-Type"] = JPEG
    return response


async def handle_mjpeg(request: web.Request) -> web.StreamResponse:
    """``/mjpg[/<camera>]/video.mjpg``, ``mjpg/video.cgi``: a multipart JPEG stream.

    The head and the opening delimiter go out through aiohttp; then the connection's
    transport is handed to the video pipeline, whose profile writes every part to it
    (:meth:`~ipcamd.video.stream.Subscription.send_mjpeg`), and this handler only waits
    until the stream is over.
    """
    video = _video(request)
    args = _known_args(await read_args(request))
    camera = request.match_info.get("camera")
    subscription = video.open_stream(camera, args, name=f"viewer {_peer(request)}")
    with subscription:
        response = UntilCloseResponse(headers={"Content-Type": MULTIPART, **NO_CACHE})
        response.force_close()
        # A client that hangs up, even before the head goes out, just ends its stream.
        with contextlib.suppress(StreamClosed, ConnectionError):
            await response.prepare(request)
            if request.method == "HEAD":
                return response  # the headers a GET would get; no body
            await response.write(DELIMITER)
            transport = request.transport
            if transport is None or transport.is_closing():
                return response
            bound_send_queue(transport)
            await subscription.send_mjpeg(transport).wait()
    return response


async def handle_imagesize(request: web.Request) -> web.Response:
    """``imagesize.cgi?camera=N[&resolution=…&rotation=…]``: the size a snapshot would have."""
    video = _video(request)
    args = _known_args(await read_args(request))
    if "camera" not in args:
        raise InvalidParameter("The camera argument is required (1, 2, 3, 4 or quad)")
    width, height = video.options(None, args).spec.output_size
    return text(f"image width = {width}\nimage height = {height}\n")


async def handle_videostatus(request: web.Request) -> web.Response:
    """``videostatus.cgi?status=1,2,3,4``: ``Video N = video`` or ``no video`` per input."""
    args = await read_args(request)
    raw = args.get("status")
    if raw is None:
        raise InvalidParameter("The status argument is required (input numbers, e.g. status=1,2)")
    numbers = []
    for item in raw.split(","):
        if not re.fullmatch(r"[0-9]{1,2}", item) or not 1 <= int(item) <= MAX_INPUT:
            raise InvalidParameter(f"Invalid input '{item}' in status (1 to {MAX_INPUT})")
        numbers.append(int(item))
    statuses = await _video(request).statuses(numbers)
    return text("".join(f"Video {n} = {status}\n" for n, status in statuses))


async def on_shutdown(app: web.Application) -> None:
    """End every stream so the server can close its connections at once."""
    app[DEVICE].video.close_streams()


def setup(router: Router) -> None:
    """Register the image and video CGIs under every path real devices use: they only read,
    and fail with a plain status (400 bad argument, 404 unknown or disabled camera, 503 busy,
    shutting down or without a picture)."""
    routes: list[tuple[str, Handler, tuple[str, ...], tuple[str, ...]]] = [
        ("imagesize.cgi", handle_imagesize, GET_POST, CGI_PREFIXES),
        ("videostatus.cgi", handle_videostatus, ("GET",), CGI_PREFIXES),
        ("image.cgi", handle_image, ("GET",), CGI_PREFIXES),
        ("jpg/image.cgi", handle_image, ("GET",), CGI_PREFIXES),
        ("mjpg/video.cgi", handle_mjpeg, ("GET",), CGI_PREFIXES),
        # The spec's plain paths (5.2.4.1, 5.2.4.5) exist at the root only, as on real devices.
        ("jpg/image.jpg", handle_image, ("GET",), ("/",)),
        ("jpg/{camera}/image.jpg", handle_image, ("GET",), ("/",)),
        ("mjpg/video.mjpg", handle_mjpeg, ("GET",), ("/",)),
        ("mjpg/{camera}/video.mjpg", handle_mjpeg, ("GET",), ("/",)),
    ]
    for path, handler, methods, prefixes in routes:
        router.add(
            path,
            handler,
            AccessLevel.VIEWER,
            reply=STATUS,
            acts=READS,
            # Pictures and streams (not sizes or statuses) are what anonymous viewers watch.
            anonymous_viewing=handler in (handle_image, handle_mjpeg),
            methods=methods,
            prefixes=prefixes,
        )
