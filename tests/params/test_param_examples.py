"""Every example of spec 5.1.1 (and the param.cgi examples of 5.4), byte for byte.

Each example runs as GET, as a POST form and as a POST ``text/plain`` body (the ``axis``
library's way), under ``/``, ``/axis-cgi/`` and ``/axis-cgi/admin/``.
"""

from __future__ import annotations

import pytest

from tests.spec_texts import SPEC_EVENT_LISTING
from tests.support import Camera, Reply, assert_text
from tests.transport import Transport, call, variant_id, variants

EVERY_WAY = pytest.mark.parametrize(("transport", "prefix"), variants(), ids=variant_id)


def network_listing(camera: Camera, prefix: str = "") -> str:
    identity = camera.device.identity
    lines = [
        "Network.BootProto=none",
        "Network.IPAddress=192.168.0.90",
        "Network.SubnetMask=255.255.255.0",
        "Network.Broadcast=192.168.0.255",
        "Network.DefaultRouter=192.168.0.1",
        f"Network.HostName=ipcamd-{identity.serial_number[-6:].lower()}",
        f"Network.MAC={identity.mac}",
        "Network.DNSServer1=",
        "Network.DNSServer2=",
        "Network.DomainName=",
        "Network.HTTP.Port=8080",
        "Network.HTTP.AuthenticationPolicy=basic_digest",
        "Network.Filter.Enabled=no",
        "Network.Filter.Input.AcceptAddresses=",
        "Network.Filter.Input.Policy=allow",
        "Network.RTSP.Port=554",
    ]
    return "".join(f"{prefix}{line}\n" for line in lines)


async def param(camera: Camera, query: str, transport: Transport, prefix: str) -> Reply:
    return await call(camera, "param.cgi", query, transport, prefix)


@EVERY_WAY
async def test_list_network(camera: Camera, transport: Transport, prefix: str) -> None:
    reply = await param(camera, "action=list&group=Network", transport, prefix)
    assert_text(reply, network_listing(camera))


@EVERY_WAY
async def test_list_event_names_with_wildcard(
    camera: Camera, transport: Transport, prefix: str
) -> None:
    for name in ("Door", "Window", "Hall"):
        reply = await param(
            camera, f"action=add&group=Event&template=event&Event.E.Name={name}", transport, prefix
        )
        assert reply.body.endswith(b" OK\r\n")
    reply = await param(camera, "action=list&group=Event.*.Name", transport, prefix)
    assert_text(reply, "Event.E0.Name=Door\nEvent.E1.Name=Window\nEvent.E2.Name=Hall\n")


@EVERY_WAY
async def test_update_resolution(camera: Camera, transport: Transport, prefix: str) -> None:
    reply = await param(camera, "action=update&Image.I0.Resolution=320x240", transport, prefix)
    assert_text(reply, "OK\r\n")
    listed = await param(camera, "action=list&group=Image.I0.Resolution", transport, prefix)
    assert_text(listed, "Image.I0.Resolution=320x240\n")
    assert camera.device.params.get("Image.I0.Resolution") == "320x240"


@EVERY_WAY
async def test_update_max_viewers(camera: Camera, transport: Transport, prefix: str) -> None:
    reply = await param(camera, "action=update&Image.MaxViewers=5", transport, prefix)
    assert_text(reply, "OK\r\n")
    listed = await param(camera, "action=list&group=Image.MaxViewers", transport, prefix)
    assert_text(listed, "Image.MaxViewers=5\n")


@EVERY_WAY
async def test_add_event_then_full_listing(
    camera: Camera, transport: Transport, prefix: str
) -> None:
    reply = await param(
        camera,
        "action=add&group=Event&template=event&Event.E.Name=MyEvent&Event.E.Enabled=yes",
        transport,
        prefix,
    )
    assert_text(reply, "E0 OK\r\n")
    listed = await param(camera, "action=list&group=Event.E0", transport, prefix)
    assert_text(listed, SPEC_EVENT_LISTING)
    whole_parent = await param(camera, "action=list&group=Event", transport, prefix)
    assert_text(whole_parent, SPEC_EVENT_LISTING)


async def test_add_event_with_name_only_gets_defaults(camera: Camera) -> None:
    """The 5.1.1.6 example: only the name is given, everything else is at its default."""
    reply = await param(
        camera, "action=add&group=Event&template=event&Event.E.Name=MyEvent", Transport.GET, "/"
    )
    assert_text(reply, "E0 OK\r\n")
    listed = await param(camera, "action=list&group=Event.E0", Transport.GET, "/")
    assert_text(listed, SPEC_EVENT_LISTING)


async def test_add_returns_the_next_free_entry_and_remove_one(camera: Camera) -> None:
    """5.1.1.6: ``E7 OK`` once E0..E6 exist; removing E7 answers ``OK``."""
    for number in range(8):
        reply = await param(
            camera, "action=add&group=Event&template=event&Event.E.Name=MyEvent", Transport.GET, "/"
        )
        assert_text(reply, f"E{number} OK\r\n")
    reply = await param(camera, "action=remove&group=Event.E7", Transport.GET, "/")
    assert_text(reply, "OK\r\n")
    listed = await param(camera, "action=list&group=Event.E7", Transport.GET, "/")
    assert_text(listed, "# Error: Error -1 getting param in group 'Event.E7'\n")
    # The freed number is given again.
    reply = await param(camera, "action=add&group=Event&template=event", Transport.GET, "/")
    assert_text(reply, "E7 OK\r\n")


@EVERY_WAY
async def test_remove_two_event_groups(camera: Camera, transport: Transport, prefix: str) -> None:
    for _ in range(5):
        await param(camera, "action=add&group=Event&template=event", transport, prefix)
    reply = await param(camera, "action=remove&group=Event.E2,Event.E4", transport, prefix)
    assert_text(reply, "OK\r\n")
    listed = await param(camera, "action=list&group=Event.*.Name", transport, prefix)
    assert_text(listed, "Event.E0.Name=\nEvent.E1.Name=\nEvent.E3.Name=\n")
    assert camera.device.params.instances("Event") == ["Event.E0", "Event.E1", "Event.E3"]


@EVERY_WAY
async def test_motion_window_examples(camera: Camera, transport: Transport, prefix: str) -> None:
    """5.4.1 to 5.4.4 through param.cgi."""
    reply = await param(camera, "action=add&group=Motion&template=motion", transport, prefix)
    assert_text(reply, "M0 OK\r\n")
    reply = await param(
        camera,
        "action=add&group=Motion&template=motion&Motion.M.Name=Entrance&Motion.M.Top=500"
        "&Motion.M.Bottom=7000&Motion.M.Left=5000&Motion.M.Right=8500",
        transport,
        prefix,
    )
    assert_text(reply, "M1 OK\r\n")
    for number in range(2, 6):
        reply = await param(camera, "action=add&group=Motion&template=motion", transport, prefix)
        assert_text(reply, f"M{number} OK\r\n")
    # 5.4.2: group= repeated inside the comma list.
    reply = await param(camera, "action=remove&group=Motion.M3,group=Motion.M5", transport, prefix)
    assert_text(reply, "OK\r\n")
    assert camera.device.params.instances("Motion") == [
        "Motion.M0",
        "Motion.M1",
        "Motion.M2",
        "Motion.M4",
    ]
    # 5.4.3
    reply = await param(
        camera, "action=update&Motion.M1.Top=1500&Motion.M1.Bottom=8000", transport, prefix
    )
    assert_text(reply, "OK\r\n")
    # 5.4.4
    reply = await param(camera, "action=list&group=Motion.M1,group=Motion.M2", transport, prefix)
    assert_text(
        reply,
        "Motion.M1.Name=Entrance\nMotion.M1.ImageSource=0\nMotion.M1.Left=5000\n"
        "Motion.M1.Right=8500\nMotion.M1.Top=1500\nMotion.M1.Bottom=8000\n"
        "Motion.M1.WindowType=include\nMotion.M1.Sensitivity=90\nMotion.M1.History=90\n"
        "Motion.M1.ObjectSize=15\nMotion.M1.Threshold=10\n"
        "Motion.M2.Name=\nMotion.M2.ImageSource=0\nMotion.M2.Left=0\nMotion.M2.Right=9999\n"
        "Motion.M2.Top=0\nMotion.M2.Bottom=9999\nMotion.M2.WindowType=include\n"
        "Motion.M2.Sensitivity=90\nMotion.M2.History=90\nMotion.M2.ObjectSize=15\n"
        "Motion.M2.Threshold=10\n",
    )
    everything = await param(camera, "action=list&group=Motion", transport, prefix)
    names = everything.text.splitlines()
    assert len(names) == 44
    assert [n.split(".")[1] for n in names[::11]] == ["M0", "M1", "M2", "M4"]


@EVERY_WAY
async def test_root_prefix_is_kept_as_requested(
    camera: Camera, transport: Transport, prefix: str
) -> None:
    rooted = await param(camera, "action=list&group=root.Brand", transport, prefix)
    plain = await param(camera, "action=list&group=Brand", transport, prefix)
    brand = (
        "Brand.Brand=ipcamd\nBrand.ProdFullName=ipcamd Software Network Camera\n"
        "Brand.ProdNbr=IPCAMD-1\nBrand.ProdShortName=ipcamd\nBrand.ProdType=Network Camera\n"
        "Brand.ProdVariant=\nBrand.WebURL=http://ipcamd.local/\n"
    )
    assert_text(plain, brand)
    assert_text(rooted, "".join(f"root.{line}\n" for line in brand.splitlines()))


async def test_root_prefix_on_network_and_mixed_groups(camera: Camera) -> None:
    reply = await camera.get("/param.cgi?action=list&group=root.Network,Brand.Brand")
    assert_text(reply, network_listing(camera, "root.") + "Brand.Brand=ipcamd\n")


async def test_update_with_root_prefix(camera: Camera) -> None:
    reply = await camera.get("/param.cgi?action=update&root.Image.MaxViewers=7")
    assert_text(reply, "OK\r\n")
    reply = await camera.get("/param.cgi?action=list&group=root.Image.MaxViewers")
    assert_text(reply, "root.Image.MaxViewers=7\n")


async def test_add_and_remove_with_root_prefix(camera: Camera) -> None:
    reply = await camera.get(
        "/param.cgi?action=add&group=root.Event&template=event&root.Event.E.Name=Rooted"
    )
    assert_text(reply, "E0 OK\r\n")
    reply = await camera.get("/param.cgi?action=list&group=root.Event.E0.Name")
    assert_text(reply, "root.Event.E0.Name=Rooted\n")
    reply = await camera.get("/param.cgi?action=remove&group=root.Event.E0")
    assert_text(reply, "OK\r\n")
    assert camera.device.params.instances("Event") == []


async def test_list_everything_without_group(camera: Camera) -> None:
    """Without a group every line carries ``root.``, as a real device's full listing does."""
    reply = await camera.get("/param.cgi?action=list")
    lines = reply.text.splitlines()
    assert reply.headers["Content-Type"] == "text/plain"
    assert lines[0] == "root.Brand.Brand=ipcamd"
    assert "root.Network.IPAddress=192.168.0.90" in lines
    assert "root.StreamProfile.S0.Name=Quality" in lines
    assert all("=" in line and line.startswith("root.") for line in lines)
    rooted = await camera.get("/param.cgi?action=list&group=root")
    assert rooted.body == reply.body
    star = await camera.get("/param.cgi?action=list&group=*")
    assert star.text.splitlines() == [line.removeprefix("root.") for line in lines]


async def test_zoneminder_ptz_probe(camera: Camera) -> None:
    reply = await camera.get("/axis-cgi/param.cgi?action=list&group=Properties.PTZ.PTZ")
    assert_text(reply, "Properties.PTZ.PTZ=no\n")


async def test_responseformat_rfc(camera: Camera) -> None:
    reply = await camera.get("/param.cgi?action=list&group=Brand.Brand&responseformat=rfc")
    assert_text(reply, "Brand.Brand=ipcamd\n")


async def test_listing_order_is_natural(camera: Camera) -> None:
    """E10 lists after E9, and groups keep their template's parameter order."""
    for _ in range(11):
        await camera.get("/param.cgi?action=add&group=Event&template=event&force=yes")
    reply = await camera.get("/param.cgi?action=list&group=Event.*.Name")
    assert_text(reply, "".join(f"Event.E{i}.Name=\n" for i in range(11)))


async def test_nested_template_guard_tour(camera: Camera) -> None:
    """``GuardTour.G#.Tour`` (5.1.1.4's parent list): the letter comes from the last segment."""
    reply = await camera.get("/param.cgi?action=add&group=GuardTour&template=guardtour")
    assert_text(reply, "G0 OK\r\n")
    reply = await camera.get(
        "/param.cgi?action=add&group=GuardTour.G0.Tour&template=tour"
        "&GuardTour.G0.Tour.T.PresetNbr=3"
    )
    assert_text(reply, "T0 OK\r\n")
    reply = await camera.get("/param.cgi?action=list&group=GuardTour.G0.Tour.T0.PresetNbr")
    assert_text(reply, "GuardTour.G0.Tour.T0.PresetNbr=3\n")
    # A tour under a guard tour that does not exist cannot be created.
    reply = await camera.get("/param.cgi?action=add&group=GuardTour.G5.Tour&template=tour")
    assert reply.text.startswith("# Request failed: ")
    # Removing the guard tour removes its tours.
    reply = await camera.get("/param.cgi?action=remove&group=GuardTour.G0")
    assert_text(reply, "OK\r\n")
    assert not any(n.startswith("GuardTour.") for n in camera.device.params.snapshot())


async def test_preset_positions_under_ptz(camera: Camera) -> None:
    reply = await camera.get(
        "/param.cgi?action=add&group=PTZ.PresetPos&template=presetpos&PTZ.PresetPos.P.Name=Gate"
    )
    assert_text(reply, "P0 OK\r\n")
    reply = await camera.get("/param.cgi?action=list&group=PTZ.PresetPos.P0.Name")
    assert_text(reply, "PTZ.PresetPos.P0.Name=Gate\n")


async def test_post_with_query_and_body(camera: Camera) -> None:
    """Arguments of the query and of the form body are combined (query first)."""
    reply = await camera.post(
        "/axis-cgi/param.cgi?action=list",
        data=b"group=root.Brand.ProdNbr\r\n",
        headers={"Content-Type": "text/plain"},
    )
    assert_text(reply, "root.Brand.ProdNbr=IPCAMD-1\n")
    reply = await camera.post(
        "/axis-cgi/param.cgi?action=update",
        data=b"Image.MaxViewers=4&Image.I0.FPS=12",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )
    assert_text(reply, "OK\r\n")
    assert camera.device.params.get("Image.I0.FPS") == "12"
    # The same argument in both places is ambiguous: refused, nothing changed.
    reply = await camera.post(
        "/axis-cgi/param.cgi?action=update&Image.MaxViewers=6",
        data=b"action=update&Image.MaxViewers=7",
        headers={"Content-Type": "text/plain"},
    )
    assert reply.status == 400
    assert camera.device.params.get("Image.MaxViewers") == "4"


async def test_multipart_post_body_is_not_read_as_arguments(camera: Camera) -> None:
    reply = await camera.post(
        "/axis-cgi/param.cgi?action=list&group=Brand.Brand",
        data=b'--x\r\nContent-Disposition: form-data; name="group"\r\n\r\nNetwork\r\n--x--\r\n',
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert_text(reply, "Brand.Brand=ipcamd\n")
