"""Server preset positions, kept in the parameter store as ``PTZ.PresetPos.P<n>`` groups.

A preset is a ``presetpos`` group: ``Name``, ``ImageSource`` (camera - 1), ``Position`` (the
preset's number, what ``gotoserverpresetno`` takes), ``Pan``, ``Tilt``, ``Zoom`` and ``Home``.
Because they are parameters, ``param.cgi`` lists and edits them, and backup, restore and
factory defaults cover them with no code of their own.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from ipcamd.access import AccessLevel
from ipcamd.errors import Conflict, NotFound
from ipcamd.params.store import ParamStore
from ipcamd.ptz.driver import Position

PARENT = "PTZ.PresetPos"
TEMPLATE = "presetpos"
#: Preset numbers a camera may use (the template's ``Position`` range).
MAX_NUMBER = 100


def degrees(value: float) -> str:
    """An angle as the store keeps it: at most 4 decimals, no ``-0``."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Preset:
    """One stored preset of one camera."""

    path: str
    number: int
    name: str
    position: Position
    home: bool


class Presets:
    """The presets of every camera, read from and written to the store."""

    def __init__(self, params: ParamStore) -> None:
        self._params = params

    def of(self, camera: int) -> list[Preset]:
        """Camera ``camera``'s presets by number."""
        found = []
        for path in self._params.instances(PARENT):
            values = self._params.group(path)
            if int(values["ImageSource"]) != camera - 1:
                continue
            position = Position(float(values["Pan"]), float(values["Tilt"]), float(values["Zoom"]))
            found.append(
                Preset(
                    path, int(values["Position"]), values["Name"], position, values["Home"] == "yes"
                )
            )
        return sorted(found, key=lambda p: p.number)

    def find(self, camera: int, *, number: int | None = None, name: str | None = None) -> Preset:
        """The preset with that number or name; NotFound when there is none."""
        for preset in self.of(camera):
            if (number is not None and preset.number == number) or (
                name is not None and preset.name == name
            ):
                return preset
        what = f"number {number}" if number is not None else f"'{name}'"
        raise NotFound(f"No preset position {what} for camera {camera}")

    def home(self, camera: int) -> Preset:
        """The home position (set with ``home=yes``); NotFound when none is set."""
        for preset in self.of(camera):
            if preset.home:
                return preset
        raise NotFound(f"No home position set for camera {camera} (setserverpresetname=…&home=yes)")

    def _free_number(self, camera: int) -> int:
        used = {p.number for p in self.of(camera)}
        for number in range(1, MAX_NUMBER + 1):
            if number not in used:
                return number
        raise Conflict(f"Camera {camera} has {MAX_NUMBER} preset positions already")

    def check(
        self,
        camera: int,
        *,
        number: int | None = None,
        name: str | None = None,
        removing: bool = False,
        level: AccessLevel,
    ) -> None:
        """Refuse now what :meth:`save` (or :meth:`remove`) would refuse later: a preset that
        does not exist, a full table, a caller below the parameters' write level."""
        if removing:
            preset = self.find(camera, number=number, name=name)
            self._params.plan_remove([preset.path], level)
            return
        try:
            existing = self.find(camera, number=number, name=name)
        except NotFound:
            if number is None:
                self._free_number(camera)
            self._params.plan_add(PARENT, TEMPLATE, [], level)
        else:
            self._params.plan_update([(f"{existing.path}.Pan", "0")], level)

    async def save(
        self,
        camera: int,
        position: Position,
        *,
        number: int | None = None,
        name: str | None = None,
        home: bool = False,
        level: AccessLevel,
        user: str | None,
    ) -> Preset:
        """Store ``position`` as the preset of that number or name (replacing its position if
        it exists, creating it otherwise); ``home`` makes it the camera's only home."""
        existing = None
        with contextlib.suppress(NotFound):
            existing = self.find(camera, number=number, name=name)
        values = {
            "Pan": degrees(position.pan),
            "Tilt": degrees(position.tilt),
            "Zoom": str(round(position.zoom)),
        }
        if home:
            values["Home"] = "yes"
        if existing is None:
            chosen = number if number is not None else self._free_number(camera)
            values |= {
                "Name": name if name is not None else f"Preset {chosen}",
                "ImageSource": str(camera - 1),
                "Position": str(chosen),
            }
            items = [(f"{PARENT}.P.{key}", value) for key, value in values.items()]
            entry = await self._params.async_add(PARENT, TEMPLATE, items, level, user=user)
            path = f"{PARENT}.{entry}"
        else:
            path = existing.path
            items = [(f"{path}.{key}", value) for key, value in values.items()]
            await self._params.async_update(items, level, user)
        if home:
            others = [
                (f"{p.path}.Home", "no") for p in self.of(camera) if p.home and p.path != path
            ]
            if others:
                await self._params.async_update(others, level, user)
        return self.find(camera, number=int(self._params.get(f"{path}.Position")))

    async def remove(
        self,
        camera: int,
        *,
        number: int | None = None,
        name: str | None = None,
        level: AccessLevel,
        user: str | None,
    ) -> Preset:
        """Remove the preset of that number or name (NotFound if it does not exist)."""
        preset = self.find(camera, number=number, name=name)
        await self._params.async_remove([preset.path], level, user)
        return preset
