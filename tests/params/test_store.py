"""ParamStore directly: change notifications, pattern semantics, listing order, all-or-nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ipcamd.access import AccessLevel
from ipcamd.config import Config
from ipcamd.device import Device
from ipcamd.errors import InvalidParameter
from ipcamd.params.store import ParamChange, ParamStore

ROOT = AccessLevel.ROOT


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Device]:
    unit = Device(Config(data_dir=tmp_path, root_password="pw1"))
    yield unit
    unit.close()


@pytest.fixture
def store(device: Device) -> ParamStore:
    return device.params


def names(store: ParamStore, *patterns: str, level: AccessLevel = ROOT) -> list[str]:
    return [name for name, value in store.list(list(patterns), level) if value is not None]


async def test_subscribers_hear_their_groups_only(store: ParamStore) -> None:
    image: list[ParamChange] = []
    events: list[ParamChange] = []
    everything: list[ParamChange] = []
    store.subscribe("Image", image.append)
    unsubscribe = store.subscribe("Event", events.append)
    store.subscribe("", everything.append)

    await store.async_update([("Image.I0.FPS", "5"), ("Network.HostName", "x")], ROOT, "root")
    assert len(image) == 1
    assert image[0].values == {"Image.I0.FPS": "5", "Network.HostName": "x"}
    assert image[0].user == "root"
    assert events == []

    entry = await store.async_add("Event", "event", [("Event.E.Name", "Door")], ROOT)
    assert entry == "E0"
    assert len(events) == 1
    assert events[0].added == ("Event.E0",)
    assert events[0].values["Event.E0.Name"] == "Door"
    assert len(image) == 1

    await store.async_remove(["Event.E0"], ROOT)
    assert events[1].removed == ("Event.E0",)

    unsubscribe()
    await store.async_add("Event", "event", [], ROOT)
    assert len(events) == 2
    assert len(everything) == 4


async def test_a_failing_subscriber_does_not_undo_the_commit(store: ParamStore) -> None:
    heard: list[ParamChange] = []

    def broken(_change: ParamChange) -> None:
        raise RuntimeError("subscriber bug")

    store.subscribe("Image", broken)
    store.subscribe("Image", heard.append)
    await store.async_update([("Image.I0.FPS", "7")], ROOT)
    assert store.get("Image.I0.FPS") == "7"
    assert len(heard) == 1


async def test_refused_changes_notify_nobody(store: ParamStore) -> None:
    heard: list[ParamChange] = []
    store.subscribe("", heard.append)
    with pytest.raises(InvalidParameter):
        await store.async_update([("Image.I0.FPS", "5"), ("Image.I0.FPS", "6")], ROOT)
    with pytest.raises(InvalidParameter):
        await store.async_update([("Image.I0.FPS", "5"), ("Image.I0.Rotation", "45")], ROOT)
    assert heard == []
    assert store.get("Image.I0.FPS") == "0"


def test_wildcards_stay_within_one_segment(store: ParamStore) -> None:
    assert names(store, "Image.I?.FPS") == ["Image.I0.FPS"]
    assert names(store, "Image.*.FPS") == ["Image.I0.FPS"]
    assert store.list(["Image*FPS"], ROOT) == [("Image*FPS", None)]
    assert names(store, "Brand.Prod*") == [
        "Brand.ProdFullName",
        "Brand.ProdNbr",
        "Brand.ProdShortName",
        "Brand.ProdType",
        "Brand.ProdVariant",
    ]
    assert names(store, "*.PTZ") == ["Properties.PTZ.PTZ", "Properties.PTZ.DigitalPTZ"]
    # Only * and ? are special; brackets and regex characters are literal.
    assert store.list(["Brand.[B]rand"], ROOT) == [("Brand.[B]rand", None)]
    assert store.list(["Brand.Bran."], ROOT) == [("Brand.Bran.", None)]
    # A prefix must end at a segment boundary.
    assert store.list(["Bran"], ROOT) == [("Bran", None)]
    assert names(store, "Image.I0.Text") == [n for n in names(store, "Image") if ".Text." in n]


def test_listing_order(store: ParamStore, device: Device) -> None:
    order = store.ordered_names()
    tops = list(dict.fromkeys(name.split(".", 1)[0] for name in order))
    assert tops[:4] == ["Brand", "Properties", "Network", "Image"]
    assert order.index("StreamProfile.MaxGroups") < order.index("StreamProfile.S0.Name")
    assert names(store, "StreamProfile.S0") == [
        "StreamProfile.S0.Name",
        "StreamProfile.S0.Description",
        "StreamProfile.S0.Parameters",
    ]


async def test_levels_filter_listing_and_cache_follows_new_groups(store: ParamStore) -> None:
    assert names(store, "Event", level=AccessLevel.OPERATOR) == []
    await store.async_add("Event", "event", [], ROOT)
    assert names(store, "Event.E0.Name", level=AccessLevel.OPERATOR) == ["Event.E0.Name"]
    assert store.list(["Event.E0.Name"], AccessLevel.VIEWER) == [("Event.E0.Name", None)]
    await store.async_remove(["Event.E0"], ROOT)
    assert store.list(["Event.E0"], AccessLevel.OPERATOR) == [("Event.E0", None)]
