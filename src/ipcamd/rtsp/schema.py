"""The RTSP front end's parameters: its port, and the ``Properties`` lines of what it serves.

Imported by the device's schema assembly (the one import from below into this package, named
in the import contracts), so it imports nothing but the parameter layer.
"""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.params.schema import SchemaPart, fixed, param
from ipcamd.params.types import Integer

A = AccessLevel.ADMIN
DEFAULT_PORT = 554


def schema_part() -> SchemaPart:
    """``Network.RTSP.Port`` and ``Properties.API.Metadata.*``, ``Properties.API.RTSP.*``."""
    return SchemaPart(
        groups={
            "Network": [
                param(
                    "RTSP.Port",
                    Integer(0, 65535),
                    str(DEFAULT_PORT),
                    A,
                    A,
                    description="The RTSP port (0 switches RTSP off); --rtsp-port overrides it. "
                    "Applied at the next start.",
                ),
            ]
        },
        properties=[
            # The ONVIF metadata stream of ``/axis-media/media.amp?event=on``.
            fixed("API.Metadata.Metadata", "yes"),
            fixed("API.Metadata.Version", "1.0"),
            fixed("API.RTSP.Version", "1.0"),
            fixed("API.RTSP.RTSPAuth", "yes"),
        ],
    )
