"""Restart requests: what a CGI asks of the server after it has answered.

The domain never restarts itself: it hands a :class:`RestartRequest` to whoever runs it (the
:class:`~ipcamd.server.Server`). The optional ``apply`` step runs in one SQLite transaction after
every service has stopped and before the device is opened again, so a reset or a restore never
races a concurrent writer, and a failing step rolls back and leaves the stored state as it was.
Whoever asked learns the outcome through ``applied`` before the device opens again.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

#: A change of the stored state, run inside one transaction while the device is stopped.
ApplyStep = Callable[[sqlite3.Connection], None]


class RestartKind(Enum):
    """How far a restart goes."""

    #: Close every connection, stop the services, re-open the device from disk, listen again.
    RESTART = "restart"
    #: As RESTART, but the process must be replaced (new firmware): the server stops and the
    #: command line relaunches (or the supervisor starts the new slot).
    RELAUNCH = "relaunch"


@dataclass(frozen=True)
class RestartRequest:
    """One restart, with the state change it carries (if any)."""

    reason: str
    kind: RestartKind = RestartKind.RESTART
    apply: ApplyStep | None = None
    #: Resolved by whoever carries the restart out: None once ``apply`` committed, or an error
    #: (``CommitFailed``: nothing changed; ``Busy``: another restart was under way). The CGI
    #: that asked waits on it to answer with the real outcome.
    applied: asyncio.Future[None] | None = field(default=None, compare=False)
