"""Test firmware: wheels of the ipcamd under test with another version, keys, bundles."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import ipcamd
from ipcamd.system.firmware.bundle import build_bundle, generate_keys, load_private_key

SOURCE = Path(ipcamd.__file__).parent


def make_wheel(version: str, *, main: str | None = None, init_extra: str = "") -> bytes:
    """A wheel of this source tree that reports ``version``; ``main`` replaces ``__main__``."""
    out = io.BytesIO()
    dist = f"ipcamd-{version}.dist-info"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(SOURCE.rglob("*")):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            name = "ipcamd/" + path.relative_to(SOURCE).as_posix()
            data = path.read_bytes()
            if name == "ipcamd/__main__.py" and main is not None:
                data = main.encode()
            if name == "ipcamd/__init__.py" and init_extra:
                data += init_extra.encode()
            archive.writestr(name, data)
        archive.writestr(
            f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: ipcamd\nVersion: {version}\n"
        )
        archive.writestr(
            f"{dist}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        archive.writestr(f"{dist}/RECORD", "")
    return out.getvalue()


class Kit:
    """A signing key pair on disk and helpers to make bundles with it."""

    def __init__(self, directory: Path) -> None:
        private, public = generate_keys()
        self.private = private
        self.public = public
        directory.mkdir(parents=True, exist_ok=True)
        self.key_path = directory / "firmware.key"
        self.key_path.write_bytes(private)

    def trust(self, data_dir: Path) -> None:
        trusted = data_dir / "firmware" / "trusted"
        trusted.mkdir(parents=True, exist_ok=True)
        (trusted / "vendor.pub").write_bytes(self.public)

    def bundle(
        self, version: str, *, main: str | None = None, allow_downgrade: bool = False
    ) -> bytes:
        wheel = make_wheel(version, main=main)
        return build_bundle(load_private_key(self.private), wheel, allow_downgrade=allow_downgrade)


def payload_name(members: dict[str, bytes]) -> str:
    return next(n for n in members if re.fullmatch(r"ipcamd-.*\.whl", n))
