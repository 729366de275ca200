"""The video service: cameras, their views (and quad), the stream hub, and setosd.cgi's OSD.

source (Camera) → view (View: the digital PTZ window) → profiles (StreamHub) → consumers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from urllib.parse import parse_qsl

from ipcamd.access import AccessLevel
from ipcamd.errors import Conflict, Disabled, InvalidParameter, NotFound
from ipcamd.params.store import ParamChange, ParamStore
from ipcamd.video.camera import Camera
from ipcamd.video.consumers import Consumer, ConsumerInfo, ConsumerKind
from ipcamd.video.encoder import Encoded
from ipcamd.video.feeds import FrameFeed
from ipcamd.video.hub import StreamHub
from ipcamd.video.options import MAX_FPS, StreamOptions, build_options
from ipcamd.video.osd import LocalTime, TextPainter, host_local_time
from ipcamd.video.pool import FramePool
from ipcamd.video.producer import Producer, VideoStatus
from ipcamd.video.quad import QuadCamera
from ipcamd.video.render import Codec, RenderSpec
from ipcamd.video.sources import TESTPATTERN, check_uri, open_source
from ipcamd.video.sources.scripted import Scene
from ipcamd.video.sources.testpattern import FPS as PATTERN_FPS
from ipcamd.video.stream import Subscription
from ipcamd.video.view import View

_LOGGER = logging.getLogger(__name__)

QUAD = "quad"
#: What a motion detector gets unless it asks otherwise: 160x120 grey, 5 a second.
FRAMES_SIZE, FRAMES_FPS = (160, 120), 5.0
#: The largest side of a grey picture (the largest picture a profile makes).
MAX_FRAMES_SIZE = 1280
#: The names setosd.cgi changes, under ``Image.I<n>.Text.``.
OSD_SETTINGS = ("DateEnabled", "ClockEnabled", "TextEnabled", "String")


class VideoService:
    """Owns the inputs 1..N, ``quad`` when N > 1, and the hub every viewer goes through."""

    def __init__(
        self,
        params: ParamStore,
        cameras: int,
        sources: Mapping[int, str],
        seed: int | None = None,
        local_time: LocalTime = host_local_time,
    ) -> None:
        for number, uri in sources.items():
            if not 1 <= number <= cameras:
                raise InvalidParameter(f"source for camera {number}: there are {cameras} cameras")
            check_uri(uri)
        self.params = params
        #: Draws every text; times drawn on pictures are shown through ``local_time``.
        self.painter = TextPainter(local_time)
        self.executor = FramePool(max(2, os.cpu_count() or 2))
        self.cameras: list[Camera] = []
        #: What a script shows on each test-pattern input (``scene``): kept across reopens.
        self.scenes: dict[int, Scene] = {}
        for number in range(1, cameras + 1):
            uri = sources.get(number, TESTPATTERN)
            scene = Scene(PATTERN_FPS) if uri == TESTPATTERN else None
            if scene is not None:
                self.scenes[number] = scene
            factory = partial(open_source, uri, number, seed, self.painter, scene)
            self.cameras.append(
                Camera(number, factory, self.painter, always_video=uri == TESTPATTERN)
            )
        #: Each camera as its profiles see it: source → view (digital PTZ window) → profiles.
        self.views = [View(c, c.number, c.no_video_picture()) for c in self.cameras]
        self.producers: dict[str, Producer] = {str(v.number): v for v in self.views}
        if cameras > 1:
            self.producers[QUAD] = QuadCamera(self.views, self.executor, self._input_enabled)
        self.hub = StreamHub(self.producer, self.executor, self.painter, self._max_viewers)
        #: setosd.cgi changes made with Commit=no: full parameter name → value, until restart.
        self._osd_overlay: dict[str, str] = {}
        #: Open subscriptions, told about every change of what they should show.
        self._subscriptions: dict[Subscription, None] = {}
        self._unsubscribe = params.subscribe("Image", self._on_params)

    # ----------------------------------------------------------------- lifetime

    async def start(self) -> None:
        """Nothing to open: a source runs only while someone watches its camera, and
        videostatus.cgi probes an unwatched one when it asks (``Camera.status``)."""

    def close_streams(self) -> None:
        """End every stream now (server shutdown): waiting viewers get StreamClosed."""
        self.hub.close()
        for producer in [*self.producers.values(), *self.cameras]:
            producer.close()

    async def stop(self) -> None:
        """Stop the sources and wait for their threads; then the encoder pool."""
        self._unsubscribe()
        self.close_streams()
        await asyncio.gather(*(camera.join() for camera in self.cameras))
        self.executor.shutdown(wait=False, cancel_futures=True)

    # ----------------------------------------------------------------- lookups

    def producer(self, camera: str) -> Producer:
        """The producer of ``1``..``4`` or ``quad``; NotFound for any other name."""
        try:
            return self.producers[camera]
        except KeyError as err:
            raise NotFound(f"No such camera '{camera}'") from err

    def view(self, camera: int) -> View:
        """The view stage of input ``camera`` (1..N): what a PTZ driver moves.

        ``video.view(1).set_window(Window.centred(0.5, 0.5, zoom=2))`` shows the middle
        quarter of camera 1 in every stream, snapshot and ``quad`` tile from the next frame.
        """
        if not 1 <= camera <= len(self.views):
            raise NotFound(f"No such camera '{camera}'")
        return self.views[camera - 1]

    def scene(self, camera: int) -> Scene:
        """What a script makes test-pattern input ``camera`` show (``ipcamd/scene.cgi``).

        Raises NotFound for no such input, Conflict for an input fed by another source.
        """
        if not 1 <= camera <= len(self.cameras):
            raise NotFound(f"No such camera '{camera}'")
        scene = self.scenes.get(camera)
        if scene is None:
            raise Conflict(f"Camera {camera} does not show the test pattern")
        return scene

    def consumers(self) -> list[ConsumerInfo]:
        """Who takes pictures now, oldest first: viewers and internal consumers, each by name
        with the profile it watches (the video diagnostics)."""
        return self.hub.consumers()

    def _input_enabled(self, number: int) -> bool:
        return self.params.get_bool(f"Image.I{number - 1}.Enabled")

    def enabled(self, camera: str) -> bool:
        """False for an input switched off with ``Image.I<n>.Enabled=no``; ``quad`` is on
        while any input is (a switched-off input's tile stays black)."""
        if camera == QUAD:
            return any(self._input_enabled(c.number) for c in self.cameras)
        return self._input_enabled(int(camera))

    def _max_viewers(self) -> int:
        return self.params.get_int("Image.MaxViewers")

    def _setting_name(self, camera: str, name: str) -> str:
        if name in ("DateFormat", "TimeFormat"):
            return f"Image.{name}"
        index = 0 if camera == QUAD else int(camera) - 1
        return f"Image.I{index}.{name}"

    def setting(self, camera: str, name: str) -> str:
        """A camera setting, with setosd's uncommitted changes on top."""
        full = self._setting_name(camera, name)
        if full in self._osd_overlay:
            return self._osd_overlay[full]
        return self.params.get(full)

    def stream_profile(self, name: str) -> dict[str, str]:
        """The arguments of the ``StreamProfile.S<n>`` whose Name is ``name``."""
        for group in self.params.instances("StreamProfile"):
            if self.params.get(f"{group}.Name") == name:
                return dict(parse_qsl(self.params.get(f"{group}.Parameters")))
        raise InvalidParameter(f"Unknown stream profile '{name}'")

    def options(self, camera: str | None, args: Mapping[str, str]) -> StreamOptions:
        """Validated options for a request (camera from the path, else ``camera=``, else 1).

        Raises NotFound for an unknown camera, Disabled for one switched off.
        """
        name = camera or args.get("camera", "1")
        self.producer(name)  # NotFound for anything but an input of this unit (or quad)
        if not self.enabled(name):
            raise Disabled(f"Camera {name} is disabled")
        profile = args.get("streamprofile")
        profile_args = self.stream_profile(profile) if profile else None
        return build_options(name, args, partial(self.setting, name), profile_args)

    async def statuses(self, inputs: Iterable[int]) -> list[tuple[int, VideoStatus]]:
        """``video`` or ``no video`` per input (an input with no camera, or switched off with
        ``Image.I<n>.Enabled=no``, has no video)."""
        result = []
        for number in inputs:
            if 1 <= number <= len(self.cameras) and self._input_enabled(number):
                result.append((number, await self.cameras[number - 1].status()))
            else:
                result.append((number, VideoStatus.NO_VIDEO))
        return result

    # ----------------------------------------------------------------- OSD

    def osd_line(self, camera: str, args: Mapping[str, str] | None = None) -> str:
        """The OSD text a picture of ``camera`` taken now would carry (request ``args`` apply).

        The same settings, spec and clock the renderer uses; what ``param.cgi`` or ``date.cgi``
        changes shows up here exactly as it would be drawn.
        """
        spec = self.options(camera, args or {}).spec.osd
        return spec.line(self.painter.local_time(time.time())) if spec.visible else ""

    async def async_set_osd(
        self, values: Mapping[str, str], commit: bool, level: AccessLevel, user: str | None
    ) -> None:
        """Apply setosd.cgi's ``values`` (names from OSD_SETTINGS) to every camera.

        ``commit`` writes them to the parameter store; otherwise they last until restart.
        """
        items = [
            (f"Image.I{index}.Text.{name}", value)
            for index in range(len(self.cameras))
            for name, value in values.items()
        ]
        self.params.plan_update(items, level)  # validate (and check access) before anything
        if commit:
            for name, _ in items:
                self._osd_overlay.pop(name, None)
            await self.params.async_update(items, level, user)
        else:
            self._osd_overlay.update(items)
            self._settings_changed()

    def _on_params(self, change: ParamChange) -> None:
        for name in change.values:
            self._osd_overlay.pop(name, None)
        self._settings_changed()

    # ----------------------------------------------------------------- subscriptions

    def open_stream(
        self,
        camera: str | None,
        args: Mapping[str, str],
        *,
        name: str,
        kind: ConsumerKind = ConsumerKind.VIEWER,
    ) -> Subscription:
        """Subscribe ``name`` to ``camera`` (from the path, else ``camera=``, else 1) with a
        request's ``args`` over the camera's settings; the subscription follows ``Image.*``
        and setosd.cgi changes by itself and ends when the channel is switched off.

        Raises NotFound (unknown camera), Disabled, InvalidParameter (a bad argument), then
        Busy (a viewer beyond ``Image.MaxViewers``) or StreamClosed (shutting down): all
        before anything starts.
        """
        request = dict(args)
        resolve = partial(self.options, camera, request)
        options = resolve()
        return self._subscribe(self.hub.attach(name, kind), resolve, options)

    async def snapshot(
        self,
        camera: str | None,
        args: Mapping[str, str],
        *,
        name: str,
    ) -> Encoded:
        """One picture, as a viewer of :meth:`open_stream` would get it now (the JPEG a
        stream of the same settings shares, and the current view window).

        Raises what :meth:`open_stream` and :meth:`Subscription.picture` raise.
        """
        with self.open_stream(camera, args, name=name) as subscription:
            return await subscription.picture()

    def open_encoded(
        self, spec: RenderSpec, *, name: str, kind: ConsumerKind = ConsumerKind.INTERNAL
    ) -> Subscription:
        """Subscribe ``name`` to the encoded frames of the profile ``spec`` itself (the
        recorder's JPEG, RTSP's H.264): fixed settings, shared with every consumer of that
        profile; it ends when the channel is switched off. Iterate it for the frames.

        Raises NotFound, Disabled, then Busy (a viewer only) or StreamClosed.
        """
        resolve = partial(self._fixed_options, spec)
        options = resolve()
        subscription = self._subscribe(self.hub.attach(name, kind), resolve, options)
        subscription.watch()  # an internal consumer reads from now on: start the camera
        return subscription

    def open_frames(
        self,
        camera: str,
        *,
        name: str,
        size: tuple[int, int] = FRAMES_SIZE,
        fps: float = FRAMES_FPS,
    ) -> FrameFeed:
        """Subscribe internal consumer ``name`` (``motion 1``) to small grey pictures of input
        ``camera`` (what its view shows), ``size`` = (width, height), at most ``fps`` a
        second (the profile's schedule: a slower source gives every frame).

        Raises InvalidParameter for a size or rate out of range, NotFound, Disabled.
        """
        width, height = size
        if not (2 <= width <= MAX_FRAMES_SIZE and 2 <= height <= MAX_FRAMES_SIZE):
            raise InvalidParameter(f"Grey picture size {width}x{height} out of range")
        if width % 2 or height % 2:
            raise InvalidParameter(f"Grey picture size {width}x{height} must be even")
        if not 0 < fps <= MAX_FPS:
            raise InvalidParameter(f"Grey picture rate {fps} out of range (above 0, at most 100)")
        spec = RenderSpec(camera, width, height, 0, fps=fps, codec=Codec.GREY)
        return FrameFeed(self.open_encoded(spec, name=name))

    def _fixed_options(self, spec: RenderSpec) -> StreamOptions:
        self.producer(spec.camera)  # NotFound for anything but an input of this unit (or quad)
        if not self.enabled(spec.camera):
            raise Disabled(f"Camera {spec.camera} is disabled")
        return StreamOptions(spec)

    def _subscribe(
        self, consumer: Consumer, resolve: Callable[[], StreamOptions], options: StreamOptions
    ) -> Subscription:
        subscription = Subscription(consumer, resolve, options, self._forget)
        self._subscriptions[subscription] = None
        return subscription

    def _forget(self, subscription: Subscription) -> None:
        self._subscriptions.pop(subscription, None)

    def _settings_changed(self) -> None:
        """What streams show may have changed: every subscription looks again at once."""
        for subscription in list(self._subscriptions):
            subscription.refresh()
