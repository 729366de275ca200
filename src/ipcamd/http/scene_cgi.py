"""``ipcamd/scene.cgi``: an ipcamd extension that scripts what a test-pattern camera shows.

Motion on demand: stop the pattern's bouncing box (``pattern=still``), make its bars scroll
too (``pattern=scrolling``: motion everywhere), and put a rectangle where a script wants it,
moving or still, in the 0-9999 units of motion windows::

    ipcamd/scene.cgi?camera=1                        the current scene
    ipcamd/scene.cgi?action=set&camera=1&pattern=still&object=moving
        &area=0,0,2500,2500&size=800,800&speed=3000,2000&luma=235

``area`` is ``left,top,right,bottom`` (where the object may be), ``size`` ``width[,height]``,
``position`` ``left,top`` (clamped into the area), ``speed`` ``x[,y]`` units per second (it
bounces off the area's edges), ``luma`` its grey level. Every reply lists the scene
(``name=value\\n``); settings not given keep their values. Operators and administrators only.
"""

from __future__ import annotations

import re
from dataclasses import replace

from aiohttp import web

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter
from ipcamd.http.error_replies import STATUS
from ipcamd.http.forms import Args, read_args
from ipcamd.http.keys import DEVICE
from ipcamd.http.replies import text
from ipcamd.http.routing import Router, acts_on
from ipcamd.video.sources.scripted import (
    MAX_UNIT,
    ObjectMode,
    ObjectScript,
    PatternMode,
    SceneState,
)

SETTINGS = ("pattern", "object", "area", "size", "position", "speed", "luma")
MAX_SPEED = 20_000
_NUMBER = re.compile(r"-?[0-9]{1,6}")


def _numbers(name: str, raw: str, counts: tuple[int, ...], low: int, high: int) -> list[int]:
    """``raw`` as ``counts`` comma-separated integers within [low, high]."""
    items = raw.split(",")
    if len(items) not in counts or not all(_NUMBER.fullmatch(item) for item in items):
        shape = " or ".join(str(n) for n in counts)
        raise InvalidParameter(f"Invalid {name} '{raw}' ({shape} integers from {low} to {high})")
    values = [int(item) for item in items]
    if not all(low <= value <= high for value in values):
        raise InvalidParameter(f"Invalid {name} '{raw}' (integers from {low} to {high})")
    return values


def _choice(name: str, raw: str, values: tuple[str, ...]) -> str:
    if raw not in values:
        raise InvalidParameter(f"Invalid {name} '{raw}' ({', '.join(values)})")
    return raw


def scripted(current: ObjectScript, args: Args) -> ObjectScript:
    """The object ``args`` ask for, over ``current`` (position None: where it is now)."""
    script = replace(current, position=None)
    raw = args.get("object")
    if raw is not None:
        script = replace(script, mode=ObjectMode(_choice("object", raw, tuple(ObjectMode))))
    raw = args.get("area")
    if raw is not None:
        left, top, right, bottom = _numbers("area", raw, (4,), 0, MAX_UNIT)
        if left > right or top > bottom:
            raise InvalidParameter(f"Invalid area '{raw}' (left,top,right,bottom: inverted)")
        script = replace(script, area=(left, top, right, bottom))
    raw = args.get("size")
    if raw is not None:
        sizes = _numbers("size", raw, (1, 2), 1, MAX_UNIT + 1)
        script = replace(script, size=(sizes[0], sizes[-1]))
    raw = args.get("position")
    if raw is not None:
        x, y = _numbers("position", raw, (2,), 0, MAX_UNIT)
        script = replace(script, position=(x, y))
    raw = args.get("speed")
    if raw is not None:
        speeds = _numbers("speed", raw, (1, 2), -MAX_SPEED, MAX_SPEED)
        script = replace(script, speed=(speeds[0], speeds[-1]))
    raw = args.get("luma")
    if raw is not None:
        script = replace(script, luma=_numbers("luma", raw, (1,), 0, 255)[0])
    left, top, right, bottom = script.area
    if script.size[0] > right - left + 1 or script.size[1] > bottom - top + 1:
        raise InvalidParameter(
            f"The object ({script.size[0]}x{script.size[1]}) does not fit in its area"
        )
    return script


def describe(camera: int, state: SceneState) -> str:
    """The scene as ``name=value`` lines."""
    script = state.script
    lines = {
        "camera": str(camera),
        "pattern": str(state.pattern),
        "object": str(script.mode),
        "area": ",".join(map(str, script.area)),
        "size": ",".join(map(str, script.size)),
        "position": ",".join(map(str, state.position)),
        "speed": ",".join(map(str, script.speed)),
        "luma": str(script.luma),
    }
    return "".join(f"{name}={value}\n" for name, value in lines.items())


async def handle_scene(request: web.Request) -> web.Response:
    """Show the scene, or (``action=set``) change it and show the result."""
    args = await read_args(request)
    unknown = args.unknown(("action", "camera", *SETTINGS))
    if unknown:
        raise InvalidParameter(f"Unknown argument '{unknown[0]}'")
    raw_camera = args.get("camera") or "1"
    if not re.fullmatch(r"[1-9]", raw_camera):
        raise InvalidParameter(f"Invalid camera '{raw_camera}'")
    camera = int(raw_camera)
    scene = request.app[DEVICE].video.scene(camera)
    action = args.get("action")
    if action not in (None, "get", "set"):
        raise InvalidParameter(f"Unknown action '{action}' (get or set)")
    given = [name for name in SETTINGS if args.get(name) is not None]
    if action != "set":
        if given:
            raise InvalidParameter(f"'{given[0]}' needs action=set")
        return text(describe(camera, scene.state()))
    if not given:
        raise InvalidParameter("Nothing to set (pattern, object, area, size, position, speed)")
    pattern = args.get("pattern")
    mode = None if pattern is None else PatternMode(_choice("pattern", pattern, tuple(PatternMode)))
    object_given = [name for name in given if name != "pattern"]
    script = scripted(scene.state().script, args) if object_given else None
    return text(describe(camera, scene.update(mode, script)))


def setup(router: Router) -> None:
    """Register scene.cgi (operators): ``action=set`` acts, showing only reads."""
    router.add(
        "ipcamd/scene.cgi",
        handle_scene,
        AccessLevel.OPERATOR,
        reply=STATUS,
        acts=acts_on("action", "set"),
    )
