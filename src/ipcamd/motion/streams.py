"""What ``motiondata.cgi`` streams: the levels of chosen windows, one part per analysed picture.

A stream without overrides reads the :class:`~ipcamd.events.MotionLevel` events the detectors
publish on the device's bus. A stream with overrides (``Sensitivity=50``…) gets a
:class:`Probe`: the detectors measure its overridden windows on the pictures they analyse
anyway and publish those levels on the probe's own bus, which only that stream reads. Either
way the stream is a bus subscription, bounded: a slow client skips levels, nothing queues.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from ipcamd.errors import InvalidParameter, StreamClosed
from ipcamd.events import EventBus, Missed, MotionLevel, Subscription
from ipcamd.motion.windows import MotionWindow

#: Levels a stream holds unread (a few seconds of parts for ten windows).
STREAM_QUEUE = 128


@dataclass(frozen=True)
class Selection:
    """Which windows one stream reports (``group=``), measured how (its overrides)."""

    #: Window numbers asked for; None: every include window.
    groups: frozenset[int] | None = None
    #: Validated values by parameter name (:data:`~ipcamd.motion.windows.OVERRIDABLE`).
    overrides: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def takes(self, window: MotionWindow) -> bool:
        """True for an include window this stream reports."""
        return window.include and (self.groups is None or window.number in self.groups)


class Probe:
    """A stream's own measurement: its windows with the overrides, measured by the detectors
    of their cameras on the pictures they analyse anyway."""

    def __init__(self, selection: Selection) -> None:
        self.selection = selection
        #: Where the detectors publish this stream's levels (read by this stream only).
        self.bus = EventBus()

    def windows(self, camera_windows: Sequence[MotionWindow]) -> list[MotionWindow]:
        """What to measure for this stream on a camera with ``camera_windows``: the chosen
        include windows overridden, and the camera's exclude windows as they are. A window
        that the overrides no longer fit (its configuration changed since) is left out."""
        chosen = []
        for window in camera_windows:
            if not window.include:
                chosen.append(window)
            elif self.selection.takes(window):
                try:
                    chosen.append(window.overridden(self.selection.overrides))
                except InvalidParameter:
                    continue
        return chosen

    def publish(self, levels: Sequence[MotionLevel]) -> None:
        """Hand one picture's levels to the stream."""
        for level in levels:
            self.bus.publish(level)

    def close(self) -> None:
        """No more levels."""
        self.bus.close()


class LevelStream:
    """One ``motiondata.cgi`` client: an async iterator of parts, each the latest level of
    every window it reports (in window order) after a picture was analysed.

    ``current()`` gives the windows the stream reports now, as it measures them (overrides
    applied), so it follows windows added, moved and removed; the stream ends when none is
    left, or when the unit stops. A context manager: leaving it frees the client's place.
    """

    def __init__(
        self,
        subscription: Subscription[MotionLevel],
        current: Callable[[], list[MotionWindow]],
        release: Callable[[], None],
    ) -> None:
        self._subscription = subscription
        self._current = current
        self._release = release
        self._latest: dict[tuple[int, int], MotionLevel] = {}
        self._closed = False

    def __aiter__(self) -> LevelStream:
        return self

    async def __anext__(self) -> tuple[MotionLevel, ...]:
        while True:
            try:
                item: MotionLevel | Missed | None = await self._subscription.get()
            except StreamClosed:
                raise StopAsyncIteration from None
            # One picture's levels are published together: take all that are waiting.
            while item is not None:
                if isinstance(item, MotionLevel):
                    self._latest[item.key] = item
                item = self._subscription.get_nowait()
            windows = self._current()
            if not windows:
                raise StopAsyncIteration
            # A window not measured yet (just added, or its camera still starting) shows 0.
            return tuple(
                self._latest.get(w.key) or MotionLevel(w.camera, w.number, 0, w.threshold)
                for w in windows
            )

    def refresh(self) -> None:
        """The windows changed: a stream left with none ends now (its reader may be waiting
        for levels that will never come)."""
        if not self._current():
            self._subscription.close()

    def close(self) -> None:
        """Unsubscribe and free the client's place (twice is harmless)."""
        if not self._closed:
            self._closed = True
            self._subscription.close()
            self._release()

    def __enter__(self) -> LevelStream:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
