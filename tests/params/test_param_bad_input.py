"""param.cgi refuses bad input with a clear error and changes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ipcamd.access import AccessLevel
from tests.conftest import CameraFactory
from tests.spec.raw import send_bytes
from tests.support import Camera, assert_text


def state(camera: Camera) -> tuple[dict[str, str], list[str], list[str], list[str]]:
    params = camera.device.params
    return (
        params.snapshot(),
        params.instances("Event"),
        params.instances("Motion"),
        params.instances("StreamProfile"),
    )


async def assert_refused(camera: Camera, path: str, body: str, **kwargs: object) -> None:
    """``path`` answers exactly ``body`` and leaves every parameter and group as it was."""
    before = state(camera)
    listing = (await camera.get("/param.cgi?action=list")).body
    assert_text(await camera.get(path, **kwargs), body)  # type: ignore[arg-type]
    assert state(camera) == before
    assert (await camera.get("/param.cgi?action=list")).body == listing


# ----------------------------------------------------------------------------- actions


async def test_unknown_action(camera: Camera) -> None:
    await assert_refused(
        camera,
        "/param.cgi?action=frobnicate&Image.MaxViewers=3",
        "# Error: Unknown action 'frobnicate' (list, update, add or remove)\n",
    )


async def test_missing_action(camera: Camera) -> None:
    await assert_refused(
        camera,
        "/param.cgi?Image.MaxViewers=3",
        "# Error: No action specified (list, update, add or remove)\n",
    )


async def test_repeated_action_is_400(camera: Camera) -> None:
    before = state(camera)
    reply = await camera.get("/param.cgi?action=update&action=update&Image.MaxViewers=3")
    assert reply.status == 400
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.body == b"Argument 'action' given more than once\n"
    assert state(camera) == before


# ----------------------------------------------------------------------------- update

UPDATE_ERRORS = [
    ("Image.NoSuch=1", "Error setting 'Image.NoSuch' to '1': no such parameter"),
    ("NoSuch=1", "Error setting 'NoSuch' to '1': no such parameter"),
    (
        "Image.MaxViewers=1001",
        "Error setting 'Image.MaxViewers' to '1001': expected an integer from 0 to 1000",
    ),
    (
        "Image.MaxViewers=-1",
        "Error setting 'Image.MaxViewers' to '-1': expected an integer from 0 to 1000",
    ),
    (
        "Image.MaxViewers=five",
        "Error setting 'Image.MaxViewers' to 'five': expected an integer from 0 to 1000",
    ),
    (
        "Image.MaxViewers=",
        "Error setting 'Image.MaxViewers' to '': expected an integer from 0 to 1000",
    ),
    (
        "Image.I0.Enabled=maybe",
        "Error setting 'Image.I0.Enabled' to 'maybe': expected yes or no",
    ),
    (
        "Network.IPAddress=999.1.1.1",
        "Error setting 'Network.IPAddress' to '999.1.1.1': expected an IPv4 address",
    ),
    (
        "Network.SubnetMask=255.0.255.0",
        "Error setting 'Network.SubnetMask' to '255.0.255.0': expected a contiguous netmask",
    ),
    (
        "Network.HTTP.AuthenticationPolicy=none",
        "Error setting 'Network.HTTP.AuthenticationPolicy' to 'none': "
        "expected one of basic, digest, basic_digest",
    ),
    ("Brand.Brand=Axis", "Error setting 'Brand.Brand' to 'Axis': read-only parameter"),
    (
        "Properties.System.SerialNumber=1",
        "Error setting 'Properties.System.SerialNumber' to '1': read-only parameter",
    ),
    ("Event.E0.Name=x", "Error setting 'Event.E0.Name' to 'x': no such parameter"),
    (
        "Image.I0.Text.String=a%0Ab",
        "Error setting 'Image.I0.Text.String' to 'a%0Ab': control characters are not allowed",
    ),
    (
        "Image.I0.Text.String=a%00b",
        "Error setting 'Image.I0.Text.String' to 'a%00b': control characters are not allowed",
    ),
    (
        "Image.I0.Text.String=a%0D%0AImage.MaxViewers=1",
        "Error setting 'Image.I0.Text.String' to 'a%0D%0AImage.MaxViewers=1': "
        "control characters are not allowed",
    ),
    ("Image.MaxViewers=3&Image.MaxViewers=4", "Parameter 'Image.MaxViewers' given more than once"),
    (
        "Image.MaxViewers=3&root.Image.MaxViewers=4",
        "Parameter 'root.Image.MaxViewers' given more than once",
    ),
    ("", "No parameters to update"),
]


@pytest.mark.parametrize(("query", "message"), UPDATE_ERRORS)
async def test_bad_update(camera: Camera, query: str, message: str) -> None:
    await assert_refused(camera, f"/param.cgi?action=update&{query}", f"# Error: {message}\r\n")


async def test_half_valid_update_applies_nothing(camera: Camera) -> None:
    good = [
        "Image.MaxViewers=5",
        "Image.I0.Resolution=320x240",
        "Image.I0.Compression=50",
        "Image.I0.FPS=10",
        "Image.I0.Rotation=180",
        "Image.I0.Text.String=hello",
        "Image.I0.Text.TextEnabled=yes",
        "Network.HostName=cam1",
        "Network.DNSServer1=10.0.0.1",
    ]
    query = "&".join([*good[:5], "Image.I0.MirrorEnabled=sideways", *good[5:]])
    await assert_refused(
        camera,
        f"/param.cgi?action=update&{query}",
        "# Error: Error setting 'Image.I0.MirrorEnabled' to 'sideways': expected yes or no\r\n",
    )
    # The same nine without the bad one all apply.
    assert_text(await camera.get("/param.cgi?action=update&" + "&".join(good)), "OK\r\n")
    for item in good:
        name, value = item.split("=")
        assert camera.device.params.get(name) == value


async def test_values_stored_verbatim_never_executed(camera: Camera) -> None:
    value = "a;b $(reboot) `id` %zz | & <x>"
    encoded = "a%3Bb%20%24(reboot)%20%60id%60%20%zz%20%7C%20%26%20%3Cx%3E"
    assert_text(
        await camera.get(f"/param.cgi?action=update&Image.I0.Text.String={encoded}"), "OK\r\n"
    )
    assert camera.device.params.get("Image.I0.Text.String") == value
    assert_text(
        await camera.get("/param.cgi?action=list&group=Image.I0.Text.String"),
        f"Image.I0.Text.String={value}\n",
    )


# ----------------------------------------------------------------------------- add

ADD_ERRORS = [
    ("group=Event", "No template specified"),
    ("template=event", "No group specified"),
    ("group=Event&template=nosuch", "Unknown template 'nosuch'"),
    ("group=Network&template=event", "Template 'event' cannot be used in group 'Network'"),
    ("group=Motion&template=event", "Template 'event' cannot be used in group 'Motion'"),
    ("group=Event.E0&template=event", "Template 'event' cannot be used in group 'Event.E0'"),
    (
        "group=Event&template=event&Event.E.Nope=1",
        "Error setting 'Event.E.Nope' to '1': no such parameter",
    ),
    (
        "group=Event&template=event&Event.E.Priority=9",
        "Error setting 'Event.E.Priority' to '9': expected an integer from 0 to 2",
    ),
    (
        "group=Event&template=event&Motion.M.Name=x",
        "Parameter 'Motion.M.Name' does not belong to the new group (expected Event.E.<name>)",
    ),
    (
        "group=Event&template=event&Event.E.Name=a%0Ab",
        "Error setting 'Event.E.Name' to 'a%0Ab': control characters are not allowed",
    ),
    ("group=Event&template=event&force=maybe", "Invalid value 'maybe' for force (yes or no)"),
]


@pytest.mark.parametrize(("query", "message"), ADD_ERRORS)
async def test_bad_add(camera: Camera, query: str, message: str) -> None:
    await assert_refused(camera, f"/param.cgi?action=add&{query}", f"# Request failed: {message}\n")


async def test_add_beyond_the_limit(camera: Camera) -> None:
    for number in range(10):
        assert_text(
            await camera.get("/param.cgi?action=add&group=Event&template=event"),
            f"E{number} OK\r\n",
        )
    await assert_refused(
        camera,
        "/param.cgi?action=add&group=Event&template=event",
        "# Request failed: Maximum number of groups (10) in 'Event' reached\n",
    )
    await assert_refused(
        camera,
        "/param.cgi?action=add&group=Event&template=event&force=no",
        "# Request failed: Maximum number of groups (10) in 'Event' reached\n",
    )
    assert_text(
        await camera.get("/param.cgi?action=add&group=Event&template=event&force=yes"),
        "E10 OK\r\n",
    )
    assert len(camera.device.params.instances("Event")) == 11


async def test_stream_profile_limit_counts_the_initial_four(camera: Camera) -> None:
    for number in range(4, 26):
        assert_text(
            await camera.get(
                "/param.cgi?action=add&group=StreamProfile&template=streamprofile"
                f"&StreamProfile.S.Name=p{number}"
            ),
            f"S{number} OK\r\n",
        )
    await assert_refused(
        camera,
        "/param.cgi?action=add&group=StreamProfile&template=streamprofile",
        "# Request failed: Maximum number of groups (26) in 'StreamProfile' reached\n",
    )


# ----------------------------------------------------------------------------- remove

REMOVE_ERRORS = [
    ("group=Network", "Group 'Network' is not a dynamic group and cannot be removed"),
    ("group=Brand", "Group 'Brand' is not a dynamic group and cannot be removed"),
    ("group=Image.I0", "Group 'Image.I0' is not a dynamic group and cannot be removed"),
    (
        "group=Image.MaxViewers",
        "Group 'Image.MaxViewers' is not a dynamic group and cannot be removed",
    ),
    ("group=Event.E0.Name", "Group 'Event.E0.Name' is not a dynamic group and cannot be removed"),
    ("group=Event.E9", "Group 'Event.E9' does not exist"),
    ("group=Event.E0,Event.E9", "Group 'Event.E9' does not exist"),
    ("group=Event", "Group 'Event' does not exist"),
    ("", "No group specified"),
    ("group=Event.E0&force=yes", "Unknown argument 'force' for action remove"),
]


@pytest.mark.parametrize(("query", "message"), REMOVE_ERRORS)
async def test_bad_remove(camera: Camera, query: str, message: str) -> None:
    assert_text(await camera.get("/param.cgi?action=add&group=Event&template=event"), "E0 OK\r\n")
    await assert_refused(
        camera, f"/param.cgi?action=remove&{query}", f"# Request failed: {message}\r\n"
    )


# ----------------------------------------------------------------------------- list

LIST_ERRORS = [
    ("group=NoSuch", "# Error: Error -1 getting param in group 'NoSuch'\n"),
    ("group=Image.I9", "# Error: Error -1 getting param in group 'Image.I9'\n"),
    ("group=root.NoSuch", "# Error: Error -1 getting param in group 'root.NoSuch'\n"),
    (
        "group=Brand.Brand,NoSuch",
        "Brand.Brand=ipcamd\n# Error: Error -1 getting param in group 'NoSuch'\n",
    ),
    ("group=Event.*.Name", "# Error: Error -1 getting param in group 'Event.*.Name'\n"),
    ("group=Net%0AFake=1", "# Error: Error -1 getting param in group 'Net%0AFake=1'\n"),
    ("group=Brand.Brand&foo=1", "# Error: Unknown argument 'foo' for action list\n"),
    ("group=Brand.Brand&responseformat=xml", "# Error: Unknown responseformat 'xml' (only rfc)\n"),
]


@pytest.mark.parametrize(("query", "body"), LIST_ERRORS)
async def test_bad_list(camera: Camera, query: str, body: str) -> None:
    await assert_refused(camera, f"/param.cgi?action=list&{query}", body)


async def test_empty_dynamic_parent_lists_nothing(camera: Camera) -> None:
    assert_text(await camera.get("/param.cgi?action=list&group=Event"), "")


# ----------------------------------------------------------------------------- encoding, size


@pytest.mark.parametrize(
    "query",
    [
        "action=list&group=%ff%fe",
        "action=update&Image.I0.Text.String=%C3%28",
        "action=update&Image.I0.Text.%ffString=a",
    ],
)
async def test_invalid_utf8_is_400(camera: Camera, query: str) -> None:
    before = state(camera)
    reply = await camera.get(f"/param.cgi?{query}")
    assert reply.status == 400
    assert reply.headers["Content-Type"] == "text/plain"
    assert reply.body == b"Invalid percent-encoding in the request (not UTF-8)\n"
    assert state(camera) == before


async def test_invalid_utf8_post_body_is_400(camera: Camera) -> None:
    before = state(camera)
    reply = await camera.post(
        "/param.cgi",
        data=b"action=update&Image.I0.Text.String=\xff",
        headers={"Content-Type": "text/plain"},
    )
    assert reply.status == 400
    assert reply.body == b"Request body is not UTF-8\n"
    assert state(camera) == before


async def raw_request(camera: Camera, data: bytes) -> bytes:
    return await send_bytes(camera.server.port, data)


async def test_over_long_query_is_refused_not_500(camera: Camera) -> None:
    before = state(camera)
    target = "/param.cgi?action=update&Image.I0.Text.String=" + "A" * 9000
    data = await raw_request(
        camera, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    status = int(data.split(b" ", 2)[1])
    assert status in (400, 414)
    assert state(camera) == before


async def test_over_long_header_is_refused(camera: Camera) -> None:
    data = await raw_request(
        camera,
        b"GET /param.cgi?action=list HTTP/1.1\r\nHost: x\r\nX-Long: "
        + b"a" * 20000
        + b"\r\nConnection: close\r\n\r\n",
    )
    assert int(data.split(b" ", 2)[1]) in (400, 431)


async def test_over_large_post_body_is_413(camera: Camera) -> None:
    before = state(camera)
    body = b"action=update&Image.I0.Text.String=" + b"A" * 70000
    reply = await camera.post("/param.cgi", data=body, headers={"Content-Type": "text/plain"})
    assert reply.status == 413
    assert reply.headers["Content-Type"] == "text/plain"
    assert state(camera) == before


async def test_too_many_arguments_is_400(camera: Camera) -> None:
    query = "&".join(f"Image.MaxViewers{i}=1" for i in range(600))
    reply = await camera.post(
        "/param.cgi", data=f"action=update&{query}".encode(), headers={"Content-Type": "text/plain"}
    )
    assert reply.status == 400
    assert reply.body == b"Too many arguments (at most 512)\n"


async def test_post_body_split_across_segments(camera: Camera) -> None:
    """A body that arrives in several pieces is read whole (chunked transfer)."""
    body = b"action=update&Image.MaxViewers=9&Image.I0.Text.String=" + b"B" * 60
    chunks = [body[i : i + 7] for i in range(0, len(body), 7)]
    request = (
        b"POST /axis-cgi/param.cgi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Authorization: Basic cm9vdDpwYXNz\r\nContent-Type: text/plain\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.server.port)
    writer.write(request)
    for chunk in chunks:
        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        await writer.drain()
        await asyncio.sleep(0.01)
    writer.write(b"0\r\n\r\n")
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert data.endswith(b"\r\n\r\nOK\r\n")
    assert camera.device.params.get("Image.MaxViewers") == "9"
    assert camera.device.params.get("Image.I0.Text.String") == "B" * 60


# ----------------------------------------------------------------------------- access levels


VIEWER_HIDDEN = ("Network", "Time", "Storage", "Event", "Motion", "Audio.", "GuardTour")


async def test_viewer_never_sees_admin_parameters(camera: Camera) -> None:
    await camera.get("/param.cgi?action=add&group=Event&template=event&Event.E.Name=Secret")
    await camera.add_user("vic", "v1", "axview")
    as_vic = {"user": "vic", "password": "v1"}
    expected_names = [
        name
        for name in camera.device.params.ordered_names()
        if (spec := camera.device.params.spec(name)) is not None and spec.read <= AccessLevel.VIEWER
    ]
    for query in ("", "&group=*", "&group=root", "&group=*.*", "&group=Net*,Brand.Brand"):
        reply = await camera.get(f"/param.cgi?action=list{query}", **as_vic)  # type: ignore[arg-type]
        assert reply.status == 200
        lines = reply.text.splitlines()
        names = [line.split("=", 1)[0].removeprefix("root.") for line in lines if "=" in line]
        assert not [n for n in names if n.startswith(VIEWER_HIDDEN)]
        assert "PTZ.BoaProtPTZOperator" not in names
        assert "Secret" not in reply.text
        if query in ("", "&group=*", "&group=root", "&group=*.*"):
            assert names == expected_names
    for group in (
        "Network",
        "Network.IPAddress",
        "root.Network",
        "Net*",
        "Network.*",
        "*.IPAddress",
        "Event",
        "Event.E0",
        "Event.*.Name",
        "Time",
        "Storage.S0",
    ):
        reply = await camera.get(f"/param.cgi?action=list&group={group}", **as_vic)  # type: ignore[arg-type]
        assert_text(reply, f"# Error: Error -1 getting param in group '{group}'\n")


async def test_viewer_can_read_brand_properties_image(camera: Camera) -> None:
    await camera.add_user("vic", "v1", "axview")
    for group in ("Brand", "Properties", "Image", "StreamProfile", "PTZ", "IOPort"):
        reply = await camera.get(f"/param.cgi?action=list&group={group}", user="vic", password="v1")
        assert reply.status == 200
        lines = reply.text.splitlines()
        assert lines
        assert all(line.startswith(group + ".") for line in lines)


@pytest.mark.parametrize(
    ("sgrp", "query", "message"),
    [
        (
            "axview",
            "Network.IPAddress=10.0.0.1",
            "Error setting 'Network.IPAddress' to '10.0.0.1': no such parameter",
        ),
        (
            "axview",
            "Image.I0.Resolution=320x240",
            "Error setting 'Image.I0.Resolution' to '320x240': requires operator access",
        ),
        (
            "axview",
            "Image.MaxViewers=1",
            "Error setting 'Image.MaxViewers' to '1': requires admin access",
        ),
        (
            "axoper:axview",
            "Network.IPAddress=10.0.0.1",
            "Error setting 'Network.IPAddress' to '10.0.0.1': no such parameter",
        ),
        (
            "axoper:axview",
            "Network.HTTP.AuthenticationPolicy=basic",
            "Error setting 'Network.HTTP.AuthenticationPolicy' to 'basic': no such parameter",
        ),
        (
            "axoper:axview",
            "Image.MaxViewers=1",
            "Error setting 'Image.MaxViewers' to '1': requires admin access",
        ),
        (
            "axoper:axview",
            "Image.I0.FPS=5&Image.MaxViewers=1",
            "Error setting 'Image.MaxViewers' to '1': requires admin access",
        ),
    ],
)
async def test_low_levels_cannot_update_above_them(
    camera: Camera, sgrp: str, query: str, message: str
) -> None:
    await camera.add_user("low", "l1", sgrp)
    await assert_refused(
        camera,
        f"/param.cgi?action=update&{query}",
        f"# Error: {message}\r\n",
        user="low",
        password="l1",
    )


async def test_viewer_cannot_add_or_remove_events(camera: Camera) -> None:
    await camera.get("/param.cgi?action=add&group=Event&template=event")
    await camera.add_user("vic", "v1", "axview")
    await assert_refused(
        camera,
        "/param.cgi?action=add&group=Event&template=event",
        "# Request failed: Adding to group 'Event' requires operator access\n",
        user="vic",
        password="v1",
    )
    await assert_refused(
        camera,
        "/param.cgi?action=remove&group=Event.E0",
        "# Request failed: Group 'Event.E0' does not exist\r\n",
        user="vic",
        password="v1",
    )


async def test_operator_may_change_events_and_image(camera: Camera) -> None:
    await camera.add_user("oli", "o1", "axoper:axview")
    as_oli = {"user": "oli", "password": "o1"}
    assert_text(
        await camera.get("/param.cgi?action=add&group=Event&template=event", **as_oli),  # type: ignore[arg-type]
        "E0 OK\r\n",
    )
    assert_text(
        await camera.get("/param.cgi?action=update&Image.I0.FPS=5", **as_oli),  # type: ignore[arg-type]
        "OK\r\n",
    )


# ----------------------------------------------------------------------------- persistence


async def test_updates_and_groups_survive_a_restart(
    camera_factory: CameraFactory, tmp_path: Path
) -> None:
    first: Camera = await camera_factory(data_dir=tmp_path / "unit")
    assert_text(
        await first.get("/param.cgi?action=update&Image.MaxViewers=7&Network.HostName=gate"),
        "OK\r\n",
    )
    assert_text(
        await first.get("/param.cgi?action=add&group=Event&template=event&Event.E.Name=Kept"),
        "E0 OK\r\n",
    )
    assert_text(
        await first.get("/param.cgi?action=add&group=Event&template=event&Event.E.Name=Gone"),
        "E1 OK\r\n",
    )
    assert_text(
        await first.get("/param.cgi?action=remove&group=Event.E1,StreamProfile.S3"), "OK\r\n"
    )
    listing = (await first.get("/param.cgi?action=list")).body
    serial = first.device.identity.serial_number
    await first.session.close()
    await first.server.stop()

    second: Camera = await camera_factory(data_dir=tmp_path / "unit")
    assert second.device.identity.serial_number == serial
    assert (await second.get("/param.cgi?action=list")).body == listing
    assert_text(
        await second.get("/param.cgi?action=list&group=Image.MaxViewers,Event.*.Name"),
        "Image.MaxViewers=7\nEvent.E0.Name=Kept\n",
    )
    assert second.device.params.instances("StreamProfile") == [
        "StreamProfile.S0",
        "StreamProfile.S1",
        "StreamProfile.S2",
    ]
