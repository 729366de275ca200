"""The storage family's parameters: the SD_DISK (``Storage.S0``), recording defaults and
continuous recording per input (``Recording``), and its ``Properties.LocalStorage`` lines.

Names are Axis's where Axis has one (its edge storage API): ``Storage.S0.CleanupLevel``,
``CleanupMaxAge``, ``CleanupPolicyActive``, ``Locked``, ``Recording.DefaultDiskId``,
``DefaultSplitDuration``. ``Storage.S0.ReadOnly`` is ipcamd's own: the write-protect switch a
real SD card has, which a script may flip. ``Recording.Continuous.I<n>`` is ipcamd's own too
(Axis configures continuous recording through ``record/continuous/*.cgi`` profiles).
"""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.identity import Identity
from ipcamd.params.schema import ParamSpec, SchemaPart, fixed, param
from ipcamd.params.types import Choice, Integer, YesNo
from ipcamd.storage.model import DISK_ID, CleanupPolicy
from ipcamd.storage.options import OptionsType

V, OP, A = AccessLevel.VIEWER, AccessLevel.OPERATOR, AccessLevel.ADMIN

#: The API version of the disk management API served (``Properties.LocalStorage.Version``).
API_VERSION = "1.00"


def _properties() -> list[ParamSpec]:
    """What the storage CGIs serve: an SD card, recording, export; no continuous recording
    profiles (``record.cgi`` and the ``Recording.Continuous`` parameters start those)."""
    return [
        fixed("LocalStorage.LocalStorage", "yes"),
        fixed("LocalStorage.Version", API_VERSION),
        fixed("LocalStorage.SDCard", "yes"),
        fixed("LocalStorage.ContinuousRecording", "no"),
        fixed("LocalStorage.ExportRecording", "yes"),
    ]


def _storage() -> list[ParamSpec]:
    return [
        fixed("S0.DiskID", DISK_ID, read=OP),
        param(
            "S0.CleanupLevel",
            Integer(0, 99),
            "95",
            OP,
            A,
            description="Percent of the disk above which fifo cleanup deletes the oldest parts.",
        ),
        param(
            "S0.CleanupMaxAge",
            Integer(0, 7000),
            "1",
            OP,
            A,
            description="Days unlocked recordings are kept under fifo cleanup; 0 means no limit.",
        ),
        param(
            "S0.CleanupPolicyActive",
            Choice(tuple(policy.value for policy in CleanupPolicy)),
            CleanupPolicy.NONE.value,
            OP,
            A,
            description="fifo: the unit deletes old recordings; none: only remove.cgi does.",
        ),
        param("S0.Locked", YesNo(), "no", OP, A, description="yes: nothing is written or removed."),
        param(
            "S0.ReadOnly",
            YesNo(),
            "no",
            OP,
            A,
            description="The card's write-protect switch (a read-only file system also counts).",
        ),
    ]


def _recording(identity: Identity) -> list[ParamSpec]:
    specs = [
        fixed("DefaultDiskId", DISK_ID, read=V),
        param(
            "DefaultSplitDuration",
            Integer(1, 3600),
            "300",
            V,
            OP,
            description="Seconds of video in each segment file of a recording.",
        ),
    ]
    for i in range(identity.cameras):
        specs += [
            param(
                f"Continuous.I{i}.Enabled",
                YesNo(),
                "no",
                V,
                OP,
                description=f"Record camera {i + 1} continuously while the disk allows.",
            ),
            param(
                f"Continuous.I{i}.Options",
                OptionsType(),
                "",
                V,
                OP,
                description="Stream options over Image settings, e.g. resolution=640x480&fps=15.",
            ),
        ]
    return specs


def schema_part(identity: Identity) -> SchemaPart:
    """``Storage``, ``Recording`` and the storage Properties lines."""
    return SchemaPart(
        groups={"Storage": _storage(), "Recording": _recording(identity)},
        properties=_properties(),
    )
