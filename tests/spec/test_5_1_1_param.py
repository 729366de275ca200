"""Spec 5.1.1 (and the param.cgi examples of 5.4) replayed over a raw socket.

Each example is sent as HTTP/1.0 and HTTP/1.1, under ``/``, ``/axis-cgi/`` and
``/axis-cgi/admin/``, and as a GET and as a POST whose form body is ``text/plain`` (what the
``axis`` library sends). Bodies are compared byte for byte where the spec gives them; the header
lines end in ``\\r\\n`` (see docs/decisions.md: the spec's bare ``\\n`` after the header is not
something any client parses). ``tests/params/`` covers the same examples through a client
library plus the bad inputs; this module covers what only the raw bytes show.
"""

from __future__ import annotations

import re

import pytest

from tests.spec.raw import (
    FORM,
    PREFIXES,
    TEXT_PLAIN,
    VERSIONS,
    RawReply,
    assert_text_200,
    cgi,
    exchange,
)
from tests.spec_texts import SPEC_EVENT_LISTING
from tests.support import Camera

PAIR = re.compile(r"[A-Za-z0-9_.]+=[^\r\n]*")


async def param(
    camera: Camera,
    query: str,
    *,
    prefix: str = "/axis-cgi/",
    version: str = "1.0",
    post: bool = False,
) -> RawReply:
    """``param.cgi`` with ``query`` (already percent-encoded) as GET, or as a text/plain POST."""
    post_as = TEXT_PLAIN if post else None
    return await cgi(
        camera.server.port, f"{prefix}param.cgi", query, version=version, post_as=post_as
    )


def assert_listing(body: bytes) -> list[str]:
    """Every line is ``<parameter>=<value>\\n`` (5.1.1.2): no ``\\r``, a final newline."""
    text = body.decode("utf-8")
    assert "\r" not in text
    assert text.endswith("\n")
    lines = text[:-1].split("\n")
    for line in lines:
        assert PAIR.fullmatch(line), line
    return lines


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_list_the_network_parameters(camera: Camera, prefix: str, version: str) -> None:
    """5.1.1.1/5.1.1.2: ``group=Network`` lists Network.IPAddress and Network.SubnetMask."""
    for post in (False, True):
        reply = await param(
            camera, "action=list&group=Network", prefix=prefix, version=version, post=post
        )
        assert_text_200(reply, version)
        lines = assert_listing(reply.body)
        assert all(line.startswith("Network.") for line in lines)
        names = [line.split("=", 1)[0] for line in lines]
        assert "Network.IPAddress" in names
        assert "Network.SubnetMask" in names
        assert re.search(rb"^Network\.IPAddress=\d+\.\d+\.\d+\.\d+\n", reply.body, re.M)


async def test_one_parameter_and_several_groups(camera: Camera) -> None:
    """``group=<group>.<name>`` lists that one parameter; a comma list lists each in order."""
    one = await param(camera, "action=list&group=Network.IPAddress")
    assert_text_200(one)
    assert re.fullmatch(rb"Network\.IPAddress=\d+\.\d+\.\d+\.\d+\n", one.body)
    two = await param(camera, "action=list&group=Network.SubnetMask,Network.IPAddress")
    lines = assert_listing(two.body)
    assert [line.split("=")[0] for line in lines] == ["Network.SubnetMask", "Network.IPAddress"]
    assert lines[1] + "\n" == one.text


@pytest.mark.parametrize("version", VERSIONS)
async def test_omitted_group_lists_every_parameter(camera: Camera, version: str) -> None:
    """ "If this parameter is omitted, all parameters in the device are returned."

    Every line carries ``root.`` as on a real device (the axis library's full listing keeps only
    those); each group's own listing is contained in it.
    """
    reply = await param(camera, "action=list", version=version)
    assert_text_200(reply, version)
    lines = assert_listing(reply.body)
    assert all(line.startswith("root.") for line in lines)
    groups = {line.split(".")[1] for line in lines}
    assert {"Brand", "Properties", "Network", "Image", "Time"} <= groups
    for group in ("Network", "Brand", "Image"):
        own = assert_listing((await param(camera, f"action=list&group={group}")).body)
        assert {f"root.{line}" for line in own} <= set(lines)


async def test_list_event_names_with_a_wildcard(camera: Camera) -> None:
    """5.1.1.1: ``group=Event.*.Name`` lists only the Name of every event."""
    for name in ("First", "Second"):
        added = await param(camera, f"action=add&group=Event&template=event&Event.E.Name={name}")
        assert re.fullmatch(rb"E\d+ OK\r\n", added.body), added.body
    for prefix in PREFIXES:
        reply = await param(camera, "action=list&group=Event.*.Name", prefix=prefix)
        assert_text_200(reply)
        assert reply.body == b"Event.E0.Name=First\nEvent.E1.Name=Second\n"


async def test_responseformat_rfc(camera: Camera) -> None:
    """``responseformat=rfc``: HTTP/1.0 200 OK, Content-Type: text/plain, the pairs."""
    reply = await param(camera, "action=list&group=Brand.Brand&responseformat=rfc")
    assert_text_200(reply)
    assert reply.body == b"Brand.Brand=ipcamd\n"


async def test_an_invalid_value_is_an_error_line(camera: Camera) -> None:
    """5.1.1.2: an invalid parameter value gives 200 and one ``# Error: <description>`` line."""
    before = await param(camera, "action=list&group=Image.MaxViewers")
    reply = await param(camera, "action=update&Image.MaxViewers=many")
    assert_text_200(reply)
    assert reply.body.startswith(b"# Error: ")
    assert reply.body.count(b"\n") == 1
    assert (await param(camera, "action=list&group=Image.MaxViewers")).body == before.body


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("prefix", PREFIXES)
async def test_update_examples(camera: Camera, prefix: str, version: str) -> None:
    """5.1.1.3: set Image.I0.Resolution to 320x240 and Image.MaxViewers to 5."""
    for query, listed in (
        ("action=update&Image.I0.Resolution=320x240", b"Image.I0.Resolution=320x240\n"),
        ("action=update&Image.MaxViewers=5", b"Image.MaxViewers=5\n"),
    ):
        reply = await param(camera, query, prefix=prefix, version=version)
        assert_text_200(reply, version)
        assert reply.body == b"OK\r\n"
        group = listed.split(b"=")[0].decode()
        assert (await param(camera, f"action=list&group={group}")).body == listed


async def test_update_by_post_form(camera: Camera) -> None:
    """GET/POST: the update as an ``application/x-www-form-urlencoded`` body."""
    reply = await exchange(
        camera.server.port,
        "/param.cgi",
        method="POST",
        headers=[("Content-Type", FORM)],
        body=b"action=update&Image.I0.Resolution=320x240",
    )
    assert_text_200(reply)
    assert reply.body == b"OK\r\n"
    listed = await param(camera, "action=list&group=Image.I0.Resolution")
    assert listed.body == b"Image.I0.Resolution=320x240\n"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("post", [False, True], ids=["get", "post-text"])
async def test_add_event_and_its_listing(camera: Camera, version: str, post: bool) -> None:
    """5.1.1.4: the add example answers ``E0 OK\\r\\n``; the new group lists as the spec shows."""
    reply = await param(
        camera,
        "action=add&group=Event&template=event&Event.E.Name=MyEvent&Event.E.Enabled=yes",
        version=version,
        post=post,
    )
    assert_text_200(reply, version)
    assert reply.body == b"E0 OK\r\n"
    listing = await param(camera, "action=list&group=Event.E0", version=version)
    assert_text_200(listing, version)
    assert listing.text == SPEC_EVENT_LISTING


async def test_add_response_example_and_delete_example(camera: Camera) -> None:
    """5.1.1.6: add with only a name → ``E<n> OK\\r\\n``; remove it → ``OK\\r\\n``."""
    for _ in range(7):
        await param(camera, "action=add&group=Event&template=event")
    reply = await param(camera, "action=add&group=Event&template=event&Event.E.Name=MyEvent")
    assert_text_200(reply)
    assert reply.body == b"E7 OK\r\n"
    assert (await param(camera, "action=list&group=Event.E7.Name")).body == (
        b"Event.E7.Name=MyEvent\n"
    )
    for prefix in PREFIXES:
        removed = await param(camera, "action=remove&group=Event.E7", prefix=prefix)
        assert_text_200(removed)
        if prefix == "/":
            assert removed.body == b"OK\r\n"
        else:  # already removed: the spec's failure shape, ending in \r\n
            assert removed.body.startswith(b"# Request failed: ")
            assert removed.body.endswith(b"\r\n")
            assert removed.body.count(b"\n") == 1


async def test_remove_two_event_groups(camera: Camera) -> None:
    """5.1.1.5: ``group=Event.E2,Event.E4`` deletes both, answers ``OK\\r\\n``."""
    for _ in range(5):
        await param(camera, "action=add&group=Event&template=event")
    reply = await param(camera, "action=remove&group=Event.E2,Event.E4")
    assert_text_200(reply)
    assert reply.body == b"OK\r\n"
    names = await param(camera, "action=list&group=Event.*.Name")
    assert names.body == b"Event.E0.Name=\nEvent.E1.Name=\nEvent.E3.Name=\n"


async def test_failed_add_changes_nothing(camera: Camera) -> None:
    """5.1.1.6: a failed add is ``# Request failed: <message>\\n`` and creates no group."""
    for query in (
        "action=add&group=Event&template=nosuchtemplate",
        "action=add&group=Event",
        "action=add&group=Event&template=event&Event.E.Priority=notanumber",
    ):
        reply = await param(camera, query)
        assert_text_200(reply)
        assert reply.body.startswith((b"# Request failed: ", b"# Error: ")), reply.body
        assert reply.body.endswith(b"\n")
        assert (await param(camera, "action=list&group=Event")).body == b""


async def test_the_ten_group_limit_and_force(camera: Camera) -> None:
    """5.1.1.4 ``force``: up to 10 events; the 11th only with ``force=yes``."""
    for number in range(10):
        reply = await param(camera, "action=add&group=Event&template=event")
        assert reply.body == f"E{number} OK\r\n".encode()
    refused = await param(camera, "action=add&group=Event&template=event")
    assert refused.body.startswith(b"# Request failed: ")
    forced = await param(camera, "action=add&group=Event&template=event&force=yes")
    assert forced.body == b"E10 OK\r\n"


async def test_motion_window_examples(camera: Camera) -> None:
    """5.4.1-5.4.4: add windows, ``M<n> OK\\r\\n``, update, list, remove (``group=`` repeated)."""
    default = await param(camera, "action=add&group=Motion&template=motion")
    assert default.body == b"M0 OK\r\n"
    added = await param(
        camera,
        "action=add&group=Motion&template=motion&Motion.M.Name=Entrance&Motion.M.Top=500"
        "&Motion.M.Bottom=7000&Motion.M.Left=5000&Motion.M.Right=8500",
    )
    assert_text_200(added)
    assert added.body == b"M1 OK\r\n"
    updated = await param(camera, "action=update&Motion.M1.Top=1500&Motion.M1.Bottom=8000")
    assert updated.body == b"OK\r\n"
    both = await param(camera, "action=list&group=Motion.M0,group=Motion.M1")
    lines = assert_listing(both.body)
    assert "Motion.M1.Name=Entrance" in lines
    assert "Motion.M1.Top=1500" in lines
    assert "Motion.M1.Bottom=8000" in lines
    assert "Motion.M1.Left=5000" in lines
    assert any(line.startswith("Motion.M0.") for line in lines)
    everything = assert_listing((await param(camera, "action=list&group=Motion")).body)
    assert everything == lines
    removed = await param(camera, "action=remove&group=Motion.M0,group=Motion.M1")
    assert removed.body == b"OK\r\n"
    assert (await param(camera, "action=list&group=Motion")).body == b""


async def test_a_viewer_lists_no_admin_parameter(camera: Camera) -> None:
    """5.1.1 note: each parameter has its security level; a viewer never sees Network."""
    await camera.add_user("eve", "secret1", "viewer")
    port = camera.server.port
    everything = await exchange(port, "/param.cgi?action=list", user="eve", password="secret1")
    assert_text_200(everything)
    lines = assert_listing(everything.body)
    assert not [line for line in lines if line.startswith("root.Network.")]
    assert any(line.startswith("root.Brand.") for line in lines)
    network = await exchange(
        port, "/param.cgi?action=list&group=Network", user="eve", password="secret1"
    )
    assert network.body.startswith(b"# Error: ")
    assert b"192.168." not in network.body
