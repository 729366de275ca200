"""The arguments of ``com/ptz.cgi`` and ``com/ptzconfig.cgi`` (spec 5.3.3, 5.3.4), checked.

Parsing is pure: it turns the pairs of a request into a :class:`PtzRequest` (every value typed
and within the spec's range) or raises InvalidParameter naming the first bad argument, before
anything moves. What the camera's driver can do is checked afterwards, by the service.
Numbers are plain decimals (``-12.5``, ``+3``): no exponents, ``nan`` or ``inf``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ipcamd.errors import InvalidParameter, MalformedRequest
from ipcamd.ptz.driver import OsdCommand

_FLOAT = re.compile(r"[+-]?([0-9]{1,6}(\.[0-9]{0,6})?|\.[0-9]{1,6})")
_INT = re.compile(r"[+-]?[0-9]{1,6}")

MOVES = (
    "home",
    "up",
    "down",
    "left",
    "right",
    "upleft",
    "upright",
    "downleft",
    "downright",
    "stop",
)
QUERIES = ("position", "limits", "speed", "presetposall", "presetposcam")
ROTATIONS = (0, 90, 180, 270)

#: Arguments that only read (a request of these alone changes nothing).
READING = ("camera", "info", "query", "whoami")
PTZ_ARGUMENTS = (
    *READING,
    "center",
    "areazoom",
    "imagewidth",
    "imageheight",
    "move",
    "pan",
    "tilt",
    "zoom",
    "rpan",
    "rtilt",
    "rzoom",
    "rfocus",
    "riris",
    "autofocus",
    "autoiris",
    "continuouspantiltmove",
    "continuouszoommove",
    "continuousfocusmove",
    "continuousirismove",
    "gotoserverpresetname",
    "gotoserverpresetno",
    "gotodevicepreset",
    "speed",
    "imagerotation",
    "autopan",
    "tour",
    "tournum",
    "vertical_reverse",
    "horizontal_reverse",
    "rawdata",
    # ZoneMinder's Axis script sends its preset changes to ptz.cgi, as older firmware took them.
    "setserverpresetname",
    "setserverpresetno",
    "removeserverpresetname",
    "removeserverpresetno",
    "home",
)
CONFIG_ARGUMENTS = (
    "camera",
    "setserverpresetname",
    "setserverpresetno",
    "home",
    "removeserverpresetname",
    "removeserverpresetno",
    "osdmenu",
)


def number(name: str, raw: str, low: float, high: float) -> float:
    """A decimal within ``[low, high]``."""
    if not _FLOAT.fullmatch(raw) or not low <= float(raw) <= high:
        raise InvalidParameter(f"Invalid {name} '{raw}' (a number from {low:g} to {high:g})")
    return float(raw)


def integer(name: str, raw: str, low: int, high: int) -> int:
    """An integer within ``[low, high]``."""
    if not _INT.fullmatch(raw) or not low <= int(raw) <= high:
        raise InvalidParameter(f"Invalid {name} '{raw}' (an integer from {low} to {high})")
    return int(raw)


def _pair(name: str, raw: str, low: int, high: int, count: int = 2) -> tuple[int, ...]:
    items = raw.split(",")
    if len(items) != count:
        raise InvalidParameter(f"Invalid {name} '{raw}' ({count} comma-separated integers)")
    return tuple(integer(name, item, low, high) for item in items)


def _choice(name: str, raw: str, values: Iterable[str]) -> str:
    values = tuple(values)
    if raw not in values:
        raise InvalidParameter(f"Invalid {name} '{raw}' (one of {', '.join(values)})")
    return raw


def _switch(name: str, raw: str) -> bool:
    return _choice(name, raw, ("on", "off")) == "on"


def _name(name: str, raw: str) -> str:
    if not raw or len(raw) > 64 or re.search(r"[\x00-\x1f\x7f-\x9f]", raw):
        raise InvalidParameter(f"Invalid {name} (a preset name of 1 to 64 characters)")
    return raw


def parse_raw(raw: str) -> bytes:
    """``rawdata``: hex bytes, comma-separated (``ff,01,00,08,00,00,09``) or run together."""
    items = raw.split(",") if "," in raw else [raw[i : i + 2] for i in range(0, len(raw), 2)]
    if not raw or any(not re.fullmatch(r"[0-9a-fA-F]{1,2}", item) for item in items):
        raise InvalidParameter(f"Invalid rawdata '{raw}' (hex bytes, e.g. ff,01,00,08,00,20,29)")
    return bytes(int(item, 16) for item in items)


@dataclass
class PtzRequest:
    """One request's commands, typed; ``None`` where the argument was not given."""

    camera: int | None = None
    info: bool = False
    query: str | None = None
    whoami: bool = False
    center: tuple[int, int] | None = None
    areazoom: tuple[int, int, int] | None = None
    imagewidth: int | None = None
    imageheight: int | None = None
    move: str | None = None
    pan: float | None = None
    tilt: float | None = None
    zoom: int | None = None
    rpan: float | None = None
    rtilt: float | None = None
    rzoom: int | None = None
    rfocus: int | None = None
    riris: int | None = None
    autofocus: bool | None = None
    autoiris: bool | None = None
    continuouspantiltmove: tuple[int, int] | None = None
    continuouszoommove: int | None = None
    continuousfocusmove: int | None = None
    continuousirismove: int | None = None
    gotoserverpresetname: str | None = None
    gotoserverpresetno: int | None = None
    gotodevicepreset: int | None = None
    speed: int | None = None
    imagerotation: int | None = None
    autopan: bool | None = None
    tour: bool | None = None
    tournum: int | None = None
    vertical_reverse: bool | None = None
    horizontal_reverse: bool | None = None
    rawdata: bytes | None = None
    setserverpresetname: str | None = None
    setserverpresetno: int | None = None
    removeserverpresetname: str | None = None
    removeserverpresetno: int | None = None
    home: bool = False
    osdmenu: OsdCommand | None = None
    #: Every argument given, in order.
    names: list[str] = field(default_factory=list)

    def given(self) -> list[str]:
        """The names of the commands given (``camera`` and the reading ones aside)."""
        return [name for name in self.names if name not in READING]


def parse(pairs: Iterable[tuple[str, str]], allowed: tuple[str, ...]) -> PtzRequest:
    """Check every argument of one request; raises InvalidParameter on the first bad one."""
    request = PtzRequest()
    seen: set[str] = set()
    for name, raw in pairs:
        if name not in allowed:
            raise InvalidParameter(f"Unknown argument '{name}'")
        if name in seen:
            raise MalformedRequest(f"Argument '{name}' given more than once")
        seen.add(name)
        request.names.append(name)
        _set(request, name, raw)
    if request.center is not None and request.areazoom is not None:
        raise InvalidParameter("center and areazoom cannot be combined")
    if (request.imagewidth or request.imageheight) and not (request.center or request.areazoom):
        raise InvalidParameter("imagewidth and imageheight go with center or areazoom")
    if request.tournum is not None and request.tour is None:
        raise InvalidParameter("tournum goes with tour=on")
    if request.tour and request.tournum is None:
        raise InvalidParameter("tour=on needs tournum (the guard tour's number)")
    if request.home and not (request.setserverpresetname or request.setserverpresetno):
        raise InvalidParameter("home=yes goes with setserverpresetname or setserverpresetno")
    reads = [n for n in ("info", "query", "whoami") if n in seen]
    if len(reads) > 1 or (reads and request.given()):
        raise InvalidParameter(f"{reads[0]} cannot be combined with other commands")
    return request


def _set(request: PtzRequest, name: str, raw: str) -> None:  # noqa: PLR0915 - the spec's table
    """Parse one argument into ``request`` (one case per row of 5.3.3 and 5.3.4)."""
    match name:
        case "camera":
            request.camera = integer(name, raw, 1, 99)
        case "info" | "whoami":
            _choice(name, raw, ("1", "yes"))
            setattr(request, name, True)
        case "query":
            request.query = _choice(name, raw, QUERIES)
        case "center":
            x, y = _pair(name, raw, 0, 99999)
            request.center = (x, y)
        case "areazoom":
            x, y, z = _pair(name, raw, 0, 99999, 3)
            if z < 1:
                raise InvalidParameter(f"Invalid areazoom '{raw}' (the zoom factor is 1 or more)")
            request.areazoom = (x, y, z)
        case "imagewidth" | "imageheight":
            setattr(request, name, integer(name, raw, 1, 99999))
        case "move":
            request.move = _choice(name, raw, MOVES)
        case "pan" | "tilt":
            setattr(request, name, number(name, raw, -180, 180))
        case "rpan" | "rtilt":
            setattr(request, name, number(name, raw, -360, 360))
        case "zoom":
            request.zoom = integer(name, raw, 1, 9999)
        case "rzoom" | "rfocus" | "riris":
            setattr(request, name, integer(name, raw, -9999, 9999))
        case "autofocus" | "autoiris" | "autopan" | "tour":
            setattr(request, name, _switch(name, raw))
        case "continuouspantiltmove":
            pan, tilt = _pair(name, raw, -100, 100)
            request.continuouspantiltmove = (pan, tilt)
        case "continuouszoommove" | "continuousfocusmove" | "continuousirismove":
            setattr(request, name, integer(name, raw, -100, 100))
        case "gotoserverpresetname" | "setserverpresetname" | "removeserverpresetname":
            setattr(request, name, _name(name, raw))
        case "gotoserverpresetno" | "setserverpresetno" | "removeserverpresetno":
            setattr(request, name, integer(name, raw, 1, 100))
        case "gotodevicepreset":
            request.gotodevicepreset = integer(name, raw, 1, 255)
        case "speed":
            request.speed = integer(name, raw, 1, 100)
        case "imagerotation":
            request.imagerotation = int(_choice(name, raw, [str(r) for r in ROTATIONS]))
        case "tournum":
            request.tournum = integer(name, raw, 0, 9999)
        case "vertical_reverse" | "horizontal_reverse":
            setattr(request, name, _choice(name, raw, ("1", "0")) == "1")
        case "rawdata":
            request.rawdata = parse_raw(raw)
        case "home":
            _choice(name, raw, ("yes",))
            request.home = True
        case "osdmenu":
            request.osdmenu = OsdCommand(_choice(name, raw, [c.value for c in OsdCommand]))
