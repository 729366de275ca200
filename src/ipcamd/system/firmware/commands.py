"""``ipcamd firmware keygen`` and ``ipcamd firmware build``: keys and signed bundles.

What ``serve`` does with installed slots needs the device and the server, so it lives in the
command line (:mod:`ipcamd.cli`), the one layer above both.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ipcamd.errors import IpcamdError

PRIVATE_KEY = "firmware.key"
PUBLIC_KEY = "firmware.pub"


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``ipcamd firmware keygen|build``."""
    firmware = commands.add_parser("firmware", help="make signing keys and firmware bundles")
    actions = firmware.add_subparsers(dest="firmware_command", required=True)
    keygen = actions.add_parser("keygen", help="write a new Ed25519 key pair")
    keygen.add_argument("--out", type=Path, required=True, help="directory for the two keys")
    build = actions.add_parser("build", help="sign a wheel of ipcamd into a firmware bundle")
    build.add_argument("--key", type=Path, required=True, help="the private key (PEM)")
    build.add_argument("--wheel", type=Path, required=True, help="a wheel of ipcamd")
    build.add_argument("--out", type=Path, required=True, help="the bundle to write")
    build.add_argument("--version", help="refuse unless the wheel is this version")
    build.add_argument(
        "--allow-downgrade", action="store_true", help="let units run a newer version install it"
    )


def run_command(args: argparse.Namespace) -> int:
    """Carry out ``ipcamd firmware …``; errors are one line on stderr, status 2."""
    # cryptography is loaded by the command that signs, not by every ``ipcamd`` invocation.
    from ipcamd.system.firmware.bundle import (  # noqa: PLC0415
        build_bundle,
        generate_keys,
        load_private_key,
    )

    try:
        if args.firmware_command == "keygen":
            private, public = generate_keys()
            args.out.mkdir(parents=True, exist_ok=True)
            key_path = args.out / PRIVATE_KEY
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(private)
            (args.out / PUBLIC_KEY).write_bytes(public)
            print(f"wrote {key_path} (keep it secret) and {args.out / PUBLIC_KEY}")
            return 0
        key = load_private_key(args.key.read_bytes())
        bundle = build_bundle(
            key,
            args.wheel.read_bytes(),
            version=args.version,
            allow_downgrade=args.allow_downgrade,
        )
        args.out.write_bytes(bundle)
        print(f"wrote {args.out} ({len(bundle)} bytes)")
        return 0
    except (OSError, IpcamdError) as err:
        print(f"ipcamd firmware: {err}", file=sys.stderr)
        return 2
