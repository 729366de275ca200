"""The PTZ family's parameters: the ``PTZ`` group (limits, supported commands, per-camera
switches of the cameras that have a driver), preset positions (``PTZ.PresetPos``), guard
tours, and its ``Properties`` lines, which say exactly what the drivers serve."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter
from ipcamd.identity import Identity
from ipcamd.params.schema import ParamSpec, SchemaPart, Template, fixed, param
from ipcamd.params.types import NAME, Choice, Integer, ParamType, Text, YesNo
from ipcamd.ptz.driver import SUPPORT_LINES
from ipcamd.ptz.drivers import make_driver
from ipcamd.ptz.spec import DriverKind, DriverSpec

V, OP, A, NOBODY = AccessLevel.VIEWER, AccessLevel.OPERATOR, AccessLevel.ADMIN, AccessLevel.NOBODY

TRUE_FALSE = Choice(("true", "false"))
DEGREES = Text(16, r"-?[0-9]{1,3}(\.[0-9]{1,4})?", "degrees")


def _properties(drivers: Mapping[int, DriverSpec]) -> list[ParamSpec]:
    """``PTZ.PTZ`` is yes when some camera has a driver (ZoneMinder and Home Assistant send PTZ
    commands on yes), ``DigitalPTZ`` when one of them is digital; the preset API version (1.00:
    presets are ``PTZ.PresetPos`` groups of param.cgi) only when presets are served."""
    kinds = {spec.kind for spec in drivers.values()}
    specs = [
        fixed("PTZ.PTZ", "yes" if drivers else "no"),
        fixed("PTZ.DigitalPTZ", "yes" if DriverKind.DIGITAL in kinds else "no"),
    ]
    if drivers:
        specs.insert(0, fixed("API.PTZ.Presets.Version", "1.00"))
    return specs


def _number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Degrees(ParamType):
    """An angle in degrees within a head's range (``PTZ.Limit.L<n>.MaxPan``): a plain decimal
    of at most 4 places, stored as ``22.5`` / ``-30``."""

    minimum: float
    maximum: float

    def validate(self, raw: str) -> str:
        """The canonical form of ``raw`` or InvalidParameter."""
        if not re.fullmatch(r"[+-]?[0-9]{1,3}(\.[0-9]{1,4})?", raw) or not (
            self.minimum <= float(raw) <= self.maximum
        ):
            raise InvalidParameter(f"expected {self.describe()}")
        return _number(float(raw))

    def describe(self) -> str:
        """The range, for error lines."""
        return f"degrees from {self.minimum:g} to {self.maximum:g}"


def _driver_groups(camera: int, spec: DriverSpec) -> dict[str, list[ParamSpec]]:
    """``Limit.L<n>``, ``Support.S<n>`` and ``Various.V<n>`` of a camera with a driver, as real
    devices list them only for such cameras."""
    driver = make_driver(spec)
    bounds = driver.limits
    pan = Degrees(bounds.min_pan, bounds.max_pan)
    tilt = Degrees(bounds.min_tilt, bounds.max_tilt)
    zoom = Integer(round(bounds.min_zoom), round(bounds.max_zoom))
    prefix = f"Limit.L{camera}"
    limit = [
        param(f"{prefix}.MaxPan", pan, _number(bounds.max_pan), V, A),
        param(f"{prefix}.MinPan", pan, _number(bounds.min_pan), V, A),
        param(f"{prefix}.MaxTilt", tilt, _number(bounds.max_tilt), V, A),
        param(f"{prefix}.MinTilt", tilt, _number(bounds.min_tilt), V, A),
        param(f"{prefix}.MaxZoom", zoom, _number(bounds.max_zoom), V, A),
        param(f"{prefix}.MinZoom", zoom, _number(bounds.min_zoom), V, A),
        fixed(f"Limit.L{camera}.MaxFieldAngle", _number(bounds.max_field_angle)),
        fixed(f"Limit.L{camera}.MinFieldAngle", _number(bounds.min_field_angle)),
    ]
    names = {c.value for c in driver.capabilities}
    support = [
        fixed(f"Support.S{camera}.{name}", "true" if name in names else "false")
        for name in SUPPORT_LINES
    ]
    various = [
        fixed(f"Various.V{camera}.CtlQueueing", "false"),
        fixed(f"Various.V{camera}.CtlQueueLimit", "20"),
        fixed(f"Various.V{camera}.CtlQueuePollTime", "20"),
        param(f"Various.V{camera}.Locked", TRUE_FALSE, "false", V, OP),
        param(f"Various.V{camera}.VerticalReverse", TRUE_FALSE, "false", V, OP),
        param(f"Various.V{camera}.HorizontalReverse", TRUE_FALSE, "false", V, OP),
    ]
    return {"Limit": limit, "Support": support, "Various": various}


def _ptz(identity: Identity, drivers: Mapping[int, DriverSpec]) -> list[ParamSpec]:
    cameras = range(1, identity.cameras + 1)
    specs = [
        fixed("CameraDefault", "1"),
        fixed("NbrOfCameras", str(identity.cameras)),
        fixed("NbrOfSerPorts", str(sum(s.kind is DriverKind.PELCO_D for s in drivers.values()))),
        param("BoaProtPTZOperator", Choice(("password", "anonymous")), "password", A, A),
    ]
    specs += [fixed(f"CamPorts.Cam{i}Port", "1" if i in drivers else "0") for i in cameras]
    specs += [
        fixed(f"ImageSource.I{i}.PTZEnabled", "true" if i + 1 in drivers else "false")
        for i in range(identity.cameras)
    ]
    groups = [_driver_groups(camera, spec) for camera, spec in sorted(drivers.items())]
    for name in ("Limit", "Support", "Various"):
        for group in groups:
            specs += group[name]
    return specs


PRESET = Template(
    "presetpos",
    "PTZ.PresetPos",
    (
        param("Name", NAME, "", V, OP),
        param("ImageSource", Integer(0, 3), "0", V, OP),
        param("Position", Integer(1, 100), "1", V, OP),
        param("Pan", DEGREES, "0", V, OP),
        param("Tilt", DEGREES, "0", V, OP),
        param("Zoom", Integer(1, 9999), "1", V, OP),
        param("Home", YesNo(), "no", V, OP),
    ),
    limit=100,
)

GUARD_TOUR = Template(
    "guardtour",
    "GuardTour",
    (
        param("Name", NAME, "", OP, OP),
        param("CamNbr", Integer(1, 4), "1", OP, OP),
        param("Running", YesNo(), "no", OP, OP),
        param("RandomEnabled", YesNo(), "no", OP, OP),
        param("TimeBetweenSequences", Integer(0, 86400), "0", OP, OP),
    ),
)

TOUR = Template(
    "tour",
    "GuardTour.G#.Tour",
    (
        param("PresetNbr", Integer(1, 100), "1", OP, OP),
        param("Position", Integer(1, 100), "1", OP, OP),
        param("MoveSpeed", Integer(1, 100), "70", OP, OP),
        param("WaitTime", Integer(0, 86400), "10", OP, OP),
        param("WaitTimeViewType", Choice(("Seconds", "Minutes")), "Seconds", OP, OP),
    ),
    limit=100,
)


def schema_part(identity: Identity, drivers: Mapping[int, DriverSpec] | None = None) -> SchemaPart:
    """``PTZ``, the preset and guard tour templates, and the PTZ Properties lines: what the
    cameras' ``drivers`` serve, and nothing for a camera without one."""
    drivers = drivers or {}
    return SchemaPart(
        groups={"PTZ": _ptz(identity, drivers)},
        properties=_properties(drivers),
        templates=[PRESET, GUARD_TOUR, TOUR],
    )
