"""Fault points for the crash tests: ``IPCAMD_TEST_PAUSE=restore.apply=5`` holds there 5 s;
``IPCAMD_TEST_FAIL=restore.apply`` makes it fail as a disk would (an I/O error).

Only the fault tests set the variables; they SIGKILL the process while it holds at a point, or
let it fail there, and check what the client was told and what the next start finds. Without the
variables a fault point costs one dict lookup.
"""

from __future__ import annotations

import errno
import logging
import os
import time

_LOGGER = logging.getLogger(__name__)
PAUSE_ENV = "IPCAMD_TEST_PAUSE"
FAIL_ENV = "IPCAMD_TEST_FAIL"


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


def fail(point: str) -> None:
    """Raise an I/O error at ``point`` when the fault tests ask (as a failing disk would)."""
    if point in os.environ.get(FAIL_ENV, "").split(","):
        _LOGGER.warning("Test failure at %s", point)
        raise OSError(errno.EIO, f"Input/output error (test failure at {point})")
