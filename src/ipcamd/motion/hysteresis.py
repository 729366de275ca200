"""A window's motion state from its levels: active above its Threshold, with hysteresis.

A window becomes active when its level rises above ``Threshold`` and inactive again only when
the level falls to :func:`release_level` or below: a fifth of the threshold lower (at least
one level, at most the threshold itself). A level that hovers around the threshold does not
make the state flicker; History already keeps a level up while something new stays in view.
"""

from __future__ import annotations

from dataclasses import dataclass


def release_level(threshold: int) -> int:
    """The level at or below which an active window becomes inactive again."""
    band = min(threshold, max(1, threshold // 5))
    return threshold - band


@dataclass
class Hysteresis:
    """One window's state; :meth:`update` with every level measured."""

    active: bool = False

    def update(self, level: int, threshold: int) -> bool:
        """Take ``level``; True when the state changed (then :attr:`active` is the new one)."""
        if not self.active and level > threshold:
            self.active = True
            return True
        if self.active and level <= release_level(threshold):
            self.active = False
            return True
        return False
