"""Values with reserved characters (issue 15 point 2), over a raw socket.

Spec 5.1.1 has clients percent-encode ``; / ? : @ & = + , $`` and spaces inside a value, so a
name such as ``Door & gate: 1/2; a=b?`` is a valid value: it is stored as sent and listed back
as sent. Control characters stay refused and change nothing; types with a real syntax (host
names, time zones, file names, query strings) stay strict.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import CameraFactory
from tests.spec.raw import FORM, TEXT_PLAIN, VERSIONS, RawReply, assert_text, cgi
from tests.support import Camera

DOOR = "Door & gate: 1/2; a=b?"
#: Every reserved character of RFC 2396 that 5.1.1 names, a space, quotes, < > and %, non-ASCII.
EVERYTHING = "a;b/c?d:e@f&g=h+i,j$k l\"m'n<o>p%q é ☕"

#: Free-text parameters (names, descriptions, strings) and a group to create first, if any.
FREE_TEXT = [
    ("Image.I0.Name", None),
    ("Image.I0.Text.String", None),
    ("IOPort.I0.Input.Name", None),
    ("IOPort.I2.Output.Name", None),
    ("Audio.A0.Name", None),
    ("StreamProfile.S0.Description", None),
    ("Event.E0.Name", "action=add&group=Event&template=event"),
    ("Event.E0.ImageURLSettings", "action=add&group=Event&template=event"),
    ("Motion.M0.Name", "action=add&group=Motion&template=motion"),
    ("PTZ.PresetPos.P0.Name", "action=add&group=PTZ.PresetPos&template=presetpos"),
    ("GuardTour.G0.Name", "action=add&group=GuardTour&template=guardtour"),
]


def encoded(value: str) -> str:
    """``value`` percent-encoded as the spec asks (every reserved character, spaces too)."""
    return quote(value, safe="")


async def param(
    camera: Camera, query: str, version: str = "1.0", post: str | None = None
) -> RawReply:
    return await cgi(
        camera.server.port, "/axis-cgi/param.cgi", query, version=version, post_as=post
    )


async def listing(camera: Camera) -> bytes:
    return (await param(camera, "action=list")).body


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("post", [None, TEXT_PLAIN, FORM], ids=["GET", "text-plain", "form"])
async def test_add_with_a_name_of_reserved_characters(
    camera: Camera, version: str, post: str | None
) -> None:
    reply = await param(
        camera,
        f"action=add&group=Event&template=event&Event.E.Name={encoded(DOOR)}",
        version,
        post,
    )
    assert_text(reply, b"E0 OK\r\n", version)
    reply = await param(camera, "action=list&group=Event.E0.Name", version, post)
    assert_text(reply, f"Event.E0.Name={DOOR}\n".encode(), version)
    reply = await param(camera, "action=list&group=Event.*.Name", version, post)
    assert_text(reply, f"Event.E0.Name={DOOR}\n".encode(), version)
    assert camera.device.params.get("Event.E0.Name") == DOOR


@pytest.mark.parametrize(("name", "setup"), FREE_TEXT)
async def test_update_and_list_round_trip(camera: Camera, name: str, setup: str | None) -> None:
    if setup is not None:
        assert (await param(camera, setup)).body.endswith(b"0 OK\r\n")
    for value in (DOOR, EVERYTHING, " leading and trailing ", ""):
        reply = await param(camera, f"action=update&{name}={encoded(value)}")
        assert_text(reply, b"OK\r\n")
        reply = await param(camera, f"action=list&group={name}")
        assert_text(reply, f"{name}={value}\n".encode())
        assert camera.device.params.get(name) == value
    # A whole listing carries the value on one line, after the first '='.
    await param(camera, f"action=update&{name}={encoded(EVERYTHING)}")
    lines = (await listing(camera)).decode().split("\n")
    assert f"root.{name}={EVERYTHING}" in lines


async def test_values_survive_a_restart(camera_factory: CameraFactory, tmp_path: Path) -> None:
    first: Camera = await camera_factory(data_dir=tmp_path / "unit")
    query = f"Image.I0.Name={encoded(DOOR)}&StreamProfile.S1.Description={encoded(EVERYTHING)}"
    assert_text(await param(first, f"action=update&{query}"), b"OK\r\n")
    before = await listing(first)
    await first.server.stop()
    second: Camera = await camera_factory(data_dir=tmp_path / "unit")
    assert await listing(second) == before
    reply = await param(second, "action=list&group=Image.I0.Name,StreamProfile.S1.Description")
    assert_text(
        reply, f"Image.I0.Name={DOOR}\nStreamProfile.S1.Description={EVERYTHING}\n".encode()
    )


@pytest.mark.parametrize(
    "control",
    ["\n", "\r", "\r\n", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"],
    ids=["LF", "CR", "CRLF", "NUL", "ESC", "DEL", "NEL", "LS", "PS"],
)
async def test_control_characters_are_refused_and_change_nothing(
    camera: Camera, control: str
) -> None:
    assert (await param(camera, "action=add&group=Event&template=event")).body == b"E0 OK\r\n"
    before = await listing(camera)
    state = camera.device.params.snapshot()
    value = encoded(f"Door{control}Image.MaxViewers=1")
    update = await param(camera, f"action=update&Image.I0.Name=ok&Event.E0.Name={value}")
    assert update.body.startswith(b"# Error: Error setting 'Event.E0.Name' to 'Door")
    assert update.body.endswith(b"': control characters are not allowed\r\n")
    add = await param(camera, f"action=add&group=Event&template=event&Event.E.Name={value}")
    assert add.body.startswith(b"# Request failed: Error setting 'Event.E.Name' to 'Door")
    assert add.body.endswith(b"': control characters are not allowed\n")
    assert camera.device.params.snapshot() == state
    assert camera.device.params.instances("Event") == ["Event.E0"]
    assert await listing(camera) == before


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("Network.HostName", "my camera", "a host name"),
        ("Network.DomainName", "a&b.example", "a domain name"),
        ("Time.TimeZone", "Europe/Paris; rm", "a time zone name"),
        ("Time.NTP.Server", "pool.ntp.org/x", "a host name or address"),
        ("StreamProfile.S0.Name", "My profile", "letters, digits, _ and -"),
        ("StreamProfile.S0.Parameters", "resolution=640x480&text=a b", "a query string"),
    ],
)
async def test_structured_values_stay_strict(
    camera: Camera, name: str, value: str, reason: str
) -> None:
    before = await listing(camera)
    reply = await param(camera, f"action=update&{name}={encoded(value)}")
    assert_text(
        reply, f"# Error: Error setting '{name}' to '{value}': expected {reason}\r\n".encode()
    )
    assert await listing(camera) == before


async def test_strict_template_values_stay_strict(camera: Camera) -> None:
    before = await listing(camera)
    reply = await param(
        camera, f"action=add&group=Event&template=event&Event.E.FileName={encoded('a/b.jpg')}"
    )
    assert_text(
        reply,
        b"# Request failed: Error setting 'Event.E.FileName' to 'a/b.jpg': expected a file name\n",
    )
    assert await listing(camera) == before
