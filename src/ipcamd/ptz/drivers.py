"""The driver a spec names (one place that knows every driver class)."""

from __future__ import annotations

from ipcamd.ptz.digital import DigitalDriver, ShowWindow
from ipcamd.ptz.driver import Driver
from ipcamd.ptz.pelco_driver import PelcoDriver
from ipcamd.ptz.spec import DriverKind, DriverSpec


def _nowhere(_camera: int, _x: float, _y: float, _zoom: float, _at_once: bool) -> None:
    """A window nobody shows (for describing a driver without running it)."""


def make_driver(spec: DriverSpec, show_window: ShowWindow = _nowhere) -> Driver:
    """A driver for ``spec`` (nothing is opened until its ``start``)."""
    if spec.kind is DriverKind.DIGITAL:
        return DigitalDriver(spec, show_window)
    return PelcoDriver(spec)
