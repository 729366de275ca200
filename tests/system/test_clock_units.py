"""The clock's pure helpers: composing a new time from date.cgi fields, POSIX time zones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ipcamd.errors import InvalidParameter
from ipcamd.http.date_cgi import format_date
from ipcamd.system.clock import _stored_offset, compose
from ipcamd.system.timezone import PosixTimeZone, device_zone, standard_part

NOW = datetime(2026, 3, 31, 10, 20, 30, 456, tzinfo=UTC)


def test_format_date_is_the_spec_example() -> None:
    assert format_date(datetime(2003, 4, 3, 15, 16, 4)) == "Apr 03, 2003 15:16:04"


def test_compose_keeps_what_is_not_given() -> None:
    assert compose({"year": 2005, "month": 4, "day": 3}, NOW) == datetime(
        2005, 4, 3, 10, 20, 30, tzinfo=UTC
    )
    assert compose({"hour": 1}, NOW) == datetime(2026, 3, 31, 1, 20, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "fields",
    [{"month": 4}, {"month": 2}, {"year": 2023, "month": 2, "day": 29}, {"day": 32}],
)
def test_compose_refuses_days_the_month_lacks(fields: dict[str, int]) -> None:
    with pytest.raises(InvalidParameter):
        compose(fields, NOW)  # March 31 → April 31, February 31...


@pytest.mark.parametrize(
    ("rule", "dst", "july_noon_utc_shows"),
    [
        ("CET-1CEST,M3.5.0,M10.5.0/3", True, "14:00+02:00"),
        ("CET-1CEST,M3.5.0,M10.5.0/3", False, "13:00+01:00"),
        ("EST5EDT,M3.2.0,M11.1.0", True, "08:00-04:00"),
        ("EST5EDT,M3.2.0,M11.1.0", False, "07:00-05:00"),
        ("<+0530>-5:30", True, "17:30+05:30"),
        ("GMT0", False, "12:00+00:00"),
    ],
)
def test_device_zone(rule: str, dst: bool, july_noon_utc_shows: str) -> None:
    local = datetime(2026, 7, 1, 12, tzinfo=UTC).astimezone(device_zone(rule, dst))
    assert local.isoformat(timespec="minutes")[11:] == july_noon_utc_shows


def test_standard_part() -> None:
    assert standard_part("CET-1CEST,M3.5.0,M10.5.0/3") == "CET-1"
    assert standard_part("<+0530>-5:30") == "<+0530>-5:30"


@pytest.mark.parametrize("rule", ["", "JUNK", "GMT", "EST5EDT", "CET-1CEST,M13.5.0,M10.5.0", "é0"])
def test_unusable_rules_are_refused(rule: str) -> None:
    with pytest.raises(InvalidParameter):
        PosixTimeZone().validate(rule)


@pytest.mark.parametrize(
    ("stored", "offset"), [(None, 0.0), ("12.5", 12.5), ("junk", 0.0), ("nan", 0.0), ("1e300", 0.0)]
)
def test_a_stored_offset_that_cannot_be_read_means_host_time(
    stored: str | None, offset: float
) -> None:
    assert _stored_offset(stored) == offset
