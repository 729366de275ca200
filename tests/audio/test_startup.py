"""Audio start-up settings: the TOML keys and flags, and what a bad one does (exit code 2 with
one line, never a traceback)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ipcamd.audio.sources.inputs import SILENCE, TONE, audio_uri_for
from ipcamd.config import build_config
from ipcamd.errors import InvalidParameter
from tests.test_cli import spawn


def test_the_audio_section_of_the_config_file() -> None:
    config = build_config(
        {"audio_sources": {"2": "alsa:hw:1"}, "audio_sink": "alsa:default", "audio_wav_keep": 3},
        {},
    )
    assert config.audio_sources == {2: "alsa:hw:1"}
    assert (config.audio_sink, config.audio_wav_keep) == ("alsa:default", 3)
    with pytest.raises(InvalidParameter, match="audio_wav_keep"):
        build_config({"audio_wav_keep": "ten"}, {})


def test_a_cameras_sound_follows_its_video_source() -> None:
    video = {2: "file:a.mp4", 3: "v4l2:/dev/video0", 4: "rtsp://u:p@h/s"}
    assert [audio_uri_for(n, {}, video) for n in (1, 2, 3, 4)] == [
        TONE,
        "file:a.mp4",
        SILENCE,
        "rtsp://u:p@h/s",
    ]
    assert audio_uri_for(3, {3: "alsa:hw:1"}, video) == "alsa:hw:1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--audio-source", "1=v4l2:/dev/video0"], b"V4L2 carries no sound"),
        (["--audio-source", "1=ftp://x:secret@h/a"], b"unknown audio source 'ftp://x:***@h/a'"),
        (["--audio-source", "one=tone"], b"--audio-source expects N=URI"),
        (["--audio-sink", "speaker"], b"unknown audio sink 'speaker' (wav, alsa:<device>)"),
    ],
)
async def test_bad_audio_settings_exit_2(tmp_path: Path, args: list[str], message: bytes) -> None:
    proc = await spawn(
        "serve", "--data-dir", str(tmp_path / "data"), "--port", "0", "--rtsp-port", "0", *args
    )
    out, err = await asyncio.wait_for(proc.process.communicate(), 30)
    assert out == b""
    assert proc.process.returncode == 2
    assert err.startswith(b"ipcamd: ")
    assert message in err
    assert b"Traceback" not in err
    assert b"secret" not in err
