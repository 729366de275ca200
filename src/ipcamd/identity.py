"""The identity of this unit: MAC, serial number, firmware version, number of video inputs and
of I/O ports.

The MAC is generated once per data directory (a locally administered unicast address, so it can
never collide with a vendor's) and is the serial number, as on real cameras.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ipcamd import __version__

#: Build stamps shown in Properties.Firmware; fixed per release so listings are deterministic.
BUILD_DATE = "Nov 26 2026 00:00"
BUILD_NUMBER = "1"
MAX_CAMERAS = 4


@dataclass(frozen=True)
class Identity:
    """What a unit is: the values behind Brand, Properties and Network.MAC."""

    mac: str  # "02:AB:CD:EF:01:23"
    cameras: int = 1
    #: Digital inputs and outputs (``IOPort``, ``Properties.IO``).
    io_inputs: int = 2
    io_outputs: int = 2
    firmware_version: str = __version__

    @property
    def serial_number(self) -> str:
        """The MAC in upper-case hex without separators, as Axis devices report it."""
        return self.mac.replace(":", "").upper()

    @property
    def product_type(self) -> str:
        """``Network Camera`` for one input, ``Video Server`` for several."""
        return "Network Camera" if self.cameras == 1 else "Video Server"


def generate_mac() -> str:
    """A random locally administered unicast MAC whose hex contains at least one letter.

    Clients such as Home Assistant's parse an all-digit serial number as an integer, so the
    serial must never be all digits.
    """
    while True:
        octets = bytearray(secrets.token_bytes(6))
        octets[0] = (octets[0] & 0xFC) | 0x02  # unicast, locally administered
        text = octets.hex().upper()
        if any(c in "ABCDEF" for c in text):
            return ":".join(text[i : i + 2] for i in range(0, 12, 2))
