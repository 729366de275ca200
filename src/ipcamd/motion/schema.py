"""The motion family's parameters: motion windows (``Motion.M<n>``, spec 5.4) and its
``Properties`` lines."""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.identity import Identity
from ipcamd.motion.windows import MAX_COORDINATE, WindowType, check_window
from ipcamd.params.schema import ParamSpec, SchemaPart, Template, fixed, param
from ipcamd.params.types import NAME, Choice, Integer

OP = AccessLevel.OPERATOR


def window_template(identity: Identity) -> Template:
    """``param.cgi?action=add&group=Motion&template=motion``: one window, in 0-9999 units.

    The names and defaults a real unit lists (Axis manuals: ObjectSize 15, History 90,
    Sensitivity 90), then ``Threshold``, the level ``motiondata.cgi`` shows beside each level
    (default 10). A window is a rectangle: Top above (or at) Bottom, Left at or left of Right.
    """
    coordinate = Integer(0, MAX_COORDINATE)
    return Template(
        "motion",
        "Motion",
        (
            param("Name", NAME, "", OP, OP),
            param("ImageSource", Integer(0, identity.cameras - 1), "0", OP, OP),
            param("Left", coordinate, "0", OP, OP),
            param("Right", coordinate, "9999", OP, OP),
            param("Top", coordinate, "0", OP, OP),
            param("Bottom", coordinate, "9999", OP, OP),
            param("WindowType", Choice([t.value for t in WindowType]), "include", OP, OP),
            param("Sensitivity", Integer(0, 100), "90", OP, OP),
            param("History", Integer(0, 100), "90", OP, OP),
            param("ObjectSize", Integer(0, 100), "15", OP, OP),
            param("Threshold", Integer(0, 100), "10", OP, OP),
        ),
        check=check_window,
    )


def _properties(windows: Template) -> list[ParamSpec]:
    """Motion detection is served (windows measured, ``motion/motiondata.cgi``), with up to the
    template's limit of windows (``param.cgi`` refuses more without ``force=yes``)."""
    return [fixed("Motion.Motion", "yes"), fixed("Motion.MaxNbrOfWindows", str(windows.limit))]


def schema_part(identity: Identity) -> SchemaPart:
    """The motion window template and the motion Properties lines."""
    windows = window_template(identity)
    return SchemaPart(properties=_properties(windows), templates=[windows])
