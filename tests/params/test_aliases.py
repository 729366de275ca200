"""One setting under two names: ``Image.I0.Resolution`` is also ``Image.I0.Appearance.Resolution``.

Newer firmware (and the ``axis`` library) spell the image settings under ``Appearance`` and
``Stream``; the spec's names stay canonical and the others are aliases of the same settings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import simplejpeg

from ipcamd.access import AccessLevel
from ipcamd.config import Config
from ipcamd.device import Device
from ipcamd.params.schema import ParamSpec, Schema, Template
from ipcamd.params.types import Text
from tests.conftest import CameraFactory
from tests.support import Camera
from tests.system.archives import read_tar
from tests.system.helpers import restart_and_wait

#: Alias → canonical, for input 0.
PAIRS = {
    "Image.I0.Appearance.Resolution": "Image.I0.Resolution",
    "Image.I0.Appearance.Compression": "Image.I0.Compression",
    "Image.I0.Appearance.Rotation": "Image.I0.Rotation",
    "Image.I0.Appearance.MirrorEnabled": "Image.I0.MirrorEnabled",
    "Image.I0.Stream.FPS": "Image.I0.FPS",
}


async def listing(camera: Camera, groups: str) -> str:
    reply = await camera.get(f"/axis-cgi/param.cgi?action=list&group={groups}")
    assert reply.status == 200
    return reply.text


async def update(camera: Camera, query: str) -> str:
    return (await camera.get(f"/axis-cgi/param.cgi?action=update&{query}")).text


async def test_aliases_list_with_the_canonical_values(camera: Camera) -> None:
    assert await listing(camera, "Image.I0.Appearance") == (
        "Image.I0.Appearance.Resolution=640x480\n"
        "Image.I0.Appearance.Compression=30\n"
        "Image.I0.Appearance.Rotation=0\n"
        "Image.I0.Appearance.MirrorEnabled=no\n"
    )
    assert await listing(camera, "root.Image.I0.Stream") == "root.Image.I0.Stream.FPS=0\n"
    # In a full listing each alias follows the parameter it names.
    everything = (await camera.get("/axis-cgi/param.cgi?action=list")).text
    assert (
        "root.Image.I0.Resolution=640x480\nroot.Image.I0.Appearance.Resolution=640x480\n"
        in everything
    )
    assert everything.count("Appearance.Resolution=") == 1
    # Wildcards reach aliases like any name.
    assert await listing(camera, "Image.*.Stream.FPS") == "Image.I0.Stream.FPS=0\n"


async def test_update_through_either_name_changes_both(camera: Camera) -> None:
    assert await update(camera, "Image.I0.Appearance.Resolution=320x240") == "OK\r\n"
    assert camera.device.params.get("Image.I0.Resolution") == "320x240"
    assert await listing(camera, "Image.I0.Resolution,Image.I0.Appearance.Resolution") == (
        "Image.I0.Resolution=320x240\nImage.I0.Appearance.Resolution=320x240\n"
    )
    assert await update(camera, "Image.I0.FPS=12&root.Image.I0.Appearance.Rotation=180") == (
        "OK\r\n"
    )
    assert await listing(camera, "Image.I0.Stream.FPS,Image.I0.Rotation") == (
        "Image.I0.Stream.FPS=12\nImage.I0.Rotation=180\n"
    )
    # The picture follows: a snapshot now has the resolution set through the alias.
    snapshot = await camera.get("/jpg/image.jpg")
    assert snapshot.status == 200
    assert simplejpeg.decode_jpeg_header(snapshot.body)[:2] == (240, 320)  # (height, width)
    assert await update(camera, "Image.I0.Appearance.Rotation=90") == "OK\r\n"
    reply = await camera.get("/axis-cgi/imagesize.cgi?camera=1")
    assert reply.text == "image width = 240\nimage height = 320\n"


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (
            "Image.I0.Resolution=320x240&Image.I0.Appearance.Resolution=160x120",
            "# Error: Parameter 'Image.I0.Appearance.Resolution' given more than once "
            "(as 'Image.I0.Resolution')\r\n",
        ),
        (
            "root.Image.I0.Stream.FPS=5&Image.I0.FPS=5",
            "# Error: Parameter 'Image.I0.FPS' given more than once (as 'root.Image.I0.Stream.FPS')"
            "\r\n",
        ),
        (
            "Image.I0.Name=X&Image.I0.Appearance.Compression=101",
            "# Error: Error setting 'Image.I0.Appearance.Compression' to '101': "
            "expected an integer from 0 to 100\r\n",
        ),
    ],
)
async def test_bad_updates_through_aliases_change_nothing(
    camera: Camera, query: str, error: str
) -> None:
    before = (await camera.get("/axis-cgi/param.cgi?action=list")).body
    assert await update(camera, query) == error
    assert (await camera.get("/axis-cgi/param.cgi?action=list")).body == before


async def test_aliases_keep_the_access_levels_of_the_setting(camera: Camera) -> None:
    await camera.add_user("vic", "v1", "axview")
    reply = await camera.get(
        "/axis-cgi/param.cgi?action=list&group=Image.I0.Appearance.Resolution",
        user="vic",
        password="v1",
    )
    assert reply.text == "Image.I0.Appearance.Resolution=640x480\n"
    refused = await camera.get(
        "/axis-cgi/param.cgi?action=update&Image.I0.Appearance.Resolution=320x240",
        user="vic",
        password="v1",
    )
    assert refused.text == (
        "# Error: Error setting 'Image.I0.Appearance.Resolution' to '320x240': "
        "requires operator access\r\n"
    )
    assert camera.device.params.get("Image.I0.Resolution") == "640x480"


async def test_aliases_are_never_stored_backed_up_or_reset_on_their_own(
    camera_factory: CameraFactory, tmp_path: Path
) -> None:
    data = tmp_path / "unit"
    camera: Camera = await camera_factory(data_dir=data)
    assert await update(camera, "Image.I0.Appearance.Compression=55") == "OK\r\n"
    stored = camera.device.db.call(
        lambda conn: dict(conn.execute("SELECT name, value FROM param_value").fetchall())
    )
    assert stored["Image.I0.Compression"] == "55"
    assert not [name for name in stored if name in PAIRS]
    archive = (await camera.get("/axis-cgi/admin/backup.cgi")).body
    values = json.loads(read_tar(archive)["params.json"])["values"]
    assert values["Image.I0.Compression"] == "55"
    assert not [name for name in values if name in PAIRS]
    # The value survives a restart under both names.
    await camera.server.stop()
    again: Camera = await camera_factory(data_dir=data)
    assert await listing(again, "Image.I0.Appearance.Compression") == (
        "Image.I0.Appearance.Compression=55\n"
    )
    # A factory default resets the one setting, so both names show the default.
    assert await restart_and_wait(again, "/axis-cgi/factorydefault.cgi") == b"OK\r\n"
    assert await listing(again, "Image.I0.Compression,Image.I0.Appearance.Compression") == (
        "Image.I0.Compression=30\nImage.I0.Appearance.Compression=30\n"
    )


async def test_every_input_has_its_aliases(camera_factory: CameraFactory) -> None:
    camera: Camera = await camera_factory(cameras=4)
    assert await update(camera, "Image.I3.Appearance.MirrorEnabled=yes") == "OK\r\n"
    assert await listing(camera, "Image.*.MirrorEnabled") == (
        "Image.I0.MirrorEnabled=no\nImage.I1.MirrorEnabled=no\n"
        "Image.I2.MirrorEnabled=no\nImage.I3.MirrorEnabled=yes\n"
    )
    assert camera.device.params.get("Image.I3.Appearance.MirrorEnabled") == "yes"


def test_store_reads_and_groups_through_aliases(tmp_path: Path) -> None:
    device = Device(Config(data_dir=tmp_path, root_password="pw1"))
    try:
        store = device.params
        change = store.update([("Image.I0.Stream.FPS", "7")], AccessLevel.ADMIN)
        # Subscribers hear the canonical name, once.
        assert dict(change.values) == {"Image.I0.FPS": "7"}
        assert store.get("Image.I0.Stream.FPS") == store.get("Image.I0.FPS") == "7"
        spec = store.spec("Image.I0.Appearance.Rotation")
        assert spec is not None
        assert spec is store.spec("Image.I0.Rotation")
        assert store.group("Image.I0.Stream") == {"FPS": "7"}
        assert "Appearance.Resolution" in store.group("Image.I0")
        assert set(store.snapshot()).isdisjoint(store.schema.aliases)
        assert {a: c for a, c in store.schema.aliases.items() if ".I0." in a} == PAIRS
    finally:
        device.close()


def test_schema_refuses_clashing_aliases() -> None:
    schema = Schema()
    schema.add_group("G", [ParamSpec("A", Text(8), "", aliases=("B",))])
    with pytest.raises(ValueError, match=r"declared twice: G\.B"):
        schema.add_group("G", [ParamSpec("B", Text(8), "")])
    with pytest.raises(ValueError, match=r"declared twice: G\.A"):
        schema.add_group("G", [ParamSpec("C", Text(8), "", aliases=("A",))])
    with pytest.raises(ValueError, match="static parameters only"):
        schema.add_template(Template("t", "T", (ParamSpec("X", Text(8), "", aliases=("Y",)),)))
