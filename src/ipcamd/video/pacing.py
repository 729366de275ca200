"""Which source frames a stream profile with a frame rate takes: one schedule for all viewers.

A token bucket on the frames' own timestamps: credit grows by ``fps`` per second of source
time, a frame is taken when a whole credit is there, and the credit never exceeds
:data:`CAPACITY`. So the profile never takes more than ``fps`` frames a second, a source at or
below that rate has every frame taken (a frame may be a quarter period early without being
dropped), and a 30 fps source at 15 fps gives every other frame, evenly. It depends only on
the timestamps, so the same frames give the same choice.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Most credit the bucket holds, in frames: 1 plus the part of a period a frame may be early.
CAPACITY = 1.25


@dataclass(slots=True)
class FramePicker:
    """Decides, frame by frame in timestamp order, which frames a ``fps``-limited profile takes.

    Every source frame must be offered (the credit grows with the time between them); a
    timestamp earlier than the previous one (the host clock was set back) adds nothing.
    """

    fps: float
    #: Seconds between the last two frames offered (the source's current frame interval).
    gap: float = 0.0
    _credit: float = CAPACITY
    _previous: float | None = None

    def take(self, when: float) -> bool:
        """Offer the frame stamped ``when``; True if the profile takes it."""
        if self._previous is not None:
            elapsed = self.gap = max(0.0, when - self._previous)
            self._credit = min(CAPACITY, self._credit + elapsed * self.fps)
        self._previous = when
        if self._credit < 1.0:
            return False
        self._credit -= 1.0
        return True

    @property
    def due(self) -> float | None:
        """The earliest timestamp at which a frame can be taken (None before the first offer)."""
        if self._previous is None:
            return None
        return self._previous + max(0.0, 1.0 - self._credit) / self.fps

    @property
    def expected(self) -> float | None:
        """When the next frame taken should have come at the latest: the first source frame
        at or after :attr:`due`, so at most one frame interval later."""
        due = self.due
        return None if due is None else due + self.gap
