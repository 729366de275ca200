"""The cyclic garbage collector in a long-running server.

A full pass of the collector looks at every tracked object of the process. Start-up makes
about 65,000 of them (modules, the parameter schema, routes) that live until the process
ends, and a full pass over them paused the event loop 20-50 ms on a loaded 2-core machine:
the slowest snapshots and stream parts waited for it (docs/video.md). :func:`settle`, once the
device serves, moves them out of the collector's sight (``gc.freeze``); a full pass then looks
only at what serving made since.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect what start-up left over, then freeze every object alive now; returns how many
    are frozen.

    Called after each (re)start of the device: the previous start's frozen objects are looked
    at again first, so the cycles a device closed by a restart leaves are collected like any
    other garbage (what still references it, such as aiohttp's middleware cache, keeps it:
    docs/decisions.md, "The collector").
    Frozen objects are never collected, so this is for a process's own start-up, not for a
    test that starts many servers (which leaves it off).
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
