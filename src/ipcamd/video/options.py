"""The request arguments of the image and stream CGIs, validated into a :class:`StreamOptions`.

Arguments override, in order: the camera's ``Image.I<n>`` settings, then the parameters of a
named stream profile (``streamprofile=``), then the request's own arguments. Unknown arguments
are ignored, as real devices do (browsers add cache-busting ones).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ipcamd.errors import InvalidParameter
from ipcamd.params.types import reject_control_characters
from ipcamd.video.osd import Background, OsdSpec, Position
from ipcamd.video.render import RenderSpec
from ipcamd.video.resolution import size_of

#: Every argument the image and stream CGIs understand.
KNOWN = (
    "camera",
    "resolution",
    "compression",
    "fps",
    "req_fps",
    "des_fps",
    "rotation",
    "mirror",
    "duration",
    "nbrofframes",
    "clock",
    "date",
    "text",
    "textstring",
    "textcolor",
    "textbackgroundcolor",
    "textpos",
    "squarepixel",
    "streamprofile",
)

MAX_FPS = 100


@dataclass(frozen=True, slots=True)
class StreamOptions:
    """A validated request: what to render (frame rate included), and when a stream ends."""

    #: What to render, including the frame rate (``spec.fps``, 0: as the source delivers).
    spec: RenderSpec
    #: Seconds after which a stream ends (0: never).
    duration: int = 0
    #: Frames after which a stream ends (0: never).
    frames: int = 0


def _integer(name: str, raw: str, low: int, high: int) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not low <= int(raw) <= high:
        raise InvalidParameter(f"Invalid {name} '{raw}' (an integer from {low} to {high})")
    return int(raw)


def _flag(name: str, raw: str) -> bool:
    if raw not in ("0", "1"):
        raise InvalidParameter(f"Invalid {name} '{raw}' (0 or 1)")
    return raw == "1"


def _fps(name: str, raw: str) -> float:
    if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3})?", raw) or float(raw) > MAX_FPS:
        raise InvalidParameter(f"Invalid {name} '{raw}' (frames per second, 0 to {MAX_FPS})")
    return float(raw)


def _choice(name: str, raw: str, values: tuple[str, ...]) -> str:
    if raw not in values:
        raise InvalidParameter(f"Invalid {name} '{raw}' (one of {', '.join(values)})")
    return raw


def build_options(
    camera: str,
    args: Mapping[str, str],
    setting: Callable[[str], str],
    profile_args: Mapping[str, str] | None = None,
) -> StreamOptions:
    """Options for ``camera`` from request ``args`` over ``profile_args`` over the settings.

    ``setting(name)`` reads a camera setting by its name under ``Image.I<n>`` (``Resolution``,
    ``Text.ClockEnabled``…) or ``Image`` (``DateFormat``).
    """
    merged = {**(profile_args or {}), **args}

    def flag(name: str, setting_name: str) -> bool:
        if name in merged:
            return _flag(name, merged[name])
        return setting(setting_name) == "yes"

    def choice(name: str, setting_name: str, values: tuple[str, ...]) -> str:
        # A given but empty value is invalid, never "the default".
        return _choice(name, merged[name] if name in merged else setting(setting_name), values)

    width, height = size_of(
        merged["resolution"] if "resolution" in merged else setting("Resolution")
    )
    osd = OsdSpec(
        date=flag("date", "Text.DateEnabled"),
        clock=flag("clock", "Text.ClockEnabled"),
        text=flag("text", "Text.TextEnabled"),
        string=_text_string(merged.get("textstring")) or setting("Text.String"),
        position=Position(choice("textpos", "Text.Position", ("top", "bottom"))),
        color=choice("textcolor", "Text.TextColor", ("white", "black")),
        background=Background(
            choice("textbackgroundcolor", "Text.BGColor", tuple(b.value for b in Background))
        ),
        date_format=setting("DateFormat"),
        time_format=setting("TimeFormat"),
    )
    if "squarepixel" in merged:
        _flag("squarepixel", merged["squarepixel"])  # every pixel is square already
    compression = int(setting("Compression"))
    if "compression" in merged:
        compression = _integer("compression", merged["compression"], 0, 100)
    rotation = int(choice("rotation", "Rotation", ("0", "90", "180", "270")))
    fps = float(setting("FPS"))
    for name in ("fps", "req_fps", "des_fps"):
        if name in merged:
            fps = _fps(name, merged[name])
    spec = RenderSpec(
        camera=camera,
        width=width,
        height=height,
        compression=compression,
        rotation=rotation,
        mirror=flag("mirror", "MirrorEnabled"),
        osd=osd,
        fps=fps,
    )
    duration = frames = 0
    if "duration" in merged:
        duration = _integer("duration", merged["duration"], 0, 10**8)
    if "nbrofframes" in merged:
        frames = _integer("nbrofframes", merged["nbrofframes"], 0, 10**8)
    return StreamOptions(spec=spec, duration=duration, frames=frames)


def _text_string(raw: str | None) -> str:
    if raw is None:
        return ""
    reject_control_characters(raw)
    if len(raw) > 64:
        raise InvalidParameter("Invalid textstring (at most 64 characters)")
    return raw
