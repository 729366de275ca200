"""Access levels, ordered so that a higher level may do all a lower one may."""

from __future__ import annotations

from enum import IntEnum


class AccessLevel(IntEnum):
    """Who may call a route or read/write a parameter.

    ``NOBODY`` is above root: it marks parameters that no request may write (read-only ones).
    """

    ANONYMOUS = 0
    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3
    ROOT = 4
    NOBODY = 5

    @property
    def label(self) -> str:
        """Lower-case name, as used in docs and logs."""
        return self.name.lower()
