"""Pause points for the crash tests: ``IPCAMD_TEST_PAUSE=restore.apply=5`` holds there 5 s.

Only the fault tests set the variable; they SIGKILL the process while it holds at a point and
check what the next start finds. Without the variable a pause point costs one dict lookup.
"""

from __future__ import annotations

import logging
import os
import time

_LOGGER = logging.getLogger(__name__)
PAUSE_ENV = "IPCAMD_TEST_PAUSE"


def _seconds(point: str) -> float:
    for item in os.environ.get(PAUSE_ENV, "").split(","):
        name, _, value = item.partition("=")
        if name == point:
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 0.0


def pause(point: str) -> None:
    """Hold at ``point`` when the crash tests ask (blocking: call it off the event loop)."""
    seconds = _seconds(point)
    if seconds > 0:
        _LOGGER.warning("Test pause at %s for %s s", point, seconds)
        time.sleep(seconds)
