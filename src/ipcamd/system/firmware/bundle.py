"""The firmware bundle of ipcamd: a signed manifest and a wheel, in an uncompressed tar.

Members, exactly: ``manifest.json`` (format, product, version, payload name, its size and SHA-256,
``allow_downgrade``), ``manifest.sig`` (the raw 64-byte Ed25519 signature of the manifest's bytes)
and the payload wheel the manifest names. A bundle is accepted only when a trusted public key
verifies the signature, the product is ipcamd, the payload matches its checksum and the version is
not older than the running one (unless the signed manifest allows a downgrade).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ipcamd import PRODUCT
from ipcamd.errors import InvalidParameter
from ipcamd.system.safetar import Source, read_members, write_members

FORMAT = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MAX_BUNDLE = 32 * 1024 * 1024
_VERSION = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6}){0,3}")
_WHEEL = re.compile(r"ipcamd-[A-Za-z0-9_.+]{1,64}-py3-none-any\.whl")


def parse_version(text: str) -> tuple[int, ...]:
    """``1.2.3`` → (1, 2, 3); bundle versions are dotted numbers only."""
    if not _VERSION.fullmatch(text):
        raise InvalidParameter(f"version {text!r} is not a dotted number such as 1.2.0")
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


@dataclass(frozen=True)
class Manifest:
    """What a bundle claims, once its signature is verified."""

    version: str
    payload: str
    sha256: str
    size: int
    allow_downgrade: bool


@dataclass(frozen=True)
class Verified:
    """A bundle that passed every check: its manifest and the payload bytes."""

    manifest: Manifest
    payload: bytes


def generate_keys() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as err:
        raise InvalidParameter(f"not a private key: {err}") from err
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidParameter("the key is not an Ed25519 key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as err:
        raise InvalidParameter(f"not a public key: {err}") from err
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidParameter("the key is not an Ed25519 key")
    return key


def load_trusted_keys(directory: Path) -> list[Ed25519PublicKey]:
    """Every ``*.pub`` in ``directory`` (unreadable or foreign keys are skipped)."""
    keys = []
    for path in sorted(directory.glob("*.pub")) if directory.is_dir() else []:
        try:
            keys.append(load_public_key(path.read_bytes()))
        except (OSError, InvalidParameter):
            continue
    return keys


def wheel_version(wheel: bytes) -> str:
    """The ``Version:`` of the wheel's METADATA (the version the installed code reports)."""
    try:
        with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
            names = [
                n
                for n in archive.namelist()
                if re.fullmatch(r"ipcamd-[^/]+\.dist-info/METADATA", n)
            ]
            if len(names) != 1:
                raise InvalidParameter("the wheel has no ipcamd METADATA")
            metadata = archive.read(names[0]).decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError) as err:
        raise InvalidParameter(f"not a wheel: {err}") from err
    match = re.search(r"^Version: *(\S+)\s*$", metadata, re.MULTILINE)
    if match is None:
        raise InvalidParameter("the wheel's METADATA has no Version")
    return match.group(1)


def build_bundle(
    key: Ed25519PrivateKey,
    wheel: bytes,
    *,
    version: str | None = None,
    allow_downgrade: bool = False,
) -> bytes:
    """Sign a manifest for ``wheel`` and pack the three members."""
    actual = wheel_version(wheel)
    if version is not None and version != actual:
        raise InvalidParameter(f"the wheel is version {actual}, not {version}")
    parse_version(actual)
    payload = f"ipcamd-{actual}-py3-none-any.whl"
    manifest = {
        "format": FORMAT,
        "product": PRODUCT,
        "version": actual,
        "payload": payload,
        "size": len(wheel),
        "sha256": hashlib.sha256(wheel).hexdigest(),
        "allow_downgrade": allow_downgrade,
    }
    manifest_bytes = json.dumps(manifest, indent=1, sort_keys=True).encode() + b"\n"
    return write_members(
        {MANIFEST: manifest_bytes, SIGNATURE: key.sign(manifest_bytes), payload: wheel}, 0
    )


def _allowed(name: str) -> bool:
    return name in (MANIFEST, SIGNATURE) or _WHEEL.fullmatch(name) is not None


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidParameter(message)


def verify_bundle(
    data: Source, trusted: Iterable[Ed25519PublicKey], running_version: str
) -> Verified:
    """Check a bundle completely; raise :class:`InvalidParameter` naming the first fault."""
    members = read_members(data, _allowed, max_member=MAX_BUNDLE, max_members=3)
    _check(MANIFEST in members, "no manifest.json in the bundle")
    _check(SIGNATURE in members, "the bundle is not signed")
    manifest_bytes, signature = members[MANIFEST], members[SIGNATURE]
    keys = list(trusted)
    _check(bool(keys), "no trusted firmware key is installed")
    if not any(_signed_by(key, signature, manifest_bytes) for key in keys):
        raise InvalidParameter("bad signature")
    try:
        raw = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InvalidParameter("manifest.json is not valid JSON") from err
    _check(isinstance(raw, dict), "manifest.json is not an object")
    _check(raw.get("format") == FORMAT, "unsupported bundle format")
    _check(raw.get("product") == PRODUCT, f"firmware for another product ({raw.get('product')!r})")
    version, payload = raw.get("version"), raw.get("payload")
    _check(isinstance(version, str) and isinstance(payload, str), "manifest.json malformed")
    _check(
        isinstance(raw.get("sha256"), str) and type(raw.get("size")) is int,
        "manifest.json malformed",
    )
    _check(type(raw.get("allow_downgrade")) is bool, "manifest.json malformed")
    manifest = Manifest(version, payload, raw["sha256"], raw["size"], raw["allow_downgrade"])
    _check(set(members) == {MANIFEST, SIGNATURE, payload}, "the members do not match the manifest")
    wheel = members[payload]
    _check(len(wheel) == manifest.size, "the payload is truncated")
    _check(
        hashlib.sha256(wheel).hexdigest() == manifest.sha256,
        "checksum of the payload does not match",
    )
    if parse_version(version) < parse_version(running_version) and not manifest.allow_downgrade:
        raise InvalidParameter(
            f"version {version} is older than {running_version} (downgrade not allowed)"
        )
    _check(wheel_version(wheel) == version, "the payload's version differs from the manifest")
    return Verified(manifest, wheel)


def _signed_by(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
