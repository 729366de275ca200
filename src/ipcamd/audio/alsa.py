"""ALSA through the alsa-lib that PyAV's wheel bundles.

That copy looks for its configuration where it was built, not where the system keeps it, so
without help it knows no device name (``default``, ``hw:1``, ``null``, ``file:…``). Unless the
user set ``ALSA_CONFIG_PATH``, it is pointed at the system's ``alsa.conf`` before the first ALSA
device opens.
"""

from __future__ import annotations

import os
from pathlib import Path

SYSTEM_ALSA_CONF = Path("/usr/share/alsa/alsa.conf")


def alsa_config() -> None:
    """Make the bundled alsa-lib read the system's configuration (once; the user's wins)."""
    if "ALSA_CONFIG_PATH" not in os.environ and SYSTEM_ALSA_CONF.is_file():
        os.environ["ALSA_CONFIG_PATH"] = str(SYSTEM_ALSA_CONF)
