"""Value types of parameters: each validates a raw string and returns its canonical form.

Every value of every parameter passes through one of these before it is stored, so no value can
carry a line break or control character into the line-based list format (``name=value\\n``).

Free text (names, descriptions, overlay strings) is stored exactly as the client sent it: spec
5.1.1 has clients percent-encode ``; / ? : @ & = + , $`` and spaces inside values, so those are
ordinary characters of a value, as are quotes, ``<`` and ``>``. Only control characters are
refused. An output format that gives characters a meaning (XML, HTML) escapes them where it is
written; the stored value never is. Types with a real syntax (host names, time zones, file
names, query strings) stay strict.
"""

from __future__ import annotations

import ipaddress
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from ipcamd.errors import InvalidParameter

#: C0 and C1 controls, and the Unicode line and paragraph separators: characters that end or
#: corrupt a line for some reader of the list format (Python's ``str.splitlines`` splits at
#: U+0085, U+2028 and U+2029 too).
#: Characters that could split or corrupt a line (C0, DEL, C1, and what ``splitlines`` also
#: splits at): refused in values, percent-encoded where a reply echoes input.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

#: The resolutions the spec lists for image requests, as the names clients send.
SPEC_RESOLUTIONS: tuple[str, ...] = (
    "1280x1024",
    "1024x768",
    "4CIF",
    "D1",
    "VGA",
    "640x480",
    "QVGA",
    "CIF",
    "320x240",
    "QQVGA",
    "QCIF",
    "160x120",
)

#: Every resolution name the unit serves, largest first (``Properties.Image.Resolution``):
#: the spec's list and, next to it, the sizes of today's cameras (issue 15): HD, the test
#: pattern's own 4:3 size 1280x960, full HD, QHD and 4K UHD.
RESOLUTIONS: tuple[str, ...] = (
    "3840x2160",
    "2560x1440",
    "1920x1080",
    "1280x1024",
    "1280x960",
    "1280x720",
    *SPEC_RESOLUTIONS[1:],
)

#: The names beyond the spec's list.
MODERN_RESOLUTIONS: tuple[str, ...] = tuple(r for r in RESOLUTIONS if r not in SPEC_RESOLUTIONS)


def reject_control_characters(value: str) -> None:
    """Refuse values that could split or corrupt a line of the list format."""
    if CONTROL_CHARACTERS.search(value):
        raise InvalidParameter("control characters are not allowed")


class ParamType(ABC):
    """A parameter's type: knows how to validate and canonicalise a raw value."""

    @abstractmethod
    def validate(self, raw: str) -> str:
        """Return the canonical form of ``raw`` or raise :class:`InvalidParameter`."""

    @abstractmethod
    def describe(self) -> str:
        """A short human description, used in error messages and docs."""


@dataclass(frozen=True)
class Text(ParamType):
    """Free text of bounded length; ``pattern`` (a full-match regex) narrows it further."""

    max_length: int = 255
    pattern: str | None = None
    hint: str = ""

    def validate(self, raw: str) -> str:
        reject_control_characters(raw)
        if len(raw) > self.max_length:
            raise InvalidParameter(f"longer than {self.max_length} characters")
        if self.pattern is not None and not re.fullmatch(self.pattern, raw):
            raise InvalidParameter(f"expected {self.describe()}")
        return raw

    def describe(self) -> str:
        if self.hint:
            return self.hint
        return f"text of at most {self.max_length} characters"


#: The type of every name a user gives (a camera, a port, an event, a window, a preset...): any
#: text but control characters, ``Door & gate: 1/2; a=b?`` included.
NAME = Text(64)


@dataclass(frozen=True)
class Integer(ParamType):
    """A decimal integer within ``[minimum, maximum]``."""

    minimum: int
    maximum: int

    def validate(self, raw: str) -> str:
        if not re.fullmatch(r"[+-]?[0-9]{1,12}", raw):
            raise InvalidParameter(f"expected an integer from {self.minimum} to {self.maximum}")
        value = int(raw)
        if not self.minimum <= value <= self.maximum:
            raise InvalidParameter(f"expected an integer from {self.minimum} to {self.maximum}")
        return str(value)

    def describe(self) -> str:
        return f"integer {self.minimum}..{self.maximum}"


@dataclass(frozen=True)
class Choice(ParamType):
    """One of a closed set of values (exact, case-sensitive, as a real device compares)."""

    values: Sequence[str]

    def validate(self, raw: str) -> str:
        if raw not in self.values:
            raise InvalidParameter(f"expected one of {', '.join(self.values)}")
        return raw

    def describe(self) -> str:
        return "one of " + ", ".join(self.values)


@dataclass(frozen=True)
class YesNo(ParamType):
    """A boolean written ``yes``/``no``."""

    def validate(self, raw: str) -> str:
        if raw not in ("yes", "no"):
            raise InvalidParameter("expected yes or no")
        return raw

    def describe(self) -> str:
        return "yes or no"


@dataclass(frozen=True)
class IPv4(ParamType):
    """A dotted-quad IPv4 address (``allow_empty`` for optional ones such as a DNS server)."""

    allow_empty: bool = False

    def validate(self, raw: str) -> str:
        if raw == "" and self.allow_empty:
            return raw
        if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", raw):
            raise InvalidParameter("expected an IPv4 address")
        try:
            return str(ipaddress.IPv4Address(raw))
        except ValueError as err:
            raise InvalidParameter("expected an IPv4 address") from err

    def describe(self) -> str:
        return "an IPv4 address"


@dataclass(frozen=True)
class Netmask(ParamType):
    """A contiguous IPv4 netmask such as ``255.255.255.0``."""

    def validate(self, raw: str) -> str:
        address = IPv4().validate(raw)
        try:
            ipaddress.IPv4Network(f"0.0.0.0/{address}")
        except ValueError as err:
            raise InvalidParameter("expected a contiguous netmask") from err
        return address

    def describe(self) -> str:
        return "a netmask"


@dataclass(frozen=True)
class Resolution(ParamType):
    """An image resolution: a name the unit serves (:data:`RESOLUTIONS`) or one of ``extra``."""

    extra: Sequence[str] = field(default_factory=tuple)

    def validate(self, raw: str) -> str:
        if raw in RESOLUTIONS or raw in self.extra:
            return raw
        raise InvalidParameter("expected a resolution: " + ", ".join(RESOLUTIONS))

    def describe(self) -> str:
        return "a resolution"


@dataclass(frozen=True)
class Fixed(ParamType):
    """A read-only value computed by the device; any write is refused before it gets here."""

    def validate(self, raw: str) -> str:
        reject_control_characters(raw)
        return raw

    def describe(self) -> str:
        return "read-only"
