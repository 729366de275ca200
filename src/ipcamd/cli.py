"""The ``ipcamd`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ipcamd import __version__
from ipcamd.config import build_config, load_toml
from ipcamd.device import Device
from ipcamd.errors import IpcamdError
from ipcamd.system.firmware import commands as firmware_commands
from ipcamd.system.firmware.supervisor import announce_ready

_LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ipcamd", description="A software IP camera.")
    parser.add_argument("--version", action="version", version=f"ipcamd {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("serve", help="run the camera")
    run.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    run.add_argument("--port", type=int, help="TCP port (default 8080; 0 picks a free one)")
    run.add_argument("--data-dir", type=Path, help="where the database lives (default ./data)")
    run.add_argument("--config", type=Path, help="a TOML file with these settings")
    run.add_argument(
        "--root-password",
        metavar="PW",
        help="set root's password (applied at every start); visible to every local user in "
        "the process list, so prefer --root-password-file or the IPCAMD_ROOT_PASSWORD "
        "environment variable; with none of them a new unit generates one and prints it once",
    )
    run.add_argument(
        "--root-password-file",
        type=Path,
        metavar="FILE",
        help="read root's password from the first line of FILE (keep it mode 0600)",
    )
    run.add_argument(
        "--log-level", choices=("debug", "info", "warning", "error"), help="default info"
    )
    run.add_argument("--cameras", type=int, help="video inputs, 1-4 (default 1)")
    run.add_argument(
        "--source",
        action="append",
        metavar="N=URI",
        help="feed camera N from testpattern, file:<path>, rtsp://…, http://… or "
        "v4l2:<device> (repeatable; default testpattern)",
    )
    run.add_argument("--seed", type=int, help="make the test pattern deterministic")
    run.add_argument(
        "--no-ip-filter",
        action="store_true",
        help="switch the IP address filter off at start-up (sets Network.Filter.Enabled=no; "
        "recovers from a lock-out)",
    )
    run.add_argument("--supervised", action="store_true", help=argparse.SUPPRESS)
    firmware_commands.add_commands(commands)
    return parser


def _sources(values: list[str] | None) -> dict[int, str] | None:
    """``["2=file:a.mp4"]`` → ``{2: "file:a.mp4"}``."""
    if not values:
        return None
    sources = {}
    for value in values:
        number, sep, uri = value.partition("=")
        if not sep or not number.isdigit() or not uri:
            raise IpcamdError(f"--source expects N=URI, e.g. 2=file:lobby.mp4 (got '{value}')")
        sources[int(number)] = uri
    return sources


def _on_ready(url: str, device: Device) -> None:
    print(f"ipcamd {__version__} serving on {url}", flush=True)
    if device.new_root_password is not None:
        print(f"root password (shown once): {device.new_root_password}", flush=True)
    announce_ready(__version__, int(url.rsplit(":", 1)[1]))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    argv_list = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv_list)
    if args.command == "firmware":
        return firmware_commands.run_command(args)
    overrides: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "data_dir": args.data_dir,
        "root_password": args.root_password,
        "root_password_file": args.root_password_file,
        "log_level": args.log_level,
        "cameras": args.cameras,
        "seed": args.seed,
        "no_ip_filter": True if args.no_ip_filter else None,
    }
    try:
        overrides["sources"] = _sources(args.source)
        file_values = load_toml(args.config) if args.config else {}
        config = build_config(file_values, overrides)
    except IpcamdError as err:
        print(f"ipcamd: {err}", file=sys.stderr)
        return 2
    level = getattr(logging, config.log_level.upper(), logging.INFO)
    logging.basicConfig(level=level, format=_LOG_FORMAT, stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)  # the system log may lower the ipcamd loggers to INFO
    if args.root_password is not None:
        logging.getLogger("ipcamd.cli").warning(
            "--root-password is visible to every local user in the process list; "
            "use --root-password-file or IPCAMD_ROOT_PASSWORD"
        )
    try:
        return firmware_commands.run_serve(
            config, argv_list, supervised=args.supervised, on_ready=_on_ready
        )
    except IpcamdError as err:
        print(f"ipcamd: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"ipcamd: cannot start: {err}", file=sys.stderr)
        return 1
