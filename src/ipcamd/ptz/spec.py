"""Which PTZ driver moves which camera: ``--ptz 1=digital``, ``--ptz 2=pelco-d:/dev/ttyUSB0,
address=1,baud=2400`` (or the TOML ``ptz`` table), parsed and checked once at start-up.

A spec is ``<driver>[:<options>]``; options are comma-separated ``name=value`` pairs, and for
a serial driver the first option is the device path. Every driver takes the optics options
(the field of view ``center`` and ``move`` need); each takes its own besides. An unknown
driver, option or a value out of range stops ``ipcamd serve`` with a message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from ipcamd.errors import InvalidParameter


class DriverKind(StrEnum):
    """The drivers ipcamd has (the name a spec starts with; ``whoami=1`` answers it)."""

    DIGITAL = "digital"
    PELCO_D = "pelco-d"


@dataclass(frozen=True)
class Optics:
    """What the lens sees: the horizontal and vertical field of view at the widest zoom, in
    degrees, and how many times it magnifies at the closest (zoom 9999)."""

    fov: float = 60.0
    vfov: float = 45.0
    max_zoom: float = 4.0

    def magnification(self, zoom: float) -> float:
        """Zoom step 1-9999 as a magnification 1..``max_zoom`` (linear in the step)."""
        return 1.0 + (zoom - 1.0) / 9998.0 * (self.max_zoom - 1.0)

    def field(self, zoom: float) -> tuple[float, float]:
        """The horizontal and vertical angles seen at ``zoom``."""
        mag = self.magnification(zoom)
        return self.fov / mag, self.vfov / mag


@dataclass(frozen=True)
class DriverSpec:
    """One camera's driver and its options, checked."""

    camera: int
    kind: DriverKind
    optics: Optics = field(default_factory=Optics)
    #: Seconds a continuous move runs without a new command before it stops on its own.
    timeout: float = 30.0
    #: Serial drivers: the device (``/dev/ttyUSB0``), the unit address and the line speed.
    device: str = ""
    address: int = 1
    baud: int = 2400
    #: Pelco-D: degrees per second of pan at full speed (for estimating where the head is).
    rate: float = 40.0

    @property
    def text(self) -> str:
        """The spec as it would be written on the command line (for logs)."""
        if self.kind is DriverKind.DIGITAL:
            return self.kind.value
        return f"{self.kind.value}:{self.device},address={self.address},baud={self.baud}"


_BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
_COMMON = ("fov", "vfov", "maxzoom", "timeout")
_OPTIONS: Mapping[DriverKind, tuple[str, ...]] = {
    DriverKind.DIGITAL: _COMMON,
    DriverKind.PELCO_D: (*_COMMON, "address", "baud", "rate"),
}


def _number(name: str, raw: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidParameter(
            f"PTZ option {name}={raw!r}: expected a number from {low:g} to {high:g}"
        )
    return value


def parse_spec(camera: int, text: str) -> DriverSpec:
    """``digital:fov=70`` or ``pelco-d:/dev/ttyUSB0,address=1,baud=2400`` for ``camera``."""
    kind_text, _, rest = text.partition(":")
    try:
        kind = DriverKind(kind_text.strip().lower())
    except ValueError as err:
        names = ", ".join(k.value for k in DriverKind)
        raise InvalidParameter(
            f"PTZ driver '{kind_text}' for camera {camera}: one of {names}"
        ) from err
    items = [item.strip() for item in rest.split(",")] if rest else []
    device = ""
    if kind is DriverKind.PELCO_D:
        if not items or not items[0] or "=" in items[0]:
            raise InvalidParameter(
                f"PTZ driver pelco-d for camera {camera} needs a serial device, "
                "e.g. pelco-d:/dev/ttyUSB0,address=1,baud=2400"
            )
        device, items = items[0], items[1:]
    options: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in _OPTIONS[kind]:
            allowed = ", ".join(_OPTIONS[kind])
            raise InvalidParameter(f"PTZ option '{item}' for camera {camera}: one of {allowed}")
        options[name] = value
    fov = _number("fov", options.get("fov", "60"), 1, 180)
    vfov = _number("vfov", options["vfov"], 1, 180) if "vfov" in options else fov * 3 / 4
    optics = Optics(fov, vfov, _number("maxzoom", options.get("maxzoom", "4"), 1, 100))
    spec = DriverSpec(
        camera,
        kind,
        optics,
        timeout=_number("timeout", options.get("timeout", "30"), 0.01, 3600),
        device=device,
    )
    if kind is DriverKind.PELCO_D:
        address = _number("address", options.get("address", "1"), 1, 255)
        baud = _number("baud", options.get("baud", "2400"), 1200, 115200)
        if address != int(address) or int(baud) not in _BAUDS or baud != int(baud):
            raise InvalidParameter(
                f"PTZ options of camera {camera}: address is 1-255, baud one of "
                + ", ".join(map(str, _BAUDS))
            )
        rate = _number("rate", options.get("rate", "40"), 0.1, 1000)
        spec = DriverSpec(camera, kind, optics, spec.timeout, device, int(address), int(baud), rate)
    return spec


def parse_specs(texts: Mapping[int, str], cameras: int) -> dict[int, DriverSpec]:
    """Every camera's spec (cameras without one have no PTZ); refuses a camera number the unit
    does not have."""
    specs = {}
    for camera, text in sorted(texts.items()):
        if not 1 <= camera <= cameras:
            raise InvalidParameter(f"PTZ driver for camera {camera}: there are {cameras} cameras")
        specs[camera] = parse_spec(camera, text)
    return specs
