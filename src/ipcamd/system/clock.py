"""The device clock: the host clock plus an offset that ``date.cgi`` sets, shown in local time.

A camera keeps its own time, which an administrator may set to anything in 1970-2031 without
touching the host's clock. So the device time is ``host time + offset``; the offset is persisted
(``meta`` key ``clock.offset``) and survives restarts. OSD, logs, events and recordings all read
time here, never ``time.time()`` or ``datetime.now()`` directly.

``Time.SyncSource`` says where time comes from: ``none`` (the offset set by hand), ``NTP`` or
``host`` (the host clock, which the host keeps synchronized; the offset is dropped). Local time
follows ``Time.POSIXTimeZone``, with its daylight saving rules only while ``Time.DST.Enabled``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from ipcamd.db import Database
from ipcamd.errors import Conflict, InvalidParameter
from ipcamd.params.store import ParamChange, ParamStore
from ipcamd.system.timezone import device_zone

_LOGGER = logging.getLogger(__name__)

OFFSET_KEY = "clock.offset"
#: The years ``date.cgi`` accepts (5.1.12.2).
FIRST_YEAR, LAST_YEAR = 1970, 2031


class SyncSource(StrEnum):
    """Values of ``Time.SyncSource``."""

    NTP = "NTP"
    HOST = "host"
    NONE = "none"


def _stored_offset(stored: str | None) -> float:
    """The persisted offset; a missing or unreadable one is 0 (the host's time)."""
    if stored is None:
        return 0.0
    try:
        offset = float(stored)
    except ValueError:
        offset = float("nan")
    if not math.isfinite(offset) or abs(offset) > 1e10:  # beyond any settable year
        _LOGGER.warning("Ignoring unreadable clock offset %r", stored)
        return 0.0
    return offset


class Clock:
    """The time of this unit: ``now()`` in UTC, ``local_now()`` in its time zone."""

    def __init__(
        self, params: ParamStore, db: Database, host_time: Callable[[], float] = time.time
    ) -> None:
        self._params = params
        self._db = db
        self._host_time = host_time
        self._offset = _stored_offset(db.get_meta(OFFSET_KEY))
        self._zone = self._build_zone()
        self._pending: set[asyncio.Task[None]] = set()
        params.subscribe("Time", self._on_time_change)

    # ------------------------------------------------------------------ reading

    @property
    def sync_source(self) -> SyncSource:
        """Where the time comes from."""
        return SyncSource(self._params.get("Time.SyncSource"))

    @property
    def offset(self) -> float:
        """Seconds the device clock is ahead of the host clock (0 unless set by hand)."""
        return self._offset if self.sync_source is SyncSource.NONE else 0.0

    @property
    def zone(self) -> tzinfo:
        """The zone local time is shown in."""
        return self._zone

    def timestamp(self) -> float:
        """Device time as seconds since the epoch."""
        return self._host_time() + self.offset

    def now(self) -> datetime:
        """Device time, timezone-aware, in UTC."""
        return self.from_host(self._host_time())

    def local_now(self) -> datetime:
        """Device time, timezone-aware, in the device's local time zone."""
        return self.now().astimezone(self._zone)

    def from_host(self, host_timestamp: float) -> datetime:
        """The device time of an instant given in host time (e.g. a log record's ``created``)."""
        return datetime.fromtimestamp(host_timestamp + self.offset, UTC)

    def to_local(self, instant: datetime) -> datetime:
        """An aware datetime shown in the device's local time zone."""
        return instant.astimezone(self._zone)

    # ------------------------------------------------------------------ setting

    def check_settable(self) -> None:
        """Raise :class:`Conflict` when the time may not be set by hand (5.1.12.2's note)."""
        source = self.sync_source
        if source is not SyncSource.NONE:
            origin = "an NTP server" if source is SyncSource.NTP else "the host"
            raise Conflict(
                f"The time is synchronized with {origin}; set Time.SyncSource=none first"
            )
        if self._params.get_bool("Time.DST.Enabled"):
            raise Conflict("Daylight saving time is enabled; set Time.DST.Enabled=no first")

    async def async_set(self, instant: datetime, user: str | None = None) -> None:
        """Set the device time to ``instant`` (aware); persisted before it takes effect."""
        if instant.tzinfo is None:
            raise InvalidParameter("the new time must carry a time zone")
        self.check_settable()
        offset = instant.timestamp() - self._host_time()
        await self._db.async_set_meta(OFFSET_KEY, repr(offset))
        self._offset = offset
        _LOGGER.info(
            "Date and time set to %s by %s",
            instant.astimezone(self._zone).isoformat(timespec="seconds"),
            user or "system",
        )

    # ------------------------------------------------------------------ changes

    def _build_zone(self) -> tzinfo:
        rule = self._params.get("Time.POSIXTimeZone")
        try:
            return device_zone(rule, self._params.get_bool("Time.DST.Enabled"))
        except InvalidParameter:
            _LOGGER.warning("Time.POSIXTimeZone %r is not usable; showing UTC", rule)
            return UTC

    def _on_time_change(self, change: ParamChange) -> None:
        self._zone = self._build_zone()
        if "Time.SyncSource" in change.values and self.sync_source is not SyncSource.NONE:
            self._drop_offset()

    def _drop_offset(self) -> None:
        """Synchronized time replaces the hand-set offset; manual mode later starts from it."""
        if self._offset == 0.0:
            return
        self._offset = 0.0
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._db.set_meta(OFFSET_KEY, "0.0")
            return
        task = loop.create_task(self._db.async_set_meta(OFFSET_KEY, "0.0"))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def async_stop(self) -> None:
        """Wait for offset writes still in flight."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)


#: ``date.cgi`` fields in order, with their ranges (5.1.12.2).
FIELD_RANGES: Final[Mapping[str, tuple[int, int]]] = MappingProxyType(
    {
        "year": (FIRST_YEAR, LAST_YEAR),
        "month": (1, 12),
        "day": (1, 31),
        "hour": (0, 23),
        "minute": (0, 59),
        "second": (0, 59),
    }
)


def compose(fields: dict[str, int], current: datetime) -> datetime:
    """The new time: the given fields, the others kept from ``current`` (same zone).

    ``compose({"year": 2005, "month": 4, "day": 3}, now)`` keeps the time of day. A day that
    does not exist in the month (Feb 30, Apr 31, Feb 29 of a common year) is refused.
    """
    for name, value in fields.items():
        low, high = FIELD_RANGES[name]
        if not low <= value <= high:
            raise InvalidParameter(f"{name} must be {low}-{high}, got {value}")
    values = {name: fields.get(name, getattr(current, name)) for name in FIELD_RANGES}
    try:
        return current.replace(microsecond=0, **values)
    except ValueError as err:
        raise InvalidParameter(
            "Invalid date {year:04d}-{month:02d}-{day:02d}".format(**values)
        ) from err
