"""The texts ptz.cgi answers with: ``info=1``, ``query=…`` and ``whoami=1``.

Shapes follow real devices (the listings kept in the ``axis`` library's tests): ``name=value``
lines, ``pan=51.2891`` with four decimals, ``Preset Positions for camera 1`` headers. Lines end
in ``\\r\\n``, as the spec's server replies do.
"""

from __future__ import annotations

from collections.abc import Iterable

from ipcamd.ptz.driver import Capability as C
from ipcamd.ptz.driver import Driver, Limits, Position
from ipcamd.ptz.presets import Preset

EOL = "\r\n"

#: ``info=1`` lines, each shown when the driver has its capability (None: every driver).
_COMMANDS: tuple[tuple[C | None, tuple[str, ...]], ...] = (
    (None, ("{camera=[n]}", "whoami=yes")),
    (C.AREA_ZOOM, ("center=[x],[y]", "   imagewidth=[n]", "   imageheight=[n]")),
    (C.AREA_ZOOM, ("areazoom=[x],[y],[z]", "   imagewidth=[n]", "   imageheight=[n]")),
    (
        C.RELATIVE_PAN,
        (
            "move={ home | up | down | left | right | upleft | upright | downleft"
            " | downright | stop }",
        ),
    ),
    (C.ABSOLUTE_PAN, ("pan=[abspos]",)),
    (C.ABSOLUTE_TILT, ("tilt=[abspos]",)),
    (C.ABSOLUTE_ZOOM, ("zoom=[n]",)),
    (C.RELATIVE_PAN, ("rpan=[offset]",)),
    (C.RELATIVE_TILT, ("rtilt=[offset]",)),
    (C.RELATIVE_ZOOM, ("rzoom=[offset]",)),
    (C.RELATIVE_FOCUS, ("rfocus=[offset]",)),
    (C.RELATIVE_IRIS, ("riris=[offset]",)),
    (C.AUTO_FOCUS, ("autofocus={ on | off }",)),
    (C.AUTO_IRIS, ("autoiris={ on | off }",)),
    (C.CONTINUOUS_PAN, ("continuouspantiltmove=[x-speed],[y-speed]",)),
    (C.CONTINUOUS_ZOOM, ("continuouszoommove=[speed]",)),
    (C.CONTINUOUS_FOCUS, ("continuousfocusmove=[speed]",)),
    (C.CONTINUOUS_IRIS, ("continuousirismove=[speed]",)),
    (
        C.SERVER_PRESET,
        (
            "setserverpresetname=[name]",
            "setserverpresetno=[n]",
            "removeserverpresetname=[name]",
            "removeserverpresetno=[n]",
            "gotoserverpresetname=[name]",
            "gotoserverpresetno=[n]",
        ),
    ),
    (C.DEVICE_PRESET, ("gotodevicepreset=[n]",)),
    (C.SPEED_CTL, ("speed=[n]",)),
    (None, ("imagerotation={ 0 | 90 | 180 | 270 }",)),
    (C.AUTO_PAN, ("autopan={ on | off }",)),
    (C.SERVER_PRESET, ("tour={ on | off }", "   tournum=[n]")),
    (None, ("vertical_reverse={ 1 | 0 }", "horizontal_reverse={ 1 | 0 }")),
    (C.RAW_DATA, ("rawdata=[hex bytes]",)),
    (None, ("query={ speed | position | limits | presetposcam | presetposall }",)),
)


def lines(items: Iterable[str]) -> str:
    """``items`` as reply lines."""
    return "".join(item + EOL for item in items)


def info(driver: Driver | None) -> str:
    """``info=1``: the commands this camera's driver takes (none for a camera without one)."""
    found = ["Available commands", ":"]
    if driver is not None:
        for capability, commands in _COMMANDS:
            if capability is None or capability in driver.capabilities:
                found += commands
    return lines(found)


def angle(value: float) -> str:
    """A position as real devices print it: four decimals."""
    text = f"{value:.4f}"
    return "0.0000" if text == "-0.0000" else text


def position(where: Position, driver: Driver) -> str:
    """``query=position``: pan, tilt, zoom, and the switches the driver has."""
    found = [f"pan={angle(where.pan)}", f"tilt={angle(where.tilt)}", f"zoom={round(where.zoom)}"]
    autofocus, autoiris = driver.auto_state
    if autofocus is not None:
        found.append(f"autofocus={'on' if autofocus else 'off'}")
    if autoiris is not None:
        found.append(f"autoiris={'on' if autoiris else 'off'}")
    return lines(found)


def limits(bounds: Limits) -> str:
    """``query=limits``."""
    return lines(
        [
            f"MinPan={bounds.min_pan:g}",
            f"MaxPan={bounds.max_pan:g}",
            f"MinTilt={bounds.min_tilt:g}",
            f"MaxTilt={bounds.max_tilt:g}",
            f"MinZoom={bounds.min_zoom:g}",
            f"MaxZoom={bounds.max_zoom:g}",
            f"MinFieldAngle={bounds.min_field_angle:g}",
            f"MaxFieldAngle={bounds.max_field_angle:g}",
        ]
    )


def presets(by_camera: Iterable[tuple[int, list[Preset]]]) -> str:
    """``query=presetposall`` / ``presetposcam``: a header per camera, then its presets."""
    found = []
    for camera, stored in by_camera:
        found.append(f"Preset Positions for camera {camera}")
        found += [f"presetposno{p.number}={p.name}" for p in stored]
    return lines(found)
