"""The event rule template (``Event.E<n>``, spec 5.1.1.4)."""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.params.schema import SchemaPart, Template, param
from ipcamd.params.types import NAME, Choice, Integer, Text, YesNo

OP = AccessLevel.OPERATOR

UNITS = Choice(("ms", "s", "m", "h"))

EVENT = Template(
    "event",
    "Event",
    (
        param("Name", NAME, "", OP, OP),
        param("Type", Choice(("T", "S")), "T", OP, OP),
        param("Enabled", YesNo(), "yes", OP, OP),
        param("Active", YesNo(), "no", OP, OP),
        param("Priority", Integer(0, 2), "1", OP, OP),
        param("Image", Text(4, r"[1-4]|quad", "1-4 or quad"), "1", OP, OP),
        param("HWInputs", Text(8, r"[01x]{1,8}", "a pattern of 0, 1 and x"), "xxxx", OP, OP),
        param("SWInput", Text(64, r"[A-Za-z0-9:,._-]*", "a trigger expression"), "", OP, OP),
        param("Weekdays", Text(7, r"[01]{7}", "seven 0/1 flags"), "1111111", OP, OP),
        param("Starttime", Text(5, r"([01][0-9]|2[0-3]):[0-5][0-9]", "HH:MM"), "00:00", OP, OP),
        param("Duration", Integer(0, 168), "0", OP, OP),
        param("ImageURLSettingsEnabled", YesNo(), "no", OP, OP),
        param("ImageURLSettings", Text(255), "", OP, OP),
        param("IncludePreTrigger", YesNo(), "no", OP, OP),
        param("PreTriggerSize", Integer(0, 100000), "0", OP, OP),
        param("PreTriggerInterval", Integer(0, 3600000), "1000", OP, OP),
        param("PreTriggerIntervalUnit", UNITS, "s", OP, OP),
        param("PreTriggerUnit", UNITS, "s", OP, OP),
        param("IncludePostTrigger", YesNo(), "no", OP, OP),
        param("PostTriggerSize", Integer(0, 100000), "0", OP, OP),
        param("PostTriggerInterval", Integer(0, 3600000), "1000", OP, OP),
        param("PostTriggerIntervalUnit", UNITS, "s", OP, OP),
        param("PostTriggerUnit", UNITS, "s", OP, OP),
        param("IncludeBestEffort", YesNo(), "no", OP, OP),
        param("BestEffortInterval", Integer(0, 3600000), "1000", OP, OP),
        param("BestEffortDuration", Integer(0, 3600000), "0", OP, OP),
        param("BestEffortIntervalUnit", UNITS, "s", OP, OP),
        param("BestEffortDurationUnit", UNITS, "s", OP, OP),
        param("FileName", Text(64, r"[A-Za-z0-9._-]+", "a file name"), "image.jpg", OP, OP),
        param(
            "Suffix",
            Text(64, r"[A-Za-z0-9%_.:-]*", "a strftime-style suffix"),
            "%y-%m-%d_%H-%M-%S-%f",
            OP,
            OP,
        ),
        param("MaxSequenceNumber", Integer(-100000, 100000), "-100", OP, OP),
    ),
)


def schema_part() -> SchemaPart:
    """The ``event`` template."""
    return SchemaPart(templates=[EVENT])
