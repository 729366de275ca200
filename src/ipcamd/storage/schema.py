"""The storage family's parameters (the SD_DISK's cleanup settings) and its ``Properties`` line."""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.params.schema import ParamSpec, SchemaPart, fixed, param
from ipcamd.params.types import Choice, Integer, YesNo

OP, A = AccessLevel.OPERATOR, AccessLevel.ADMIN


def _properties() -> list[ParamSpec]:
    """Nothing records yet: ``no`` until the storage issue switches it on."""
    return [fixed("LocalStorage.LocalStorage", "no")]


def schema_part() -> SchemaPart:
    """``Storage`` and the storage Properties line."""
    return SchemaPart(
        groups={
            "Storage": [
                fixed("S0.DiskID", "SD_DISK", read=OP),
                param("S0.CleanupLevel", Integer(0, 99), "95", OP, A),
                param("S0.CleanupMaxAge", Integer(0, 3650), "1", OP, A),
                param("S0.CleanupPolicy", Choice(("none", "fifo")), "none", OP, A),
                param("S0.Locked", YesNo(), "no", OP, A),
            ]
        },
        properties=_properties(),
    )
