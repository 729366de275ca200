"""The motion family's parameters: motion windows (``Motion.M<n>``, spec 5.4) and its
``Properties`` lines."""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.identity import Identity
from ipcamd.params.schema import ParamSpec, SchemaPart, Template, fixed, param
from ipcamd.params.types import NAME, Choice, Integer

OP = AccessLevel.OPERATOR


def window_template(identity: Identity) -> Template:
    """``param.cgi?action=add&group=Motion&template=motion``: one window, in 0-9999 units."""
    coordinate = Integer(0, 9999)
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
            param("WindowType", Choice(("include", "exclude")), "include", OP, OP),
            param("Sensitivity", Integer(0, 100), "90", OP, OP),
            param("History", Integer(0, 100), "90", OP, OP),
            param("ObjectSize", Integer(0, 100), "15", OP, OP),
        ),
    )


def _properties(windows: Template) -> list[ParamSpec]:
    """Windows can be configured (``param.cgi``, up to the template's limit) but nothing detects
    motion yet: ``Motion.Motion=no`` until the motion issue switches it on."""
    return [fixed("Motion.Motion", "no"), fixed("Motion.MaxNbrOfWindows", str(windows.limit))]


def schema_part(identity: Identity) -> SchemaPart:
    """The motion window template and the motion Properties lines."""
    windows = window_template(identity)
    return SchemaPart(properties=_properties(windows), templates=[windows])
