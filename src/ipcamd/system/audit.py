"""Parameter changes, with who made them, reported to the system log."""

from __future__ import annotations

import logging

from ipcamd.params.store import ParamChange

_LOGGER = logging.getLogger(__name__)
#: Names listed in one line before "and N more".
MAX_NAMES = 10


def _names(names: list[str]) -> str:
    if len(names) <= MAX_NAMES:
        return ", ".join(names)
    return ", ".join(names[:MAX_NAMES]) + f" and {len(names) - MAX_NAMES} more"


def log_parameter_change(change: ParamChange) -> None:
    """One line per kind of change; values are not logged (some are secrets)."""
    who = change.user or "system"
    inside_added = tuple(group + "." for group in change.added)
    updated = [name for name in change.values if not name.startswith(inside_added)]
    if change.added:
        _LOGGER.info("Parameter groups added by %s: %s", who, _names(list(change.added)))
    if change.removed:
        _LOGGER.info("Parameter groups removed by %s: %s", who, _names(list(change.removed)))
    if updated:
        _LOGGER.info("Parameters updated by %s: %s", who, _names(updated))
