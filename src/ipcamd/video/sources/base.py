"""What every video source offers the camera's reader thread: open, read (blocking), close."""

from __future__ import annotations

from abc import ABC, abstractmethod

from ipcamd.video.frame import Picture


class Source(ABC):
    """A producer of pictures, used from one thread at a time.

    ``read`` blocks until the next picture is due (a file paces itself to its frame rate, a
    network source to its arrival) and raises :class:`~ipcamd.errors.SourceUnavailable` when the
    source fails or ends for good.
    """

    #: What the log and docs call this source (``testpattern``, ``file:lobby.mp4``…).
    description: str = "source"

    @abstractmethod
    def open(self) -> None:
        """Connect or open; raises SourceUnavailable."""

    @abstractmethod
    def read(self) -> Picture:
        """The next picture (pixels, or a drawing a computed source makes); raises
        SourceUnavailable."""

    @abstractmethod
    def close(self) -> None:
        """Release everything; safe to call more than once, and after a failed open."""


class ComputedSource(Source):
    """A source whose pictures cost next to nothing to make (the test pattern decides a frame
    in tens of microseconds and leaves the drawing to each profile): the camera makes them on
    the event loop at :attr:`fps`, so a frame needs no reader thread, and its profiles' parts
    leave with the next tick (``handover.py``). ``read`` still works (paced, blocking) for
    whoever reads it from a thread.
    """

    #: Pictures a second.
    fps: float = 30.0

    @abstractmethod
    def make(self) -> Picture:
        """The next picture, now (never blocks)."""
