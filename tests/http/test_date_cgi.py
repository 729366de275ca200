"""date.cgi (5.1.12) end to end: the exact reply shapes, partial sets, every refusal."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import CameraFactory
from tests.support import Camera

DATE = re.compile(
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d, \d{4} \d\d:\d\d:\d\d\r\n"
)
CET = "CET-1CEST,M3.5.0,M10.5.0/3"


def parse(reply_text: str) -> datetime:
    return datetime.strptime(reply_text, "%b %d, %Y %H:%M:%S\r\n")


async def get_date(camera: Camera) -> datetime:
    reply = await camera.get("/axis-cgi/date.cgi?action=get")
    assert reply.status == 200
    assert DATE.fullmatch(reply.text), reply.text
    return parse(reply.text)


async def set_params(camera: Camera, query: str) -> None:
    reply = await camera.get(f"/axis-cgi/param.cgi?action=update&{query}")
    assert reply.text == "OK\r\n", reply.text


def near(actual: datetime, expected: datetime, seconds: float = 3.0) -> bool:
    return abs((actual - expected).total_seconds()) <= seconds


async def test_get_shows_local_time_in_the_spec_format(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/date.cgi?action=get")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/plain"
    assert DATE.fullmatch(reply.text), reply.text
    local = camera.device.clock.local_now().replace(tzinfo=None)
    assert near(parse(reply.text), local)


async def test_set_the_spec_example_keeps_the_time_of_day(camera: Camera) -> None:
    before = camera.device.clock.local_now().replace(tzinfo=None)
    reply = await camera.get("/axis-cgi/date.cgi?action=set&year=2005&month=4&day=3")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.text == "OK\r\n"
    shown = await get_date(camera)
    assert (shown.year, shown.month, shown.day) == (2005, 4, 3)
    assert near(shown, before.replace(year=2005, month=4, day=3))


async def test_set_only_the_time_keeps_the_date(camera: Camera) -> None:
    assert (await camera.get("/date.cgi?action=set&year=2010&month=6&day=15")).text == "OK\r\n"
    reply = await camera.post("/axis-cgi/date.cgi", data="action=set&hour=7&minute=8&second=9")
    assert reply.text == "OK\r\n"
    shown = await get_date(camera)
    assert near(shown, datetime(2010, 6, 15, 7, 8, 9))


async def test_gmt_and_local_time_under_a_time_zone(camera: Camera) -> None:
    await set_params(camera, f"Time.POSIXTimeZone={CET}")
    query = "year=2020&month=1&day=2&hour=12&minute=0&second=0"
    assert (await camera.get(f"/date.cgi?action=set&{query}&timezone=GMT")).text == "OK\r\n"
    assert near(await get_date(camera), datetime(2020, 1, 2, 13, 0, 0))  # CET is GMT+1
    assert near(camera.device.clock.now(), datetime(2020, 1, 2, 12, tzinfo=UTC))
    assert (await camera.get(f"/date.cgi?action=set&{query}")).text == "OK\r\n"  # local time
    assert near(camera.device.clock.now(), datetime(2020, 1, 2, 11, tzinfo=UTC))


async def test_dst_rules_apply_only_when_enabled(camera: Camera) -> None:
    await set_params(camera, f"Time.POSIXTimeZone={CET}")
    query = "year=2020&month=7&day=1&hour=12&minute=0&second=0&timezone=GMT"
    assert (await camera.get(f"/date.cgi?action=set&{query}")).text == "OK\r\n"
    assert near(await get_date(camera), datetime(2020, 7, 1, 13))  # DST off: standard time
    await set_params(camera, "Time.DST.Enabled=yes")
    assert near(await get_date(camera), datetime(2020, 7, 1, 14))  # CEST


async def test_leap_day_of_a_leap_year_is_accepted(camera: Camera) -> None:
    reply = await camera.get("/date.cgi?action=set&year=2024&month=2&day=29&timezone=GMT")
    assert reply.text == "OK\r\n"
    now = camera.device.clock.now()
    assert (now.year, now.month, now.day) == (2024, 2, 29)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=2005&month=2&day=30", "Invalid date 2005-02-30"),
        ("year=2005&month=4&day=31", "Invalid date 2005-04-31"),
        ("year=2023&month=2&day=29", "Invalid date 2023-02-29"),
        ("year=1969", "Invalid year '1969' (expected 1970-2031)"),
        ("year=2032", "Invalid year '2032' (expected 1970-2031)"),
        ("year=abc", "Invalid year 'abc' (expected 1970-2031)"),
        ("year=", "Invalid year '' (expected 1970-2031)"),
        ("year=-2005", "Invalid year '-2005' (expected 1970-2031)"),
        ("year=%202005", "Invalid year ' 2005' (expected 1970-2031)"),
        ("month=0", "Invalid month '0' (expected 1-12)"),
        ("month=13", "Invalid month '13' (expected 1-12)"),
        ("day=0", "Invalid day '0' (expected 1-31)"),
        ("day=32", "Invalid day '32' (expected 1-31)"),
        ("hour=24", "Invalid hour '24' (expected 0-23)"),
        ("minute=60", "Invalid minute '60' (expected 0-59)"),
        ("second=60", "Invalid second '60' (expected 0-59)"),
        ("second=1.5", "Invalid second '1.5' (expected 0-59)"),
        ("hour=1&timezone=CET", "Invalid timezone 'CET' (only GMT is supported)"),
        ("hour=1&timezone=UTC", "Invalid timezone 'UTC' (only GMT is supported)"),
        ("hour=1&timezone=gmt", "Invalid timezone 'gmt' (only GMT is supported)"),
        ("hour=1&timezone=", "Invalid timezone '' (only GMT is supported)"),
        ("", "Nothing to set: give year, month, day, hour, minute or second"),
        ("timezone=GMT", "Nothing to set: give year, month, day, hour, minute or second"),
        ("hour=1&hour=2", "Argument 'hour' given more than once"),
        ("hour=1&yaer=2005", "Unknown argument 'yaer'"),
    ],
)
async def test_bad_set_is_refused_and_changes_nothing(
    camera: Camera, query: str, message: str
) -> None:
    offset = camera.device.clock.offset
    reply = await camera.get(f"/axis-cgi/date.cgi?action=set&{query}")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.text == f"Request failed: {message}\r\n"
    assert camera.device.clock.offset == offset


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Missing action (get or set)"),
        ("action=", "Invalid action '' (get or set)"),
        ("action=reset", "Invalid action 'reset' (get or set)"),
        ("action=GET", "Invalid action 'GET' (get or set)"),
        ("action=get&year=2005", "action=get takes no other argument"),
        ("action=get&action=set", "Argument 'action' given more than once"),
        ("action=%0d%0aset", "Invalid action '??set' (get or set)"),
    ],
)
async def test_bad_action_is_refused(camera: Camera, query: str, message: str) -> None:
    reply = await camera.get(f"/axis-cgi/date.cgi?{query}")
    assert reply.status == 200
    assert reply.text == f"Request failed: {message}\r\n"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            "Time.SyncSource=NTP",
            "The time is synchronized with an NTP server; set Time.SyncSource=none first",
        ),
        (
            "Time.SyncSource=host",
            "The time is synchronized with the host; set Time.SyncSource=none first",
        ),
        (
            "Time.DST.Enabled=yes",
            "Daylight saving time is enabled; set Time.DST.Enabled=no first",
        ),
    ],
)
async def test_set_is_refused_under_ntp_host_time_or_dst(
    camera: Camera, settings: str, message: str
) -> None:
    await set_params(camera, settings)
    before = camera.device.clock.offset
    reply = await camera.get("/axis-cgi/date.cgi?action=set&year=2005&month=4&day=3")
    assert reply.text == f"Request failed: {message}\r\n"
    assert camera.device.clock.offset == before
    assert camera.device.clock.now().year != 2005


async def test_synchronized_time_replaces_the_hand_set_offset(camera: Camera) -> None:
    assert (await camera.get("/date.cgi?action=set&year=2005&timezone=GMT")).text == "OK\r\n"
    assert camera.device.clock.now().year == 2005
    await set_params(camera, "Time.SyncSource=NTP")
    host_now = datetime.now(UTC)
    assert near(camera.device.clock.now(), host_now)
    await set_params(camera, "Time.SyncSource=none")  # manual again: from the synced time
    assert near(camera.device.clock.now(), host_now)
    assert camera.device.db.get_meta("clock.offset") == "0.0"


async def test_the_clock_survives_a_restart(camera_factory: CameraFactory, tmp_path: Path) -> None:
    data = tmp_path / "unit"
    first: Camera = await camera_factory(data_dir=data)
    assert (await first.get("/date.cgi?action=set&year=2007&timezone=GMT")).text == "OK\r\n"
    offset = first.device.clock.offset
    await first.server.stop()
    second: Camera = await camera_factory(data_dir=data)
    assert second.device.clock.offset == pytest.approx(offset)
    assert (await get_date(second)).year == 2007


async def test_an_unusable_time_zone_rule_is_refused(camera: Camera) -> None:
    for rule in ("JUNK", "EST5EDT", "CET-1CEST,M13.5.0,M10.5.0"):
        reply = await camera.get(f"/axis-cgi/param.cgi?action=update&Time.POSIXTimeZone={rule}")
        assert reply.text.startswith("# Error: Error setting 'Time.POSIXTimeZone'"), reply.text
    assert camera.device.params.get("Time.POSIXTimeZone") == "GMT0"


async def test_get_shows_the_spec_example(camera: Camera) -> None:
    await camera.device.clock.async_set(datetime(2003, 4, 3, 15, 16, 4, tzinfo=UTC))
    reply = await camera.get("/axis-cgi/date.cgi?action=get")
    assert re.fullmatch(r"Apr 03, 2003 15:16:0[4-7]\r\n", reply.text), reply.text
