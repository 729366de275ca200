"""The PTZ family's parameters: the ``PTZ`` group (limits, supported commands, per-camera
switches), preset positions (``PTZ.PresetPos``), guard tours, and its ``Properties`` lines."""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.identity import Identity
from ipcamd.params.schema import ParamSpec, SchemaPart, Template, fixed, param
from ipcamd.params.types import NAME, Choice, Integer, Text, YesNo

V, OP, A, NOBODY = AccessLevel.VIEWER, AccessLevel.OPERATOR, AccessLevel.ADMIN, AccessLevel.NOBODY

TRUE_FALSE = Choice(("true", "false"))
DEGREES = Text(16, r"-?[0-9]{1,3}(\.[0-9]{1,4})?", "degrees")

#: ``PTZ.Support.S<n>.*``: the commands a camera's driver takes.
SUPPORTED = {
    "AbsoluteBrightness": "false",
    "AbsoluteFocus": "false",
    "AbsoluteIris": "false",
    "AbsolutePan": "true",
    "AbsoluteTilt": "true",
    "AbsoluteZoom": "true",
    "ActionNotification": "false",
    "AreaZoom": "true",
    "AutoFocus": "false",
    "AutoIrCutFilter": "false",
    "AutoIris": "false",
    "Auxiliary": "false",
    "BackLight": "false",
    "ContinuousBrightness": "false",
    "ContinuousFocus": "false",
    "ContinuousIris": "false",
    "ContinuousPan": "true",
    "ContinuousTilt": "true",
    "ContinuousZoom": "true",
    "DevicePreset": "false",
    "DigitalZoom": "true",
    "GenericHTTP": "false",
    "IrCutFilter": "false",
    "JoyStickEmulation": "false",
    "LensOffset": "false",
    "OSDMenu": "false",
    "ProportionalSpeed": "false",
    "RelativeBrightness": "false",
    "RelativeFocus": "false",
    "RelativeIris": "false",
    "RelativePan": "true",
    "RelativeTilt": "true",
    "RelativeZoom": "true",
    "ServerPreset": "true",
    "SpeedCtl": "true",
}


def _properties() -> list[ParamSpec]:
    """No driver moves a camera yet: ``no`` (ZoneMinder and Home Assistant send PTZ commands on
    ``yes``). The PTZ issue switches these on and adds ``API.PTZ.Presets.Version``."""
    return [fixed("PTZ.PTZ", "no"), fixed("PTZ.DigitalPTZ", "no")]


def _ptz(identity: Identity) -> list[ParamSpec]:
    cameras = range(1, identity.cameras + 1)
    specs = [
        fixed("CameraDefault", "1"),
        fixed("NbrOfCameras", str(identity.cameras)),
        fixed("NbrOfSerPorts", "1"),
        param("BoaProtPTZOperator", Choice(("password", "anonymous")), "password", A, A),
    ]
    specs += [fixed(f"CamPorts.Cam{i}Port", "1") for i in cameras]
    specs += [
        param(f"ImageSource.I{i}.PTZEnabled", TRUE_FALSE, "true", V, A)
        for i in range(identity.cameras)
    ]
    for i in cameras:
        specs += [
            fixed(f"Limit.L{i}.MaxPan", "180"),
            fixed(f"Limit.L{i}.MinPan", "-180"),
            fixed(f"Limit.L{i}.MaxTilt", "90"),
            fixed(f"Limit.L{i}.MinTilt", "-90"),
            fixed(f"Limit.L{i}.MaxZoom", "9999"),
            fixed(f"Limit.L{i}.MinZoom", "1"),
            fixed(f"Limit.L{i}.MaxFieldAngle", "62"),
            fixed(f"Limit.L{i}.MinFieldAngle", "6"),
        ]
    for i in cameras:
        specs += [fixed(f"Support.S{i}.{name}", value) for name, value in SUPPORTED.items()]
    for i in cameras:
        specs += [
            fixed(f"Various.V{i}.CtlQueueing", "false"),
            fixed(f"Various.V{i}.CtlQueueLimit", "20"),
            fixed(f"Various.V{i}.CtlQueuePollTime", "20"),
            param(f"Various.V{i}.HomePresetSet", TRUE_FALSE, "false", V, NOBODY),
            param(f"Various.V{i}.Locked", TRUE_FALSE, "false", V, OP),
            param(f"Various.V{i}.PanEnabled", TRUE_FALSE, "true", V, OP),
            param(f"Various.V{i}.TiltEnabled", TRUE_FALSE, "true", V, OP),
            param(f"Various.V{i}.ZoomEnabled", TRUE_FALSE, "true", V, OP),
            param(f"Various.V{i}.SpeedCtlEnabled", TRUE_FALSE, "true", V, OP),
        ]
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


def schema_part(identity: Identity) -> SchemaPart:
    """``PTZ``, the preset and guard tour templates, and the PTZ Properties lines."""
    return SchemaPart(
        groups={"PTZ": _ptz(identity)},
        properties=_properties(),
        templates=[PRESET, GUARD_TOUR, TOUR],
    )
