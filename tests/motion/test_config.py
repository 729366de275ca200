"""The motion keys of the config file: a [motion] section, and values out of range refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ipcamd.config import Config, build_config, load_toml
from ipcamd.errors import InvalidParameter


def test_motion_keys_in_their_section(tmp_path: Path) -> None:
    path = tmp_path / "ipcamd.toml"
    path.write_text("[motion]\nmotion_fps = 2.5\nmotion_max_clients = 0\n", encoding="utf-8")
    config = build_config(load_toml(path), {})
    assert (config.motion_fps, config.motion_max_clients) == (2.5, 0)
    assert (Config().motion_fps, Config().motion_max_clients) == (5.0, 10)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"motion_fps": 0.1}, "motion_fps must be 0.5 to 30"),
        ({"motion_fps": 31}, "motion_fps must be 0.5 to 30"),
        ({"motion_max_clients": -1}, "motion_max_clients must be 0 (no limit) to 1000"),
        ({"motion_max_clients": "ten"}, "configuration key 'motion_max_clients' must be int"),
    ],
)
def test_motion_values_out_of_range(values: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidParameter, match=re.escape(message)):
        build_config(values, {})
