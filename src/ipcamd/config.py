"""Start-up configuration: a TOML file, then command-line flags, then built-in defaults.

Only what must be known before the parameter store opens lives here (where to listen, where the
data is, which video sources feed the inputs); everything else is a parameter.
"""

from __future__ import annotations

import os
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
    log_level: str = "info"
    cameras: int = 1
    #: camera number (1-4) → source URI (``testpattern``, ``file:x.mp4``, ``rtsp://…``, ``v4l2:…``)
    sources: dict[int, str] = field(default_factory=dict)
    seed: int | None = None
    auth_max_failures: int = 20
    auth_failure_window: float = 60.0
    auth_lockout: float = 30.0
    nonce_lifetime: float = 300.0
    #: Seconds a new firmware has to start serving before the supervisor rolls it back.
    firmware_health_timeout: float = 30.0
    #: Switch the IP filter off at start-up (``--no-ip-filter``): recovery from a lock-out.
    no_ip_filter: bool = False
    #: Seconds a connection may take to deliver a request's head (and may stay idle between
    #: requests), and may go without sending a byte of a request body (slow clients).
    http_idle_timeout: float = 15.0
    #: The RTSP port (``--rtsp-port``): None uses ``Network.RTSP.Port`` (554 by default),
    #: 0 switches RTSP off, -1 picks any free port (and keeps it across restarts).
    rtsp_port: int | None = None

    @property
    def database_path(self) -> Path:
        """The SQLite file that holds parameters, users and device state."""
        return self.data_dir / "ipcamd.sqlite3"


_SECTIONS = ("server", "auth", "video", "storage", "firmware")


def load_toml(path: Path) -> dict[str, Any]:
    """Read a config file; sections ``[server]``, ``[auth]``, ``[video]`` are flattened."""
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
    for key in ("data_dir",):
        if key in merged and merged[key] is not None:
            merged[key] = Path(merged[key])
    if "sources" in merged:
        merged["sources"] = {int(k): str(v) for k, v in dict(merged["sources"]).items()}
    hints = get_type_hints(Config)
    for key, value in merged.items():
        _check_type(key, value, hints[key])
    config = Config(**merged)
    if not 1 <= config.cameras <= 4:
        raise InvalidParameter("cameras must be 1 to 4")
    if not 0 <= config.port <= 65535:
        raise InvalidParameter("port must be 0 to 65535")
    if config.rtsp_port is not None and not -1 <= config.rtsp_port <= 65535:
        raise InvalidParameter("rtsp_port must be -1 (any free port), 0 (off) or 1 to 65535")
    return config


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
