"""The one small interface every PTZ driver implements, and the values it speaks in.

A driver knows its hardware (or, for digital PTZ, the camera's view window): where it points,
how to go somewhere, how to start and stop a continuous move, and what else it can do
(:class:`Capability`, the ``PTZ.Support.S<n>.*`` names). Everything the CGIs mean by a command
(relative moves, clicks in the picture, limits, image rotation, presets, tours, the safety stop
of a continuous move, events) is the :class:`~ipcamd.ptz.head.Head`'s, so a new driver is only
its protocol.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from enum import StrEnum

from ipcamd.errors import InvalidParameter
from ipcamd.ptz.spec import DriverSpec

#: The zoom steps of ptz.cgi (1 widest, 9999 closest).
MIN_ZOOM, MAX_ZOOM = 1.0, 9999.0


class Capability(StrEnum):
    """What a driver can do, named as ``PTZ.Support.S<n>.<name>`` lists it."""

    ABSOLUTE_PAN = "AbsolutePan"
    ABSOLUTE_TILT = "AbsoluteTilt"
    ABSOLUTE_ZOOM = "AbsoluteZoom"
    AREA_ZOOM = "AreaZoom"
    AUTO_FOCUS = "AutoFocus"
    AUTO_IRIS = "AutoIris"
    CONTINUOUS_FOCUS = "ContinuousFocus"
    CONTINUOUS_IRIS = "ContinuousIris"
    CONTINUOUS_PAN = "ContinuousPan"
    CONTINUOUS_TILT = "ContinuousTilt"
    CONTINUOUS_ZOOM = "ContinuousZoom"
    DEVICE_PRESET = "DevicePreset"
    DIGITAL_ZOOM = "DigitalZoom"
    OSD_MENU = "OSDMenu"
    RELATIVE_FOCUS = "RelativeFocus"
    RELATIVE_IRIS = "RelativeIris"
    RELATIVE_PAN = "RelativePan"
    RELATIVE_TILT = "RelativeTilt"
    RELATIVE_ZOOM = "RelativeZoom"
    SERVER_PRESET = "ServerPreset"
    SPEED_CTL = "SpeedCtl"
    #: Not a Support line: ``rawdata`` (bytes for the RS-485 bus) and ``autopan``.
    RAW_DATA = "RawData"
    AUTO_PAN = "AutoPan"


#: Every ``PTZ.Support.S<n>`` line in the order real devices list them.
SUPPORT_LINES = (
    "AbsoluteBrightness",
    "AbsoluteFocus",
    "AbsoluteIris",
    "AbsolutePan",
    "AbsoluteTilt",
    "AbsoluteZoom",
    "ActionNotification",
    "AreaZoom",
    "AutoFocus",
    "AutoIrCutFilter",
    "AutoIris",
    "Auxiliary",
    "BackLight",
    "ContinuousBrightness",
    "ContinuousFocus",
    "ContinuousIris",
    "ContinuousPan",
    "ContinuousTilt",
    "ContinuousZoom",
    "DevicePreset",
    "DigitalZoom",
    "GenericHTTP",
    "IrCutFilter",
    "JoyStickEmulation",
    "LensOffset",
    "OSDMenu",
    "ProportionalSpeed",
    "RelativeBrightness",
    "RelativeFocus",
    "RelativeIris",
    "RelativePan",
    "RelativeTilt",
    "RelativeZoom",
    "ServerPreset",
    "SpeedCtl",
)


class OsdCommand(StrEnum):
    """``ptzconfig.cgi?osdmenu=``: the camera's own on-screen menu."""

    OPEN = "open"
    CLOSE = "close"
    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"
    SELECT = "select"
    BACK = "back"


class DevicePresetAction(StrEnum):
    """What to do with a preset stored in the device itself."""

    GOTO = "goto"
    SET = "set"
    CLEAR = "clear"


@dataclass(frozen=True)
class Position:
    """Where a head points: pan and tilt in degrees (positive right and up), zoom in steps."""

    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = MIN_ZOOM

    def but(self, **changes: float) -> Position:
        """This position with some axes changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Limits:
    """How far a head can go (``PTZ.Limit.L<n>``, ``query=limits``)."""

    min_pan: float
    max_pan: float
    min_tilt: float
    max_tilt: float
    #: The horizontal field angle at the widest and the closest zoom, degrees.
    max_field_angle: float
    min_field_angle: float
    min_zoom: float = MIN_ZOOM
    max_zoom: float = MAX_ZOOM

    def clamp(self, position: Position) -> Position:
        """``position`` moved inside the limits, as a real head stops at its end stops."""
        return Position(
            min(max(position.pan, self.min_pan), self.max_pan),
            min(max(position.tilt, self.min_tilt), self.max_tilt),
            min(max(position.zoom, self.min_zoom), self.max_zoom),
        )


@dataclass(frozen=True)
class Rates:
    """How fast a head moves at speed 100: degrees per second of pan and tilt, zoom steps per
    second. The head integrates these while a continuous move runs."""

    pan: float
    tilt: float
    zoom: float


def unsupported(spec: DriverSpec, what: str) -> InvalidParameter:
    """The error for a command the camera's driver does not take."""
    return InvalidParameter(f"Camera {spec.camera} ({spec.kind.value}) does not support {what}")


class Driver(ABC):
    """One camera's PTZ hardware (loop-only: every method runs on the event loop)."""

    #: What this driver does besides the absolute and continuous pan, tilt and zoom.
    capabilities: frozenset[Capability] = frozenset()

    def __init__(self, spec: DriverSpec) -> None:
        self.spec = spec

    @property
    def name(self) -> str:
        """The driver's name, as ``whoami=1`` answers."""
        return self.spec.kind.value

    @property
    @abstractmethod
    def limits(self) -> Limits:
        """The head's end stops and field angles."""

    @abstractmethod
    def rates(self, position: Position) -> Rates:
        """Speeds at 100 near ``position`` (a digital window moves slower when zoomed in)."""

    @property
    def error(self) -> str | None:
        """Why the head cannot be reached now (a missing serial device), or None."""
        return None

    async def start(self) -> None:  # noqa: B027 - most drivers open nothing
        """Open what the driver talks to; a failure is reported by :attr:`error`, never raised
        (the camera streams without its head)."""

    async def stop(self) -> None:  # noqa: B027
        """Stop moving and close what :meth:`start` opened."""

    @abstractmethod
    async def goto(self, target: Position, speed: int) -> None:
        """Go to ``target`` (inside the limits) at ``speed`` 1-100."""

    @abstractmethod
    async def drive(self, pan: int, tilt: int, zoom: int) -> None:
        """Run continuously at these speeds (-100..100 each; 0 stops that axis)."""

    def reachable(self, position: Position) -> Position:
        """``position`` as the head can take it (inside the limits already); a digital window
        cannot pan past the picture's edge at its zoom."""
        return position

    def step(self, position: Position) -> float:
        """Degrees ``move=up`` (or left...) goes: 5 for an absolute head (spec 5.3.3)."""
        return 5.0

    def show(self, position: Position) -> None:  # noqa: B027 - a no-op for most drivers
        """One step of a continuous move reached ``position`` (the digital window follows)."""

    async def locate(self) -> Position | None:
        """Ask the head where it is; None when it cannot say (the estimate stands)."""
        return None

    async def focus(self, speed: int) -> None:
        """Continuous focus: positive near, negative far, 0 stops (spec 5.3.3)."""
        raise unsupported(self.spec, "focus")

    async def iris(self, speed: int) -> None:
        """Continuous iris: positive opens, negative closes, 0 stops."""
        raise unsupported(self.spec, "iris")

    async def nudge_focus(self, steps: int) -> None:
        """Focus ``steps`` further (positive far, negative near)."""
        raise unsupported(self.spec, "focus")

    async def nudge_iris(self, steps: int) -> None:
        """Open (positive) or close the iris by ``steps``."""
        raise unsupported(self.spec, "iris")

    async def auto_focus(self, on: bool) -> None:
        """Switch autofocus on or off."""
        raise unsupported(self.spec, "autofocus")

    async def auto_iris(self, on: bool) -> None:
        """Switch the automatic iris on or off."""
        raise unsupported(self.spec, "autoiris")

    async def autopan(self, on: bool) -> None:
        """The head's own automatic pan (scan)."""
        raise unsupported(self.spec, "autopan")

    async def device_preset(self, action: DevicePresetAction, number: int) -> None:
        """Go to, store or clear preset ``number`` in the device itself."""
        raise unsupported(self.spec, "device presets")

    async def raw(self, data: bytes) -> None:
        """Send ``data`` to the bus as given (already checked by :meth:`check_raw`)."""
        raise unsupported(self.spec, "rawdata")

    def check_raw(self, data: bytes) -> None:
        """Refuse ``data`` that is not well-formed for this bus (raises InvalidParameter)."""
        raise unsupported(self.spec, "rawdata")

    async def osd(self, command: OsdCommand) -> None:
        """Drive the camera's own on-screen menu."""
        raise unsupported(self.spec, "an OSD menu")

    @property
    def auto_state(self) -> tuple[bool | None, bool | None]:
        """Autofocus and autoiris as last set (None: the driver has no such switch)."""
        return None, None
