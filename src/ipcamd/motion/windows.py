"""Motion windows as values: what a ``Motion.M<n>`` group says, checked and ready to analyse.

Pure (no I/O): the window template's group check (:func:`check_window`), the windows of a
parameter listing (:func:`MotionWindow.from_values`) and the per-stream overrides of
``motiondata.cgi`` (:meth:`MotionWindow.overridden`) all read the same names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ipcamd.errors import InvalidParameter

#: The largest coordinate: windows are given in 0-9999 image units, whatever the resolution.
MAX_COORDINATE = 9999

#: The window parameters ``motiondata.cgi`` takes as overrides of one stream (spec 5.4.5: "the
#: last part of the parameters in the parameter group Motion.M#.<name>"): the ones that change
#: a level. Name, ImageSource and WindowType say which window it is, not how it is measured.
OVERRIDABLE = (
    "Left",
    "Right",
    "Top",
    "Bottom",
    "Sensitivity",
    "History",
    "ObjectSize",
    "Threshold",
)


class WindowType(StrEnum):
    """``Motion.M<n>.WindowType``: where motion counts, or where it never counts."""

    INCLUDE = "include"
    EXCLUDE = "exclude"


def check_window(values: Mapping[str, str]) -> None:
    """The motion template's group check: a window is a rectangle, not an inverted one.

    Each value has passed its own type (0-9999) already; raises InvalidParameter when Top lies
    below Bottom or Left right of Right (equal edges are a window one pixel wide).
    """
    for first, second in (("Top", "Bottom"), ("Left", "Right")):
        if int(values[first]) > int(values[second]):
            raise InvalidParameter(
                f"{first} ({values[first]}) is greater than {second} ({values[second]})"
            )


@dataclass(frozen=True, slots=True)
class MotionWindow:
    """One ``Motion.M<n>`` window of one camera (its numbers as the parameters hold them)."""

    #: ``n`` of ``Motion.M<n>``: the ``group=`` of motiondata.cgi and the events' ``window``.
    number: int
    #: The camera as ``camera=`` counts (``ImageSource`` + 1).
    camera: int
    type: WindowType
    left: int
    right: int
    top: int
    bottom: int
    sensitivity: int
    history: int
    object_size: int
    threshold: int

    @property
    def include(self) -> bool:
        """True for a window whose motion is measured (exclude windows only mask)."""
        return self.type is WindowType.INCLUDE

    @property
    def key(self) -> tuple[int, int]:
        """The key of its events on the bus: (camera, window)."""
        return (self.camera, self.number)

    @classmethod
    def from_values(cls, number: int, values: Mapping[str, str]) -> MotionWindow:
        """The window ``Motion.M<number>`` whose parameters (relative names) are ``values``."""
        return cls(
            number,
            int(values["ImageSource"]) + 1,
            WindowType(values["WindowType"]),
            **_measures(values),
        )

    def values(self) -> dict[str, str]:
        """The parameters that say how the window is measured (:data:`OVERRIDABLE`), by name."""
        return {name: str(getattr(self, field)) for name, field in _FIELDS.items()}

    def overridden(self, overrides: Mapping[str, str]) -> MotionWindow:
        """This window with ``overrides`` (names of :data:`OVERRIDABLE`, values already
        validated by their types) in place of its own values.

        Raises InvalidParameter when the result is no rectangle (``Top=9000`` on a window whose
        Bottom is 7000).
        """
        if not overrides:
            return self
        merged = {**self.values(), **overrides}
        try:
            check_window(merged)
        except InvalidParameter as err:
            raise InvalidParameter(f"Window {self.number} with the overrides: {err}") from err
        return MotionWindow(self.number, self.camera, self.type, **_measures(merged))


#: Each parameter of :data:`OVERRIDABLE` and the :class:`MotionWindow` field it fills.
_FIELDS = dict(
    zip(
        OVERRIDABLE,
        ("left", "right", "top", "bottom", "sensitivity", "history", "object_size", "threshold"),
        strict=True,
    )
)


def _measures(values: Mapping[str, str]) -> dict[str, int]:
    """The :data:`OVERRIDABLE` parameters of ``values`` as window fields."""
    return {field: int(values[name]) for name, field in _FIELDS.items()}
