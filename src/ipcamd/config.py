"""Start-up configuration: a TOML file, then command-line flags, then built-in defaults.

Only what must be known before the parameter store opens lives here (where to listen, where the
data is, which video sources feed the inputs); everything else is a parameter.
"""

from __future__ import annotations

import os
import re
import tomllib
import types
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

from ipcamd.errors import InvalidParameter

DEFAULT_DATA_DIR = Path("data")


@dataclass
class Config:
    """Everything ``ipcamd serve`` needs to start."""

    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = DEFAULT_DATA_DIR
    root_password: str | None = None
    #: A file whose first line is root's password (``--root-password-file``): unlike the flag,
    #: it does not show in the process list.
    root_password_file: Path | None = None
    log_level: str = "info"
    cameras: int = 1
    #: camera number (1-4) → source URI (``testpattern``, ``file:x.mp4``, ``rtsp://…``, ``v4l2:…``)
    sources: dict[int, str] = field(default_factory=dict)
    seed: int | None = None
    auth_max_failures: int = 20
    auth_failure_window: float = 60.0
    auth_lockout: float = 30.0
    #: Failed logins for one account name, from all addresses together, within the window.
    auth_account_max_failures: int = 100
    nonce_lifetime: float = 300.0
    #: Seconds a new firmware has to start serving before the supervisor rolls it back.
    firmware_health_timeout: float = 30.0
    #: Switch the IP filter off at start-up (``--no-ip-filter``): recovery from a lock-out.
    no_ip_filter: bool = False
    #: Seconds a connection may take to deliver a request's head (and may stay idle between
    #: requests), and may go without sending a byte of a request body (slow clients).
    http_idle_timeout: float = 15.0
    #: Digital inputs and outputs (``--io-inputs``, ``--io-outputs``; default 2 and 2 on the
    #: virtual backend, one per line on the GPIO backend).
    io_inputs: int | None = None
    io_outputs: int | None = None
    #: Where the ports are: ``virtual`` (in memory, inputs set by scripts) or ``gpio``.
    io_backend: str = "virtual"
    #: The GPIO backend's character device, line offsets and wiring (see docs/io.md).
    gpio_chip: str = "/dev/gpiochip0"
    gpio_input_lines: list[int] = field(default_factory=list)
    gpio_output_lines: list[int] = field(default_factory=list)
    gpio_active_low: bool = False
    gpio_bias: str = "as-is"
    gpio_debounce_ms: int = 0
    #: camera number (1-4) → audio source URI (``tone``, ``silence``, ``file:…``, ``rtsp://…``,
    #: ``alsa:…``); a camera without one takes its video source's sound (docs/audio.md).
    audio_sources: dict[int, str] = field(default_factory=dict)
    #: Where transmit.cgi plays: ``wav`` (files in ``<data_dir>/audio``) or ``alsa:<device>``.
    audio_sink: str = "wav"
    #: WAV files kept (the oldest are removed) and the longest one file may get (seconds).
    audio_wav_keep: int = 10
    audio_wav_max_seconds: float = 3600.0
    #: motiondata.cgi streams that may run at once (0: no limit); one more is a 503.
    motion_max_clients: int = 10
    #: Pictures a second each camera's motion detector analyses (0.5 to 30).
    motion_fps: float = 5.0
    #: The directory behind SD_DISK (default ``<data_dir>/sd``); may be a real mount point.
    sd_dir: Path | None = None
    #: The most the SD_DISK may hold: bytes, or a text such as ``"4GiB"``, ``"512M"``; 0 for
    #: as much as its file system has.
    sd_size: int | str = "4GiB"
    #: camera number → PTZ driver spec (``digital``, ``pelco-d:/dev/ttyUSB0,address=1``);
    #: a camera without one has no PTZ.
    ptz: dict[int, str] = field(default_factory=dict)
    #: The RTSP port (``--rtsp-port``): None uses ``Network.RTSP.Port`` (554 by default),
    #: 0 switches RTSP off, -1 picks any free port (and keeps it across restarts).
    rtsp_port: int | None = None

    @property
    def database_path(self) -> Path:
        """The SQLite file that holds parameters, users and device state."""
        return self.data_dir / "ipcamd.sqlite3"

    @property
    def sd_path(self) -> Path:
        """Where the SD_DISK's files live."""
        return self.sd_dir if self.sd_dir is not None else self.data_dir / "sd"

    @property
    def sd_limit(self) -> int:
        """The SD_DISK's size limit in bytes (0: none)."""
        return parse_size(self.sd_size)


_SIZE = re.compile(r"([0-9]{1,15})\s*([kKmMgGtT]?)(i?[bB])?")
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(value: int | str) -> int:
    """Bytes of a size: an integer, or ``4GiB``, ``512M``, ``64k`` (binary multiples)."""
    if isinstance(value, int):
        if value < 0:
            raise InvalidParameter(f"sd_size must not be negative, not {value}")
        return value
    match = _SIZE.fullmatch(value.strip())
    if not match:
        raise InvalidParameter(f"sd_size must be a size such as 4GiB or 512M, not {value!r}")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


_SECTIONS = ("server", "auth", "video", "storage", "firmware", "io", "audio", "motion")


def load_toml(path: Path) -> dict[str, Any]:
    """Read a config file; sections ``[server]``, ``[auth]``, ``[video]``, ``[io]``… are
    flattened."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise InvalidParameter(f"cannot read config {path}: {err}") from err
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _SECTIONS and isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    return flat


def build_config(file_values: dict[str, Any], overrides: dict[str, Any]) -> Config:
    """Merge file values and flag overrides (None means "not given") into a :class:`Config`."""
    known = {f.name for f in fields(Config)}
    merged: dict[str, Any] = {}
    for source in (file_values, {k: v for k, v in overrides.items() if v is not None}):
        for key, value in source.items():
            if key not in known:
                raise InvalidParameter(f"unknown configuration key '{key}'")
            merged[key] = value
    if "root_password" not in merged and os.environ.get("IPCAMD_ROOT_PASSWORD"):
        merged["root_password"] = os.environ["IPCAMD_ROOT_PASSWORD"]
    for key in ("data_dir", "sd_dir", "root_password_file"):
        if key in merged and merged[key] is not None:
            merged[key] = Path(merged[key])
    for key in ("sources", "audio_sources", "ptz"):
        if key in merged:
            try:
                merged[key] = {int(k): str(v) for k, v in dict(merged[key]).items()}
            except (TypeError, ValueError) as err:
                raise InvalidParameter(
                    f"configuration key '{key}' must be a table of camera numbers"
                ) from err
    hints = get_type_hints(Config)
    for key, value in merged.items():
        _check_type(key, value, hints[key])
    if merged.get("root_password_file") is not None:
        if merged.get("root_password") is not None:
            raise InvalidParameter("give root_password or root_password_file, not both")
        merged["root_password"] = read_password_file(merged["root_password_file"])
    elif merged.get("root_password") is None and os.environ.get("IPCAMD_ROOT_PASSWORD"):
        merged["root_password"] = os.environ["IPCAMD_ROOT_PASSWORD"]
    config = Config(**merged)
    if not 1 <= config.cameras <= 4:
        raise InvalidParameter("cameras must be 1 to 4")
    if not 0 <= config.port <= 65535:
        raise InvalidParameter("port must be 0 to 65535")
    if not 0 <= config.motion_max_clients <= 1000:
        raise InvalidParameter("motion_max_clients must be 0 (no limit) to 1000")
    if not 0.5 <= config.motion_fps <= 30:
        raise InvalidParameter("motion_fps must be 0.5 to 30")
    parse_size(config.sd_size)  # a malformed size stops the start, as any bad key does
    if config.rtsp_port is not None and not -1 <= config.rtsp_port <= 65535:
        raise InvalidParameter("rtsp_port must be -1 (any free port), 0 (off) or 1 to 65535")
    return config


def read_password_file(path: Path) -> str:
    """The first line of ``path``, without its line ending (the rest of the file is ignored)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidParameter(f"cannot read the root password file {path}: {err}") from err
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise InvalidParameter(f"the root password file {path} is empty")
    return lines[0]


def _check_type(key: str, value: Any, hint: Any) -> None:
    """Refuse a value of the wrong type (``port = "abc"`` in the TOML file) with a clear message."""
    options = get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for option in options:
        expected = get_origin(option) or option
        if expected is type(None) and value is None:
            return
        if expected is float and isinstance(value, int | float) and not isinstance(value, bool):
            return
        if expected is Path and isinstance(value, str | Path):
            return
        if expected is int and isinstance(value, bool):
            continue
        if isinstance(expected, type) and isinstance(value, expected):
            return
    names = " or ".join(getattr(o, "__name__", str(o)) for o in options)
    raise InvalidParameter(f"configuration key '{key}' must be {names}, not {value!r}")
