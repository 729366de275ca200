"""Digital PTZ (ePTZ): pan, tilt and zoom are a crop window over the camera's full frame.

The window is the camera's view stage (``VideoService.view(n)``), reached through the
``show`` callback the device gives (this package does not import the video family), so a move
changes ``/jpg/image.jpg`` and every stream of the camera at once, with no new stream profile.

Angles map to the frame through the configured field of view: the whole frame spans ``fov``
degrees across and ``vfov`` up and down, pan 0 / tilt 0 is its middle, and zoom 1-9999 is a
magnification of 1 to ``maxzoom``. A window cannot leave the picture, so at zoom 1 nothing pans
and the reachable pan grows with the zoom (``reachable``).
"""

from __future__ import annotations

from collections.abc import Callable

from ipcamd.ptz.driver import Capability, Driver, Limits, Position, Rates
from ipcamd.ptz.spec import DriverSpec

#: ``show(camera, x, y, magnification, at_once)``: centre the camera's window on (x, y),
#: fractions of the frame (0.5 is the middle, y downwards), magnified ``magnification`` times;
#: ``at_once`` shows it in the current picture, otherwise from the source's next one.
ShowWindow = Callable[[int, float, float, float, bool], None]

#: Zoom steps per second at continuous zoom speed 100: the whole range in 4 s.
ZOOM_RATE = 9998 / 4


class DigitalDriver(Driver):
    """A crop window moved over the full source frame."""

    capabilities = frozenset(
        {
            Capability.ABSOLUTE_PAN,
            Capability.ABSOLUTE_TILT,
            Capability.ABSOLUTE_ZOOM,
            Capability.AREA_ZOOM,
            Capability.CONTINUOUS_PAN,
            Capability.CONTINUOUS_TILT,
            Capability.CONTINUOUS_ZOOM,
            Capability.DIGITAL_ZOOM,
            Capability.RELATIVE_PAN,
            Capability.RELATIVE_TILT,
            Capability.RELATIVE_ZOOM,
            Capability.SERVER_PRESET,
            Capability.AUTO_PAN,
        }
    )

    def __init__(self, spec: DriverSpec, show_window: ShowWindow) -> None:
        super().__init__(spec)
        self._show_window = show_window
        optics = spec.optics
        self._limits = Limits(
            -optics.fov / 2,
            optics.fov / 2,
            -optics.vfov / 2,
            optics.vfov / 2,
            max_field_angle=optics.fov,
            min_field_angle=optics.fov / optics.max_zoom,
        )

    @property
    def limits(self) -> Limits:
        """The frame's edges and the field angles of the optics."""
        return self._limits

    def rates(self, position: Position) -> Rates:
        """At speed 100 the window crosses its own width (height) in a second."""
        pan, tilt = self.spec.optics.field(position.zoom)
        return Rates(pan, tilt, ZOOM_RATE)

    def reachable(self, position: Position) -> Position:
        """The window stays inside the picture: at magnification m its centre can be at most
        ``(1 - 1/m) / 2`` of the frame away from the middle."""
        optics = self.spec.optics
        keep = 1.0 - 1.0 / optics.magnification(position.zoom)
        pan_edge, tilt_edge = optics.fov / 2 * keep, optics.vfov / 2 * keep
        return position.but(
            pan=min(max(position.pan, -pan_edge), pan_edge),
            tilt=min(max(position.tilt, -tilt_edge), tilt_edge),
        )

    def step(self, position: Position) -> float:
        """``move=`` shifts the picture by a quarter of its width (spec 5.3.3, Digital)."""
        return self.spec.optics.field(position.zoom)[0] / 4

    def show(self, position: Position, *, at_once: bool = False) -> None:
        """Move the view window to ``position`` (a step of a continuous move: from the
        source's next frame, so a move adds no pictures to the streams)."""
        optics = self.spec.optics
        x = 0.5 + position.pan / optics.fov
        y = 0.5 - position.tilt / optics.vfov
        self._show_window(
            self.spec.camera,
            min(max(x, 0.0), 1.0),
            min(max(y, 0.0), 1.0),
            optics.magnification(position.zoom),
            at_once,
        )

    async def goto(self, target: Position, speed: int) -> None:
        """A window moves at once (speed does not apply to digital PTZ): a snapshot taken
        right after the reply shows it."""
        self.show(target, at_once=True)

    async def drive(self, pan: int, tilt: int, zoom: int) -> None:
        """Nothing to tell: the head's move loop shows every step."""
