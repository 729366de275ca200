"""Spec 5.1.12 replayed over a raw socket: date.cgi get and set, replies byte for byte.

``tests/http/test_date_cgi.py`` covers time zones, DST, NTP and persistence; this module checks
the exact replies, every range boundary of 5.1.12.2, both methods and every prefix.
"""

from __future__ import annotations

import re

import pytest

from tests.spec.raw import FORM, PREFIXES, TEXT_PLAIN, VERSIONS, RawReply, assert_text_200, cgi
from tests.support import Camera

#: 5.1.12.1: ``<month> <day>, <year> <hour>:<minute>:<second>\r\n`` (``Apr 03, 2003 15:16:04``).
GET_FORMAT = re.compile(
    rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-3]\d), (\d{4}) "
    rb"([0-2]\d):([0-5]\d):([0-5]\d)\r\n"
)


async def date(
    camera: Camera,
    query: str,
    *,
    prefix: str = "/axis-cgi/admin/",
    version: str = "1.0",
    post: bool = False,
) -> RawReply:
    """``date.cgi`` with ``query`` as a GET, or as a form POST."""
    post_as = FORM if post else None
    return await cgi(
        camera.server.port, f"{prefix}date.cgi", query, version=version, post_as=post_as
    )


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_get(camera: Camera, prefix: str, version: str) -> None:
    reply = await date(camera, "action=get", prefix=prefix, version=version)
    assert_text_200(reply, version)
    assert GET_FORMAT.fullmatch(reply.body), reply.body


@pytest.mark.parametrize("post", [False, True], ids=["get", "post"])
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_set_the_spec_example(camera: Camera, prefix: str, post: bool) -> None:
    """``action=set&year=2005&month=4&day=3`` → ``OK\\r\\n``; get then shows Apr 03, 2005."""
    reply = await date(camera, "action=set&year=2005&month=4&day=3", prefix=prefix, post=post)
    assert_text_200(reply)
    assert reply.body == b"OK\r\n"
    shown = await date(camera, "action=get", prefix=prefix)
    assert shown.body.startswith(b"Apr 03, 2005 "), shown.body


async def test_set_to_the_spec_get_example(camera: Camera) -> None:
    """Set every field, in GMT; get shows the spec's example line exactly (UTC time zone)."""
    reply = await date(
        camera,
        "action=set&year=2003&month=4&day=3&hour=15&minute=16&second=4&timezone=GMT",
    )
    assert reply.body == b"OK\r\n"
    shown = await date(camera, "action=get")
    match = GET_FORMAT.fullmatch(shown.body)
    assert match is not None
    assert shown.body[:18] == b"Apr 03, 2003 15:16"  # seconds may have ticked on


@pytest.mark.parametrize(
    "query",
    [
        "year=1970&month=1&day=1&hour=0&minute=0&second=0",
        "year=2031&month=12&day=31&hour=23&minute=59&second=59",
    ],
)
async def test_range_limits_are_accepted(camera: Camera, query: str) -> None:
    reply = await date(camera, f"action=set&{query}")
    assert reply.body == b"OK\r\n"
    expected = b"Jan 01, 1970 00:00:" if "1970" in query else b"Dec 31, 2031 23:59:"
    assert (await date(camera, "action=get")).body.startswith(expected)


@pytest.mark.parametrize(
    "query",
    [
        "year=1969",
        "year=2032",
        "month=0",
        "month=13",
        "day=0",
        "day=32",
        "hour=24",
        "minute=60",
        "second=60",
        "year=2005&month=2&day=30",
        "year=abc",
        "hour=-1",
        "timezone=CET&hour=1",
        "",
    ],
)
async def test_a_failed_set(camera: Camera, query: str) -> None:
    """``Request failed: <error message>\\r\\n`` (200), and the clock is not changed."""
    await date(camera, "action=set&year=2010&month=6&day=15")
    reply = await date(camera, f"action=set&{query}".rstrip("&"))
    assert_text_200(reply)
    assert reply.body.startswith(b"Request failed: ")
    assert reply.body.endswith(b"\r\n")
    assert reply.body.count(b"\n") == 1
    assert (await date(camera, "action=get")).body.startswith(b"Jun 15, 2010 ")


async def test_an_unknown_action(camera: Camera) -> None:
    reply = await date(camera, "action=frobnicate")
    assert reply.status in (200, 400)
    assert reply.headers("Content-Type") == [TEXT_PLAIN]
    assert reply.body.startswith(b"Request failed: ")
