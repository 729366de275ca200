"""Spec 5.2: imagesize.cgi, videostatus.cgi, JPEG snapshots and MJPEG streams.

Snapshots are ``Content-Type: image/jpeg`` exactly (motionEye compares the whole header) with
a ``Content-Length``. Streams are ``multipart/x-mixed-replace;boundary=myboundary`` (the boundary
unquoted and the only parameter: ZoneMinder), without chunked transfer-encoding: the body runs
until the connection closes, as on real cameras, which every MJPEG parser understands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import Busy, Disabled, InvalidParameter, NotFound
from ipcamd.http.forms import Args, read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import NO_CACHE, bad_request, not_found, text, unavailable
from ipcamd.http.routing import Router
from ipcamd.video.consumers import Consumer
from ipcamd.video.hub import Profile
from ipcamd.video.mjpeg import CONTENT_TYPE, DELIMITER, last_part
from ipcamd.video.options import KNOWN, StreamOptions
from ipcamd.video.producer import StreamClosed
from ipcamd.video.service import VideoService

_LOGGER = logging.getLogger(__name__)

JPEG = "image/jpeg"
MULTIPART = CONTENT_TYPE
#: Seconds a snapshot waits for a first frame (a network source may still be connecting).
SNAPSHOT_TIMEOUT = 15.0
MAX_INPUT = 41


class UntilCloseResponse(web.StreamResponse):
    """A response whose body simply runs until the connection closes (HTTP/1.0 style).

    aiohttp chunks any HTTP/1.1 body without a Content-Length; like its WebSocketResponse we
    turn its length handling off, so the bytes on the wire are exactly the spec's multipart.
    """

    _length_check = False


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


def _options(video: VideoService, camera: str | None, args: dict[str, str]) -> StreamOptions:
    try:
        return video.options(camera, args)
    except NotFound as err:
        raise not_found(str(err)) from None
    except InvalidParameter as err:
        raise bad_request(str(err)) from None


def _peer(request: web.Request) -> str:
    """``127.0.0.1:5555`` (``[::1]:5555``): who a consumer handle serves."""
    peername = request.transport.get_extra_info("peername") if request.transport else None
    if isinstance(peername, tuple) and len(peername) >= 2:
        host, port = peername[0], peername[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return request.remote or "unknown"


def _admit(video: VideoService, name: str) -> Consumer:
    try:
        return video.hub.attach(name)
    except (Busy, StreamClosed) as err:
        raise unavailable(str(err)) from None


async def handle_image(request: web.Request) -> web.StreamResponse:
    """``/jpg[/<camera>]/image.jpg``, ``image.cgi``, ``jpg/image.cgi``: one JPEG."""
    video = _video(request)
    args = _known_args(await read_args(request))
    options = _options(video, request.match_info.get("camera"), args)
    with _admit(video, f"snapshot {_peer(request)}") as viewer:
        profile = viewer.use(options.spec)
        try:
            fresh = profile.producer.fresh_from - 1  # after a view move: the new window
            encoded = await asyncio.wait_for(viewer.next(fresh), SNAPSHOT_TIMEOUT)
        except TimeoutError:
            raise unavailable("No picture from the video source yet") from None
        except StreamClosed:
            raise unavailable("Shutting down") from None
    response = web.Response(body=encoded.data, headers=NO_CACHE)
    response.headers["Content-Type"] = JPEG
    return response


async def handle_mjpeg(request: web.Request) -> web.StreamResponse:
    """``/mjpg[/<camera>]/video.mjpg``, ``mjpg/video.cgi``: a multipart JPEG stream.

    The body is ``--myboundary\r\n`` then one part per frame, each ending in the boundary. A
    stream that ends on purpose ends its last part with the close-delimiter
    (``--myboundary--``): after ``nbrofframes`` frames, or with ``duration`` and a frame rate
    when the profile's next frame might come only after the end. A ``duration`` stream at the
    source's own rate ends after its last part's boundary (which frame is the last is not known
    in time).
    """
    video = _video(request)
    args = _known_args(await read_args(request))
    camera = request.match_info.get("camera")
    options = _options(video, camera, args)
    with _admit(video, f"viewer {_peer(request)}") as viewer:
        response = UntilCloseResponse(headers={"Content-Type": MULTIPART, **NO_CACHE})
        response.force_close()
        # A client that hangs up, even before the head goes out, just ends its stream.
        with contextlib.suppress(StreamClosed, ConnectionError):
            await response.prepare(request)
            if request.method == "HEAD":
                return response  # the headers a GET would get; no body
            await response.write(DELIMITER)
            await _stream(
                video,
                viewer=viewer,
                response=response,
                camera=camera,
                args=args,
                options=options,
            )
    return response


async def _stream(
    video: VideoService,
    *,
    viewer: Consumer,
    response: web.StreamResponse,
    camera: str | None,
    args: dict[str, str],
    options: StreamOptions,
) -> None:
    """Send the frames the profile chooses, each once, until the stream ends or the client
    goes. A frame rate is the profile's own (one schedule for all its viewers), not paced here.
    """
    generation = video.generation
    profile = viewer.use(options.spec)
    deadline = time.monotonic() + options.duration if options.duration else None
    # The same moment on the clock that stamps frames, for the profile's schedule.
    deadline_stamp = time.time() + options.duration if options.duration else None
    seq = sent = 0
    while True:
        if video.generation != generation:
            # Image.* changed (param.cgi, setosd.cgi): the next frame follows the new settings.
            generation = video.generation
            try:
                options = video.options(camera, args)
            except Disabled:
                return  # the channel was switched off (Image.I<n>.Enabled=no): the stream ends
            except (InvalidParameter, NotFound):
                pass  # a setting the request relies on went away: keep the options it had
            else:
                profile = viewer.use(options.spec)
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return
        try:
            encoded = await asyncio.wait_for(profile.next(seq), remaining)
        except TimeoutError:
            return  # the duration ran out while waiting for a frame
        seq, sent = encoded.seq, sent + 1
        last = bool(options.frames and sent >= options.frames) or (
            deadline_stamp is not None and _ends_before_next(profile, deadline_stamp)
        )
        if last:
            await response.write(last_part(encoded.part))
            return
        await response.write(encoded.part)


def _ends_before_next(profile: Profile, deadline: float) -> bool:
    """True when a frame-rate profile's next frame might come only after ``deadline`` (then
    the frame just sent is the last: the stream ends a little early rather than without its
    close-delimiter)."""
    expected = profile.next_expected()
    return expected is not None and expected >= deadline


async def handle_imagesize(request: web.Request) -> web.Response:
    """``imagesize.cgi?camera=N[&resolution=…&rotation=…]``: the size a snapshot would have."""
    video = _video(request)
    args = _known_args(await read_args(request))
    if "camera" not in args:
        raise bad_request("The camera argument is required (1, 2, 3, 4 or quad)")
    width, height = _options(video, None, args).spec.output_size
    return text(f"image width = {width}\nimage height = {height}\n")


async def handle_videostatus(request: web.Request) -> web.Response:
    """``videostatus.cgi?status=1,2,3,4``: ``Video N = video`` or ``no video`` per input."""
    args = await read_args(request)
    raw = args.get("status")
    if raw is None:
        raise bad_request("The status argument is required (input numbers, e.g. status=1,2)")
    numbers = []
    for item in raw.split(","):
        if not re.fullmatch(r"[0-9]{1,2}", item) or not 1 <= int(item) <= MAX_INPUT:
            raise bad_request(f"Invalid input '{item}' in status (1 to {MAX_INPUT})")
        numbers.append(int(item))
    statuses = await _video(request).statuses(numbers)
    return text("".join(f"Video {n} = {status}\n" for n, status in statuses))


async def on_shutdown(app: web.Application) -> None:
    """End every stream so the server can close its connections at once."""
    app[DEVICE].video.close_streams()


def setup(router: Router) -> None:
    """Register the image and video CGIs under every path real devices use."""
    viewer = AccessLevel.VIEWER
    router.add("imagesize.cgi", handle_imagesize, viewer)
    router.add("videostatus.cgi", handle_videostatus, viewer, methods=("GET",))
    for path in ("image.cgi", "jpg/image.cgi"):
        router.add(path, handle_image, viewer, methods=("GET",))
    router.add("mjpg/video.cgi", handle_mjpeg, viewer, methods=("GET",))
    for path in ("jpg/image.jpg", "jpg/{camera}/image.jpg"):
        router.add(path, handle_image, viewer, methods=("GET",), prefixes=("/",))
    for path in ("mjpg/video.mjpg", "mjpg/{camera}/video.mjpg"):
        router.add(path, handle_mjpeg, viewer, methods=("GET",), prefixes=("/",))
