"""Schema assembly: each family's part goes into one tree, in a declared order."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipcamd.access import AccessLevel
from ipcamd.config import Config
from ipcamd.device import ROOT_ORDER, Device, build_schema
from ipcamd.identity import Identity
from ipcamd.params.schema import SchemaPart, Template, assemble, fixed, param
from ipcamd.params.types import Text

V = AccessLevel.VIEWER
TEXT = Text(8)


def test_parts_share_groups_in_part_order_and_follow_the_root_order() -> None:
    first = SchemaPart(groups={"Net": [fixed("A", "1")], "Zeta": [fixed("Z", "z")]})
    second = SchemaPart(groups={"Net": [fixed("B", "2")], "Alpha": [fixed("Y", "y")]})
    schema = assemble([first, second], root_order=("Alpha", "Net"))
    assert list(schema.static) == ["Alpha.Y", "Net.A", "Net.B", "Zeta.Z"]
    # Groups the order does not name follow it, in the order the parts declare them.
    assert schema.root_order == ["Alpha", "Net", "Zeta"]


def test_properties_list_by_subgroup_whichever_family_declares_them() -> None:
    video = SchemaPart(properties=[fixed("Image.Format", "jpeg"), fixed("Video.Inputs", "1")])
    system = SchemaPart(
        properties=[
            fixed("API.HTTP.Version", "3"),
            fixed("API.HTTP.AdminPath", "/"),
            fixed("System.Serial", "x"),
        ]
    )
    io = SchemaPart(properties=[fixed("IO.Input", "0")])
    schema = assemble([video, system, io], root_order=("Properties",))
    assert list(schema.static) == [
        "Properties.API.HTTP.Version",  # one subgroup keeps its declared order
        "Properties.API.HTTP.AdminPath",
        "Properties.Image.Format",
        "Properties.IO.Input",  # case does not count: Image < IO
        "Properties.System.Serial",
        "Properties.Video.Inputs",
    ]


def test_templates_and_initial_groups_come_with_their_part() -> None:
    template = Template("thing", "Things", (param("Name", TEXT, "", V, V),))
    part = SchemaPart(templates=[template], initial_groups=[("Things", "thing", {"Name": "a"})])
    schema = assemble([SchemaPart(groups={"Brand": [fixed("B", "b")]}), part])
    assert schema.templates == {"thing": template}
    assert schema.initial_groups == [("Things", "thing", {"Name": "a"})]
    assert schema.root_order == ["Brand", "Things"]


def test_two_families_cannot_declare_one_parameter() -> None:
    one = SchemaPart(groups={"Network": [fixed("HTTP.Port", "80")]})
    with pytest.raises(ValueError, match=r"declared twice: Network\.HTTP\.Port"):
        assemble([one, one])
    template = Template("thing", "Things", (param("Name", TEXT, "", V, V),))
    with pytest.raises(ValueError, match="template declared twice: thing"):
        assemble([SchemaPart(templates=[template]), SchemaPart(templates=[template])])


@pytest.mark.parametrize("cameras", [1, 4])
def test_a_new_unit_lists_its_top_level_groups_in_the_root_order(
    tmp_path: Path, cameras: int
) -> None:
    schema = build_schema(Identity(mac="02:AB:CD:EF:01:23", cameras=cameras))
    assert schema.root_order == list(ROOT_ORDER)
    device = Device(Config(data_dir=tmp_path, root_password="pw1", cameras=cameras))
    try:
        tops = list(dict.fromkeys(n.split(".", 1)[0] for n in device.params.ordered_names()))
        # The dynamic parents have no group yet on a new unit.
        assert tops == [t for t in ROOT_ORDER if t not in ("Event", "Motion", "GuardTour")]
    finally:
        device.close()


async def test_dynamic_groups_list_after_every_static_group(tmp_path: Path) -> None:
    device = Device(Config(data_dir=tmp_path, root_password="pw1"))
    try:
        store = device.params
        for parent, template in (
            ("GuardTour", "guardtour"),
            ("Motion", "motion"),
            ("Event", "event"),
            ("PTZ.PresetPos", "presetpos"),
        ):
            await store.async_add(parent, template, [], AccessLevel.ROOT)
        tops = list(dict.fromkeys(n.split(".", 1)[0] for n in store.ordered_names()))
        assert tops == list(ROOT_ORDER)
        ptz = [n for n in store.ordered_names() if n.startswith("PTZ.")]
        assert ptz[-1].startswith("PTZ.PresetPos.P0.")  # a group follows its parent's statics
    finally:
        device.close()
