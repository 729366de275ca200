"""Stream options of a recording, as Axis's recording API takes them: ``resolution=640x480&fps=15``.

The same text is a continuous recording's ``Recording.Continuous.I<n>.Options`` and
``record.cgi``'s ``options`` argument. Names and values are checked here (the names the image
CGIs understand, each value by its type); the video service applies them over the camera's
``Image.I<n>`` settings when the recording starts, so a recording looks like a stream asked for
with the same arguments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from ipcamd.errors import InvalidParameter
from ipcamd.params.types import Choice, Integer, ParamType, Resolution, Text

_FLAG = Choice(("0", "1"))

#: What a recording may ask of its stream, and each value's type.
OPTION_TYPES: Final[Mapping[str, ParamType]] = MappingProxyType(
    {
        "resolution": Resolution(),
        "compression": Integer(0, 100),
        "fps": Text(7, r"[0-9]{1,3}(\.[0-9]{1,3})?", "frames per second, 0 to 100"),
        "rotation": Choice(("0", "90", "180", "270")),
        "mirror": _FLAG,
        "clock": _FLAG,
        "date": _FLAG,
        "text": _FLAG,
        "textpos": Choice(("top", "bottom")),
        "streamprofile": Text(32, r"[A-Za-z0-9_-]+", "a stream profile name"),
    }
)
MAX_FPS = 100.0


def parse_options(raw: str) -> dict[str, str]:
    """``resolution=640x480&fps=15`` → ``{"resolution": "640x480", "fps": "15"}``; each name
    once, each value valid for its name; the empty text is no option at all."""
    options: dict[str, str] = {}
    if not raw:
        return options
    for item in raw.split("&"):
        name, sep, value = item.partition("=")
        kind = OPTION_TYPES.get(name)
        if not sep or kind is None:
            known = ", ".join(OPTION_TYPES)
            raise InvalidParameter(f"Invalid option '{item}' (name=value, names: {known})")
        if name in options:
            raise InvalidParameter(f"Option '{name}' given more than once in '{raw}'")
        try:
            options[name] = kind.validate(value)
        except InvalidParameter as err:
            raise InvalidParameter(f"Invalid option '{item}': {err}") from None
        if name == "fps" and float(value) > MAX_FPS:
            raise InvalidParameter(f"Invalid option '{item}': at most {MAX_FPS:g} frames a second")
    return options


def format_options(options: Mapping[str, str]) -> str:
    """The text of ``options`` (names in the order given)."""
    return "&".join(f"{name}={value}" for name, value in options.items())


@dataclass(frozen=True)
class OptionsType(ParamType):
    """A parameter holding recording options (``Recording.Continuous.I<n>.Options``)."""

    def validate(self, raw: str) -> str:
        """The options, checked and written canonically."""
        return format_options(parse_options(raw))

    def describe(self) -> str:
        """Shown in error messages."""
        return "stream options such as resolution=640x480&fps=15"
