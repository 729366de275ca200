"""The PTZ service: a head per camera that has a driver, its presets and guard tours, and what
``ptz.cgi`` / ``ptzconfig.cgi`` ask of them.

Every request is checked whole (arguments, the driver's capabilities, the presets and tours it
names, whether the head can be reached) before anything moves, so bad input changes nothing.
Then, in this order: settings (``speed``, the reverse switches), preset changes, and the moves.
Directions in the picture (``move``, ``center``, ``areazoom``, ``continuouspantiltmove``) are
turned back through the stream's rotation (``imagerotation``, else the camera's
``Image.I<n>.Rotation``) and the head's reverse switches; ``pan``/``tilt``/``rpan``/``rtilt``
are the head's own axes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from functools import partial

from ipcamd.access import AccessLevel
from ipcamd.errors import Conflict, InvalidParameter, NotFound, Unavailable
from ipcamd.events import EventBus
from ipcamd.params.store import ParamStore
from ipcamd.ptz import aim, replies
from ipcamd.ptz.aim import Picture
from ipcamd.ptz.digital import ShowWindow
from ipcamd.ptz.driver import Capability as C
from ipcamd.ptz.driver import DevicePresetAction, Driver, Limits, Position, unsupported
from ipcamd.ptz.drivers import make_driver
from ipcamd.ptz.head import Head
from ipcamd.ptz.presets import Presets
from ipcamd.ptz.request import PtzRequest
from ipcamd.ptz.spec import DriverSpec
from ipcamd.ptz.tours import Tours

_LOGGER = logging.getLogger(__name__)

#: ``image_size(camera)``: the width and height of the camera's default picture (``center``).
ImageSize = Callable[[int], tuple[int, int]]

#: The capability each command needs.
NEEDS: Mapping[str, C] = {
    "pan": C.ABSOLUTE_PAN,
    "tilt": C.ABSOLUTE_TILT,
    "zoom": C.ABSOLUTE_ZOOM,
    "rpan": C.RELATIVE_PAN,
    "rtilt": C.RELATIVE_TILT,
    "rzoom": C.RELATIVE_ZOOM,
    "move": C.RELATIVE_PAN,
    "center": C.AREA_ZOOM,
    "areazoom": C.AREA_ZOOM,
    "rfocus": C.RELATIVE_FOCUS,
    "riris": C.RELATIVE_IRIS,
    "autofocus": C.AUTO_FOCUS,
    "autoiris": C.AUTO_IRIS,
    "continuouspantiltmove": C.CONTINUOUS_PAN,
    "continuouszoommove": C.CONTINUOUS_ZOOM,
    "continuousfocusmove": C.CONTINUOUS_FOCUS,
    "continuousirismove": C.CONTINUOUS_IRIS,
    "gotoserverpresetname": C.SERVER_PRESET,
    "gotoserverpresetno": C.SERVER_PRESET,
    "setserverpresetname": C.SERVER_PRESET,
    "setserverpresetno": C.SERVER_PRESET,
    "removeserverpresetname": C.SERVER_PRESET,
    "removeserverpresetno": C.SERVER_PRESET,
    "gotodevicepreset": C.DEVICE_PRESET,
    "speed": C.SPEED_CTL,
    "autopan": C.AUTO_PAN,
    "tour": C.SERVER_PRESET,
    "rawdata": C.RAW_DATA,
    "osdmenu": C.OSD_MENU,
}
#: Commands that do not move the head (everything else stops a running guard tour).
STILL = frozenset(
    {
        "speed",
        "imagerotation",
        "vertical_reverse",
        "horizontal_reverse",
        "setserverpresetname",
        "setserverpresetno",
        "removeserverpresetname",
        "removeserverpresetno",
        "home",
        "tour",
        "tournum",
        "imagewidth",
        "imageheight",
        "osdmenu",
    }
)


class PTZService:
    """The heads of the cameras that have a driver (loop-only)."""

    def __init__(
        self,
        params: ParamStore,
        bus: EventBus,
        *,
        cameras: int,
        specs: Mapping[int, DriverSpec],
        show_window: ShowWindow,
        image_size: ImageSize,
    ) -> None:
        self._params = params
        self.cameras = cameras
        self._image_size = image_size
        self.heads = {}
        for number, spec in specs.items():
            driver = make_driver(spec, show_window)
            self.heads[number] = Head(driver, bus.publish, partial(self._limits, driver))
        self.presets = Presets(params)
        self.tours = Tours(params, self.presets, self._tour_go, set(self.heads))

    async def start(self) -> None:
        """Open every driver (a head that cannot be reached is reported, not fatal)."""
        for head in self.heads.values():
            await head.start()
            if head.driver.error:
                _LOGGER.error("PTZ camera %d: %s", head.camera, head.driver.error)
                continue
            _LOGGER.info("PTZ camera %d: %s", head.camera, head.driver.spec.text)
            with contextlib.suppress(NotFound):  # a unit starts at its home position
                await self._recall(head, self.presets.home(head.camera).number)
        self.tours.start()

    async def stop(self) -> None:
        """Stop the tours and every head."""
        await self.tours.stop()
        for head in self.heads.values():
            await head.stop()

    # ------------------------------------------------------------------ lookups

    def driver_of(self, camera: int) -> Driver | None:
        """Camera ``camera``'s driver, None when it has none; NotFound for no such camera."""
        if not 1 <= camera <= self.cameras:
            raise NotFound(f"No such camera '{camera}'")
        head = self.heads.get(camera)
        return None if head is None else head.driver

    def head(self, camera: int) -> Head:
        """The head of ``camera``; NotFound, or InvalidParameter for a camera without PTZ."""
        if self.driver_of(camera) is None:
            raise InvalidParameter(f"Camera {camera} has no PTZ driver")
        return self.heads[camera]

    def _limits(self, driver: Driver) -> Limits:
        """The driver's limits narrowed by ``PTZ.Limit.L<n>`` (an administrator's soft limits;
        a minimum set above its maximum counts as the pair the other way round)."""
        own = driver.limits
        values = self._params.group(f"PTZ.Limit.L{driver.spec.camera}")

        def pair(name: str) -> tuple[float, float]:
            low, high = sorted((float(values[f"Min{name}"]), float(values[f"Max{name}"])))
            return low, high

        min_pan, max_pan = pair("Pan")
        min_tilt, max_tilt = pair("Tilt")
        min_zoom, max_zoom = pair("Zoom")
        return Limits(
            max(min_pan, own.min_pan),
            min(max_pan, own.max_pan),
            max(min_tilt, own.min_tilt),
            min(max_tilt, own.max_tilt),
            own.max_field_angle,
            own.min_field_angle,
            max(min_zoom, own.min_zoom),
            min(max_zoom, own.max_zoom),
        )

    def _reachable(self, head: Head) -> None:
        if head.driver.error:
            raise Unavailable(
                f"PTZ head of camera {head.camera} is unavailable: {head.driver.error}"
            )

    # ------------------------------------------------------------------ reading

    async def read(self, request: PtzRequest) -> str:
        """``info=1``, ``whoami=1`` or ``query=…``: the text to answer."""
        camera = request.camera or 1
        if request.info:
            return replies.info(self.driver_of(camera))
        head = self.head(camera)
        if request.whoami:
            return replies.lines([head.driver.name])
        match request.query:
            case "position":
                self._reachable(head)
                async with head.lock:
                    if not head.moving:
                        located = await head.driver.locate()
                        if located is not None:
                            head.assume(located)
                    return replies.position(head.position, head.driver)
            case "limits":
                return replies.limits(head.limits())
            case "speed":
                if C.SPEED_CTL not in head.driver.capabilities:
                    raise unsupported(head.driver.spec, "speed")
                return replies.lines([f"speed={head.speed}"])
            case "presetposcam":
                return replies.presets([(camera, self.presets.of(camera))])
        return replies.presets((n, self.presets.of(n)) for n in sorted(self.heads))

    # ------------------------------------------------------------------ acting

    def _check(self, head: Head, request: PtzRequest, level: AccessLevel) -> None:
        """Everything that can fail without touching anything: capabilities, locks, the
        presets and tours named, who may change presets and switches, the head's line."""
        driver = head.driver
        for name in request.given():
            needed = NEEDS.get(name)
            if needed is not None and needed not in driver.capabilities:
                raise unsupported(driver.spec, name)
        various = f"PTZ.Various.V{head.camera}"
        moves = [n for n in request.given() if n not in STILL]
        if moves and self._params.get(f"{various}.Locked") == "true":
            raise Conflict(f"PTZ of camera {head.camera} is locked")
        if request.rawdata is not None:
            driver.check_raw(request.rawdata)
        if request.gotoserverpresetno is not None:
            self.presets.find(head.camera, number=request.gotoserverpresetno)
        if request.gotoserverpresetname is not None:
            self.presets.find(head.camera, name=request.gotoserverpresetname)
        if request.setserverpresetname is not None or request.setserverpresetno is not None:
            self.presets.check(
                head.camera,
                number=request.setserverpresetno,
                name=request.setserverpresetname,
                level=level,
            )
        if request.removeserverpresetname is not None or request.removeserverpresetno is not None:
            self.presets.check(
                head.camera,
                number=request.removeserverpresetno,
                name=request.removeserverpresetname,
                removing=True,
                level=level,
            )
        switches = self._switches(head, request)
        if switches:
            self._params.plan_update(switches, level)
        if request.move == "home":
            self.presets.home(head.camera)
        if (
            request.tour
            and self.tours.camera_of(self.tours.path(request.tournum or 0)) != head.camera
        ):
            raise InvalidParameter(f"Guard tour {request.tournum} belongs to another camera")
        if request.given():
            self._reachable(head)

    async def act(self, request: PtzRequest, level: AccessLevel, user: str | None) -> None:
        """Carry out a ptz.cgi or ptzconfig.cgi request that acts (checked whole first)."""
        head = self.head(request.camera or 1)
        self._check(head, request, level)
        given = request.given()
        if any(name not in STILL for name in given) or request.tour is not None:
            # A manual move ends the camera's tour; so does another tour (one at a time).
            await self.tours.halt(head.camera, user)
        async with head.lock:
            await self._settings(head, request, level, user)
            await self._preset_changes(head, request, level, user)
            await self._moves(head, request)
            if request.osdmenu is not None:
                await head.driver.osd(request.osdmenu)
        if request.tour:
            await self.tours.set_running(self.tours.path(request.tournum or 0), True, user)

    async def _settings(
        self, head: Head, request: PtzRequest, level: AccessLevel, user: str | None
    ) -> None:
        if request.speed is not None:
            head.speed = request.speed
        switches = self._switches(head, request)
        if switches:
            await self._params.async_update(switches, level, user)

    def _switches(self, head: Head, request: PtzRequest) -> list[tuple[str, str]]:
        """The reverse switches a request sets, as parameter updates."""
        various = f"PTZ.Various.V{head.camera}"
        return [
            (f"{various}.{name}", "true" if value else "false")
            for name, value in (
                ("VerticalReverse", request.vertical_reverse),
                ("HorizontalReverse", request.horizontal_reverse),
            )
            if value is not None
        ]

    async def _preset_changes(
        self, head: Head, request: PtzRequest, level: AccessLevel, user: str | None
    ) -> None:
        camera = head.camera
        if request.setserverpresetname is not None or request.setserverpresetno is not None:
            preset = await self.presets.save(
                camera,
                head.position,
                number=request.setserverpresetno,
                name=request.setserverpresetname,
                home=request.home,
                level=level,
                user=user,
            )
            if C.DEVICE_PRESET in head.driver.capabilities and preset.number <= 32:
                await head.driver.device_preset(DevicePresetAction.SET, preset.number)
        if request.removeserverpresetname is not None or request.removeserverpresetno is not None:
            removed = await self.presets.remove(
                camera,
                number=request.removeserverpresetno,
                name=request.removeserverpresetname,
                level=level,
                user=user,
            )
            if C.DEVICE_PRESET in head.driver.capabilities and removed.number <= 32:
                await head.driver.device_preset(DevicePresetAction.CLEAR, removed.number)

    def _picture(self, head: Head, request: PtzRequest) -> Picture:
        """How the client's picture relates to the camera's (rotation, reverse, size)."""
        rotation = request.imagerotation
        if rotation is None:
            rotation = self._params.get_int(f"Image.I{head.camera - 1}.Rotation")
        various = f"PTZ.Various.V{head.camera}"
        width, height = self._image_size(head.camera)
        return Picture(
            rotation,
            self._params.get(f"{various}.HorizontalReverse") == "true",
            self._params.get(f"{various}.VerticalReverse") == "true",
            request.imagewidth or width,
            request.imageheight or height,
        )

    async def _moves(self, head: Head, request: PtzRequest) -> None:
        driver = head.driver
        if request.move == "stop":
            await head.halt()
        if request.move == "home":
            await self._recall(head, self.presets.home(head.camera).number)
        if request.gotoserverpresetno is not None:
            await self._recall(head, request.gotoserverpresetno)
        if request.gotoserverpresetname is not None:
            preset = self.presets.find(head.camera, name=request.gotoserverpresetname)
            await self._recall(head, preset.number)
        target = aim.target(head.position, head.driver, request, self._picture(head, request))
        if target is not None:
            await head.go(target)
        if request.continuouspantiltmove is not None:
            pan, tilt = self._picture(head, request).direction(*request.continuouspantiltmove)
            scale = head.speed / 100 if C.SPEED_CTL in driver.capabilities else 1.0
            await head.drive(pan=round(pan * scale), tilt=round(tilt * scale))
        if request.continuouszoommove is not None:
            await head.drive(zoom=request.continuouszoommove)
        if request.continuousfocusmove is not None:
            await driver.focus(request.continuousfocusmove)
        if request.continuousirismove is not None:
            await driver.iris(request.continuousirismove)
        if request.rfocus is not None:
            await driver.nudge_focus(request.rfocus)
        if request.riris is not None:
            await driver.nudge_iris(request.riris)
        if request.autofocus is not None:
            await driver.auto_focus(request.autofocus)
        if request.autoiris is not None:
            await driver.auto_iris(request.autoiris)
        if request.gotodevicepreset is not None:
            await head.halt()
            await driver.device_preset(DevicePresetAction.GOTO, request.gotodevicepreset)
            located = await driver.locate()
            if located is not None:
                head.assume(located)
        if request.autopan is not None:
            await head.autopan(request.autopan)
        if request.rawdata is not None:
            await driver.raw(request.rawdata)

    async def _recall(self, head: Head, number: int) -> None:
        """Go to server preset ``number`` (a head that stores presets itself recalls its own)."""
        preset = self.presets.find(head.camera, number=number)
        if C.DEVICE_PRESET in head.driver.capabilities and number <= 32:
            await head.halt()
            await head.driver.device_preset(DevicePresetAction.GOTO, number)
            head.assume(preset.position)
        else:
            await head.go(preset.position)

    async def _tour_go(self, camera: int, position: Position, speed: int) -> None:
        head = self.heads[camera]
        async with head.lock:
            await head.go(position, speed)
