"""The device's bus: ``Booted`` after start, ``ParamGroupChanged`` after each committed change."""

from __future__ import annotations

from pathlib import Path

from ipcamd import __version__
from ipcamd.config import Config
from ipcamd.device import Device
from ipcamd.events import Booted, Event, Missed, ParamGroupChanged, Subscription
from tests.support import Camera, assert_text


def drain(sub: Subscription[ParamGroupChanged]) -> list[ParamGroupChanged | Missed]:
    items: list[ParamGroupChanged | Missed] = []
    while (item := sub.get_nowait()) is not None:
        items.append(item)
    return items


async def test_booted_follows_the_start_of_every_service(tmp_path: Path) -> None:
    device = Device(Config(data_dir=tmp_path, root_password="pw1"))
    try:
        with device.bus.subscribe() as everything:
            await device.start()
            items: list[Event | Missed] = []
            while (item := everything.get_nowait()) is not None:
                items.append(item)
            # Services publish their initial states (I/O ports, virtual inputs) as they start.
            *states, booted = items
            assert booted == Booted(__version__, device.identity.serial_number)
            assert states
            assert all(isinstance(s, Event) and s.retained for s in states)
            await device.stop()
            assert everything.closed  # the stopped unit's bus has ended
    finally:
        device.close()


async def test_param_cgi_changes_arrive_per_top_level_group(camera: Camera) -> None:
    bus = camera.device.bus
    with bus.subscribe(ParamGroupChanged) as sub:
        reply = await camera.get(
            "/param.cgi?action=update&Image.I0.FPS=5&Network.HostName=gate&Image.MaxViewers=3"
        )
        assert_text(reply, "OK\r\n")
        assert drain(sub) == [
            ParamGroupChanged("Image", ("Image.I0.FPS", "Image.MaxViewers"), user="root"),
            ParamGroupChanged("Network", ("Network.HostName",), user="root"),
        ]
        reply = await camera.get("/param.cgi?action=add&group=Event&template=event")
        assert_text(reply, "E0 OK\r\n")
        [added] = drain(sub)
        assert isinstance(added, ParamGroupChanged)
        assert (added.group, added.added, added.removed) == ("Event", ("Event.E0",), ())
        assert "Event.E0.Name" in added.names
        reply = await camera.get("/param.cgi?action=remove&group=Event.E0")
        assert_text(reply, "OK\r\n")
        assert drain(sub) == [ParamGroupChanged("Event", removed=("Event.E0",), user="root")]
        # A refused change is no change: nothing is published.
        reply = await camera.get("/param.cgi?action=update&Image.I0.FPS=5&Image.I0.Rotation=45")
        assert reply.text.startswith("# Error: ")
        assert drain(sub) == []


async def test_aliases_are_announced_under_the_canonical_name(camera: Camera) -> None:
    with camera.device.bus.subscribe(ParamGroupChanged, keys=["Image"]) as sub:
        reply = await camera.get("/param.cgi?action=update&Image.I0.Appearance.Resolution=320x240")
        assert_text(reply, "OK\r\n")
        assert drain(sub) == [ParamGroupChanged("Image", ("Image.I0.Resolution",), user="root")]
