"""Time zones from POSIX TZ strings (``Time.POSIXTimeZone``), e.g. ``CET-1CEST,M3.5.0,M10.5.0/3``.

The standard library parses POSIX TZ rules only inside TZif data (the footer of RFC 8536), so a
rule is wrapped in a minimal TZif v2 file that has no transitions: its footer then governs every
instant. That reuses ``zoneinfo``'s tested rule engine instead of a hand-written one.
"""

from __future__ import annotations

import io
import re
import struct
import zoneinfo
from dataclasses import dataclass
from datetime import tzinfo

from ipcamd.errors import InvalidParameter
from ipcamd.params.types import ParamType, reject_control_characters

#: The standard part of a POSIX TZ rule: a name (``CET`` or ``<+0530>``) and its offset.
_STANDARD = re.compile(r"(?:<[A-Za-z0-9+-]{3,}>|[A-Za-z]{3,})[+-]?[0-9]{1,2}(?::[0-9]{2}){0,2}")
_MAX_LENGTH = 64
_EXPECTED = "expected a POSIX TZ string with explicit DST rules, e.g. CET-1CEST,M3.5.0,M10.5.0/3"


def _tzif(rule: str) -> bytes:
    """A TZif v2 file with one local time type (UTC) and ``rule`` as its footer."""
    # counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
    header = b"TZif2" + bytes(15) + struct.pack(">6l", 0, 0, 0, 0, 1, 4)
    body = struct.pack(">lbb", 0, 0, 0) + b"UTC\0"
    return header + body + header + body + b"\n" + rule.encode("ascii") + b"\n"


def posix_zone(rule: str) -> tzinfo:
    """The time zone a POSIX TZ rule describes; :class:`InvalidParameter` if it is not one."""
    reject_control_characters(rule)
    if not rule or len(rule) > _MAX_LENGTH or not rule.isascii():
        raise InvalidParameter(_EXPECTED)
    try:
        return zoneinfo.ZoneInfo.from_file(io.BytesIO(_tzif(rule)), key=rule)
    except ValueError as err:
        raise InvalidParameter(_EXPECTED) from err


def standard_part(rule: str) -> str:
    """``CET-1CEST,M3.5.0,M10.5.0/3`` → ``CET-1``: the rule without daylight saving time."""
    match = _STANDARD.match(rule)
    if match is None:
        raise InvalidParameter(_EXPECTED)
    return match.group(0)


def device_zone(rule: str, dst: bool) -> tzinfo:
    """The zone the device shows local time in: the whole rule with DST, else its standard part."""
    return posix_zone(rule if dst else standard_part(rule))


@dataclass(frozen=True)
class PosixTimeZone(ParamType):
    """A POSIX TZ string that the clock can use (validated by building the zone)."""

    def validate(self, raw: str) -> str:
        """Refuse a zone the clock could not follow (both parts are parsed, nothing stored)."""
        standard_part(raw)
        posix_zone(raw)
        return raw

    def describe(self) -> str:
        """Shown in the error line when a zone is refused."""
        return _EXPECTED.removeprefix("expected ")
