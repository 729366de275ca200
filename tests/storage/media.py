"""Real players check what the recorder and the export write: ffprobe (FFmpeg's demuxer) and
VLC (libvlc, with its own Matroska demuxer) through python-vlc."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support import require_tool


@dataclass(frozen=True)
class Probe:
    """What ffprobe read: the stream's codec and size, its packets' times, the duration."""

    codec: str
    width: int
    height: int
    pts: list[float]
    duration: float | None

    @property
    def frames(self) -> int:
        return len(self.pts)


def ffprobe(path: Path) -> Probe:
    """Probe ``path``; ffprobe must succeed and complain about nothing."""
    result = subprocess.run(
        [
            require_tool("ffprobe"),
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,width,height:packet=pts_time:format=duration,format_name",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    data = json.loads(result.stdout)
    assert data["format"]["format_name"] == "matroska,webm"
    (stream,) = data["streams"]
    duration = data["format"].get("duration")
    return Probe(
        stream["codec_name"],
        stream["width"],
        stream["height"],
        [float(p["pts_time"]) for p in data.get("packets", [])],
        None if duration is None else float(duration),
    )


def decodes(path: Path) -> None:
    """ffmpeg decodes every frame without an error."""
    result = subprocess.run(
        [require_tool("ffmpeg"), "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr


def vlc_plays(path: Path) -> int:
    """VLC plays ``path`` to its end; returns the pictures it decoded (at least one)."""
    import vlc

    instance = vlc.Instance("--intf=dummy --vout=dummy --aout=dummy --no-audio --quiet")
    assert instance is not None, "libvlc is not installed (.ci/run installs vlc-bin)"
    media = instance.media_new(str(path))
    player = instance.media_player_new()
    player.set_media(media)
    player.play()
    deadline = time.monotonic() + 60
    while player.get_state() not in (vlc.State.Ended, vlc.State.Error):
        assert time.monotonic() < deadline, "VLC did not finish playing"
        time.sleep(0.05)
    state = player.get_state()
    stats = vlc.MediaStats()
    media.get_stats(stats)
    player.release()
    instance.release()
    assert state == vlc.State.Ended, state
    assert stats.demux_corrupted == 0
    assert stats.decoded_video > 0
    return int(stats.decoded_video)
