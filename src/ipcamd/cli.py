"""The ``ipcamd`` command line: ``serve`` (one process, or the firmware supervisor) and
``firmware keygen|build``. The top layer: it may use the server, the device and every family."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipcamd import __version__
from ipcamd.config import Config, build_config, load_toml
from ipcamd.errors import IpcamdError
from ipcamd.system.firmware import commands as firmware_commands
from ipcamd.system.firmware.slots import FirmwareStore
from ipcamd.system.firmware.supervisor import (
    EXIT_RELAUNCH,
    Supervisor,
    announce_ready,
    child_command,
    watch_supervisor,
)

if TYPE_CHECKING:
    from ipcamd.device import Device
    from ipcamd.server import Ready

# The device and the server (numpy, PyAV, aiohttp) are imported where a unit is started, not
# here: ``--version``, ``--help`` and ``firmware`` answer without loading them.

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
    run.add_argument("--io-inputs", type=int, help="digital inputs, 0-16 (default 2)")
    run.add_argument("--io-outputs", type=int, help="digital outputs, 0-16 (default 2)")
    run.add_argument(
        "--io-backend",
        choices=("virtual", "gpio"),
        help="where the I/O ports are: virtual (default; scripts set inputs) or gpio "
        "(lines of a GPIO chip, configured in the TOML file)",
    )
    run.add_argument(
        "--audio-source",
        action="append",
        metavar="N=URI",
        help="camera N's sound from tone, silence, file:<path>, rtsp://…, http://… or "
        "alsa:<device> (repeatable; default: its video source's sound, the tone for the test "
        "pattern)",
    )
    run.add_argument(
        "--audio-sink", metavar="SINK", help="transmit.cgi plays to wav (default) or alsa:<device>"
    )
    run.add_argument(
        "--ptz",
        action="append",
        metavar="N=DRIVER",
        help="give camera N a PTZ driver: digital[:fov=60,maxzoom=4] or "
        "pelco-d:/dev/ttyUSB0[,address=1,baud=2400] (repeatable; default none)",
    )
    run.add_argument(
        "--rtsp-port",
        type=int,
        help="RTSP port (default Network.RTSP.Port, 554; 0 switches RTSP off; -1 picks a free one)",
    )
    run.add_argument(
        "--no-ip-filter",
        action="store_true",
        help="switch the IP address filter off at start-up (sets Network.Filter.Enabled=no; "
        "recovers from a lock-out)",
    )
    run.add_argument(
        "--sd-dir", type=Path, help="the directory behind SD_DISK (default <data-dir>/sd)"
    )
    run.add_argument(
        "--sd-size", help="the most SD_DISK may hold, e.g. 4GiB, 512M (default 4GiB; 0: no limit)"
    )
    run.add_argument("--supervised", action="store_true", help=argparse.SUPPRESS)
    firmware_commands.add_commands(commands)
    return parser


def _per_camera(flag: str, example: str, values: list[str] | None) -> dict[int, str] | None:
    """``["2=file:a.mp4"]`` → ``{2: "file:a.mp4"}`` (``--source``, ``--ptz``)."""
    if not values:
        return None
    found = {}
    for value in values:
        number, sep, item = value.partition("=")
        if not sep or not number.isdigit() or not item:
            raise IpcamdError(f"{flag} expects {example} (got '{value}')")
        found[int(number)] = item
    return found


def _sources(values: list[str] | None) -> dict[int, str] | None:
    """``["2=file:a.mp4"]`` → ``{2: "file:a.mp4"}``."""
    return _per_camera("--source", "N=URI, e.g. 2=file:lobby.mp4", values)


#: What a start that neither created nor set root's password says about it.
KEPT_NOTICE = (
    "root password: the stored one is kept (to set a new one, start with "
    "--root-password-file FILE or IPCAMD_ROOT_PASSWORD=...)"
)


def _on_ready(url: str, device: Device) -> None:
    print(f"ipcamd {__version__} serving on {url}", flush=True)
    if device.new_root_password is not None:
        print(f"root password (shown once): {device.new_root_password}", flush=True)
    elif device.config.root_password is None:
        print(KEPT_NOTICE, flush=True)
    announce_ready(__version__, int(url.rsplit(":", 1)[1]))


def apply_pending_factory_default(config: Config) -> None:
    """A ``type=factorydefault`` upgrade: reset settings once, at the new version's first start."""
    store = FirmwareStore(config.data_dir)
    pointer = store.read()
    if pointer is None or not pointer.factory_default:
        return
    from ipcamd.device import Device  # noqa: PLC0415 - heavy; only when a unit starts
    from ipcamd.system.defaults import soft_default  # noqa: PLC0415

    device = Device(config)
    try:
        device.db.call(device.db.transaction(soft_default(device.schema)))
    finally:
        device.close()
    store.factory_default_done()


def run_serve(config: Config, argv: list[str], *, supervised: bool, on_ready: Ready) -> int:
    """``ipcamd serve``: one process, or a supervisor once a firmware slot is installed."""
    store = FirmwareStore(config.data_dir)
    if not supervised and store.read() is not None:
        return Supervisor(
            argv, store, config.database_path, config.port, config.firmware_health_timeout
        ).run()
    import asyncio  # noqa: PLC0415 - heavy; only when a unit starts

    from ipcamd.server import Outcome, serve  # noqa: PLC0415

    if supervised:
        watch_supervisor()
        apply_pending_factory_default(config)
    outcome, port = asyncio.run(serve(config, on_ready))
    if outcome is Outcome.RELAUNCH:
        if supervised:
            return EXIT_RELAUNCH
        # The first upgrade of a plain process: become the supervisor of the new slot.
        command = child_command(argv, port)
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(command[0], command)  # noqa: S606 - our own interpreter and arguments
    return 1 if outcome is Outcome.FAILED else 0


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
        "io_inputs": args.io_inputs,
        "io_outputs": args.io_outputs,
        "io_backend": args.io_backend,
        "rtsp_port": args.rtsp_port,
        "no_ip_filter": True if args.no_ip_filter else None,
        "audio_sink": args.audio_sink,
        "sd_dir": args.sd_dir,
        "sd_size": args.sd_size,
    }
    try:
        overrides["sources"] = _sources(args.source)
        overrides["audio_sources"] = _per_camera(
            "--audio-source", "N=URI, e.g. 1=alsa:hw:1", args.audio_source
        )
        overrides["ptz"] = _per_camera("--ptz", "N=DRIVER, e.g. 1=digital", args.ptz)
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
        return run_serve(config, argv_list, supervised=args.supervised, on_ready=_on_ready)
    except IpcamdError as err:
        print(f"ipcamd: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"ipcamd: cannot start: {err}", file=sys.stderr)
        return 1
