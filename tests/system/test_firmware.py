"""firmwareupgrade.cgi (5.1.7), bundles, the commands, and the supervisor's switch and rollback."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ipcamd import __version__
from ipcamd.cli import apply_pending_factory_default, main
from ipcamd.device import Device
from ipcamd.server import Outcome
from ipcamd.system.firmware.bundle import load_private_key, load_public_key, verify_bundle
from ipcamd.system.firmware.slots import FirmwareStore, Pointer
from ipcamd.system.safetar import write_members
from tests.conftest import CameraFactory
from tests.support import Camera, make_config
from tests.system.archives import multipart
from tests.system.archives import read_tar as tar_members
from tests.system.firmware_kit import Kit, make_wheel, payload_name
from tests.system.helpers import Process, http_get, http_request, wait_until

BROKEN_MAIN = "raise SystemExit(3)\n"


@pytest.fixture
def kit(tmp_path: Path) -> Kit:
    return Kit(tmp_path / "keys")


async def _unit(camera_factory: CameraFactory, tmp_path: Path, kit: Kit) -> Camera:
    data_dir = tmp_path / "unit"
    kit.trust(data_dir)
    camera: Camera = await camera_factory(data_dir=data_dir)
    return camera


async def _upload(camera: Camera, bundle: bytes, query: str = "") -> tuple[int, bytes]:
    body, headers = multipart(bundle, field="firmware.bin", filename="firmware.bin")
    reply = await camera.post(f"/axis-cgi/firmwareupgrade.cgi{query}", data=body, headers=headers)
    return reply.status, reply.body


def _firmware_files(data_dir: Path) -> list[str]:
    root = data_dir / "firmware"
    return sorted(p.name for p in root.iterdir() if p.name != "trusted")


async def test_upgrade_installs_into_a_slot_and_relaunches(
    camera_factory: CameraFactory, tmp_path: Path, kit: Kit
) -> None:
    camera = await _unit(camera_factory, tmp_path, kit)
    finished = camera.server.finished()
    assert await _upload(camera, kit.bundle("99.0.0"), "?type=normal") == (200, b"OK\r\n")
    assert await finished == Outcome.RELAUNCH
    store = FirmwareStore(tmp_path / "unit")
    pointer = store.read()
    assert pointer is not None
    assert (pointer.slot, pointer.version, pointer.previous, pointer.trial) == (
        "a",
        "99.0.0",
        "base",
        True,
    )
    assert pointer.previous_version == __version__
    assert not pointer.factory_default
    init = (tmp_path / "unit" / "firmware" / "slot-a" / "ipcamd" / "__init__.py").read_bytes()
    assert init == (Path(__file__).parents[2] / "src" / "ipcamd" / "__init__.py").read_bytes()
    assert _firmware_files(tmp_path / "unit") == ["current.json", "rollback.sqlite3", "slot-a"]
    snapshot = tmp_path / "unit" / "firmware" / "rollback.sqlite3"
    assert snapshot.stat().st_mode & 0o777 == 0o600  # a copy of the database (issue 9)


async def test_factorydefault_type_is_recorded_for_the_new_version(
    camera_factory: CameraFactory, tmp_path: Path, kit: Kit
) -> None:
    camera = await _unit(camera_factory, tmp_path, kit)
    status = await _upload(camera, kit.bundle("99.0.0"), "?type=factorydefault")
    assert status == (200, b"OK\r\n")
    pointer = FirmwareStore(tmp_path / "unit").read()
    assert pointer is not None
    assert pointer.factory_default


def _resign(bundle: bytes, key: Ed25519PrivateKey, edit: dict[str, object]) -> bytes:
    members = tar_members(bundle)
    manifest = json.loads(members["manifest.json"])
    manifest.update(edit)
    members["manifest.json"] = json.dumps(manifest).encode()
    members["manifest.sig"] = key.sign(members["manifest.json"])
    return write_members(members, 0)


def _bad_bundles(kit: Kit) -> dict[str, tuple[bytes, str]]:
    good = kit.bundle("99.0.0")
    members = tar_members(good)
    payload = payload_name(members)
    trusted = load_private_key(kit.private)
    stranger = Ed25519PrivateKey.generate()
    unsigned = {k: v for k, v in members.items() if k != "manifest.sig"}
    tampered = dict(members)
    tampered[payload] = members[payload][:-1] + bytes([members[payload][-1] ^ 1])
    other_sig = dict(members)
    other_sig["manifest.sig"] = stranger.sign(members["manifest.json"])
    swapped = dict(members)
    swapped["manifest.sig"] = tar_members(kit.bundle("98.0.0"))["manifest.sig"]
    not_a_wheel = b"not a zip file at all"
    fake = _resign(
        write_members({**unsigned, payload: not_a_wheel}, 0),
        trusted,
        {"sha256": hashlib.sha256(not_a_wheel).hexdigest(), "size": len(not_a_wheel)},
    )
    return {
        "garbage": (b"\x7fELF" + bytes(2000), "not an uncompressed tar archive"),
        "truncated": (good[: len(good) // 2], ""),
        "unsigned": (write_members(unsigned, 0), "the bundle is not signed"),
        "stranger's signature": (write_members(other_sig, 0), "bad signature"),
        "signature of another manifest": (write_members(swapped, 0), "bad signature"),
        "wrong product": (
            _resign(good, trusted, {"product": "othercam"}),
            "firmware for another product ('othercam')",
        ),
        "tampered payload": (
            write_members(tampered, 0),
            "checksum of the payload does not match",
        ),
        "downgrade": (
            kit.bundle("0.0.1"),
            f"version 0.0.1 is older than {__version__} (downgrade not allowed)",
        ),
        "payload not a wheel": (fake, "not a wheel: File is not a zip file"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "garbage",
        "truncated",
        "unsigned",
        "stranger's signature",
        "signature of another manifest",
        "wrong product",
        "tampered payload",
        "downgrade",
        "payload not a wheel",
    ],
)
async def test_bad_bundle_is_refused_and_nothing_changes(
    camera_factory: CameraFactory, tmp_path: Path, kit: Kit, case: str
) -> None:
    camera = await _unit(camera_factory, tmp_path, kit)
    bundle, reason = _bad_bundles(kit)[case]
    status, body = await _upload(camera, bundle)
    assert status == 400
    assert body.startswith(b"Request failed: " + reason.encode())
    assert body.endswith(b"\r\n")
    assert _firmware_files(tmp_path / "unit") == []
    assert not camera.server.finished().done()
    listed = await camera.get("/axis-cgi/param.cgi?action=list&group=Properties.Firmware.Version")
    assert listed.text == f"Properties.Firmware.Version={__version__}\n"


async def test_refusals_without_keys_bad_type_empty_and_oversize(
    camera_factory: CameraFactory, tmp_path: Path, kit: Kit
) -> None:
    camera: Camera = await camera_factory(data_dir=tmp_path / "unit")  # no trusted key
    bundle = kit.bundle("99.0.0")
    assert await _upload(camera, bundle) == (
        400,
        b"Request failed: no trusted firmware key is installed\r\n",
    )
    assert await _upload(camera, bundle, "?type=experimental") == (
        400,
        b"Request failed: Invalid type 'experimental' (normal or factorydefault)\r\n",
    )
    assert await _upload(camera, b"") == (400, b"Request failed: empty file\r\n")
    status, body = await _upload(camera, bytes(33 * 1024 * 1024))
    assert (status, body) == (413, b"Request failed: upload larger than 33554432 bytes\r\n")
    assert not (tmp_path / "unit" / "firmware").exists()


async def test_downgrade_allowed_when_the_signed_manifest_says_so(
    camera_factory: CameraFactory, tmp_path: Path, kit: Kit
) -> None:
    camera = await _unit(camera_factory, tmp_path, kit)
    assert await _upload(camera, kit.bundle("0.0.1", allow_downgrade=True)) == (200, b"OK\r\n")
    pointer = FirmwareStore(tmp_path / "unit").read()
    assert pointer is not None
    assert pointer.version == "0.0.1"


def test_keygen_and_build_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keys = tmp_path / "keys"
    assert main(["firmware", "keygen", "--out", str(keys)]) == 0
    assert (keys / "firmware.key").stat().st_mode & 0o777 == 0o600
    wheel = tmp_path / "ipcamd-99.1.0-py3-none-any.whl"
    wheel.write_bytes(make_wheel("99.1.0"))
    out = tmp_path / "bundle.bin"
    args = ["firmware", "build", "--key", str(keys / "firmware.key"), "--wheel", str(wheel)]
    assert main([*args, "--out", str(out)]) == 0
    public = load_public_key((keys / "firmware.pub").read_bytes())
    verified = verify_bundle(out.read_bytes(), [public], "0.1.0")
    assert verified.manifest.version == "99.1.0"
    assert verified.payload == wheel.read_bytes()
    assert main([*args, "--out", str(out), "--version", "99.2.0"]) == 2
    assert "the wheel is version 99.1.0, not 99.2.0" in capsys.readouterr().err
    assert main(["firmware", "keygen", "--out", str(keys)]) == 2  # never overwrites a key


async def _version(url: str) -> bytes:
    return await http_get(url + "/axis-cgi/param.cgi?action=list&group=Properties.Firmware.Version")


async def test_upgrade_switch_and_rollback_end_to_end(tmp_path: Path, kit: Kit) -> None:
    data_dir = tmp_path / "unit"
    kit.trust(data_dir)
    process = Process(data_dir)
    try:
        url = await process.wait_serving()
        await http_get(url + "/axis-cgi/param.cgi?action=update&Image.I0.Name=Yard")
        body, headers = multipart(kit.bundle("99.0.0"), field="firmware.bin")
        status = await http_request(
            "POST", url + "/axis-cgi/firmwareupgrade.cgi", data=body, headers=headers
        )
        assert status == (200, b"OK\r\n")
        assert await process.wait_serving(2) == url  # the new version, on the same port
        assert await _version(url) == b"Properties.Firmware.Version=99.0.0\n"
        await wait_until(lambda: _confirmed(data_dir, "99.0.0"))
        # A version that cannot start is rolled back, settings as they were.
        await http_get(url + "/axis-cgi/param.cgi?action=update&Image.I0.Name=Barn")
        body, headers = multipart(kit.bundle("99.1.0", main=BROKEN_MAIN), field="firmware.bin")
        status = await http_request(
            "POST", url + "/axis-cgi/firmwareupgrade.cgi", data=body, headers=headers
        )
        assert status == (200, b"OK\r\n")
        assert await process.wait_serving(3) == url
        assert await _version(url) == b"Properties.Firmware.Version=99.0.0\n"
        name = await http_get(url + "/axis-cgi/param.cgi?action=list&group=Image.I0.Name")
        assert name == b"Image.I0.Name=Barn\n"
        pointer = FirmwareStore(data_dir).read()
        assert pointer is not None
        assert (pointer.slot, pointer.version, pointer.trial) == ("a", "99.0.0", False)
        assert "Firmware 99.1.0 failed to start; rolling back" in process.output()
    finally:
        assert process.stop() == 0


def _confirmed(data_dir: Path, version: str) -> bool:
    pointer = FirmwareStore(data_dir).read()
    return pointer is not None and pointer.version == version and not pointer.trial


def test_pending_factory_default_is_applied_once_by_the_new_version(tmp_path: Path) -> None:
    config = make_config(tmp_path / "unit")
    device = Device(config)
    device.params.update([("Image.I0.Name", "Custom"), ("Network.IPAddress", "10.2.2.2")])
    device.close()
    store = FirmwareStore(config.data_dir)
    store.root.mkdir(parents=True)
    store.write(Pointer(slot="a", version="99.0.0", trial=True, factory_default=True))
    apply_pending_factory_default(config)
    device = Device(config)
    try:
        assert device.params.get("Image.I0.Name") == "Camera 1"
        assert device.params.get("Network.IPAddress") == "10.2.2.2"
    finally:
        device.close()
    pointer = store.read()
    assert pointer is not None
    assert (pointer.factory_default, pointer.trial) == (False, True)
