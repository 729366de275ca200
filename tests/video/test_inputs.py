"""What FFmpeg is asked to open for each source URI, and the reopening delays (pure)."""

from __future__ import annotations

import pytest

from ipcamd.errors import InvalidParameter
from ipcamd.video.camera import Backoff
from ipcamd.video.sources import check_uri
from ipcamd.video.sources.inputs import AvInput, av_input, redact


def test_rtsp_goes_over_tcp_with_a_socket_timeout() -> None:
    assert av_input("rtsp://127.0.0.1:8554/cam") == AvInput(
        "rtsp://127.0.0.1:8554/cam",
        "rtsp://127.0.0.1:8554/cam",
        options={"rtsp_transport": "tcp", "timeout": "5000000", "fpsprobesize": "0"},
        open_timeout=10.0,
        read_timeout=5.0,
    )


def test_a_password_stays_in_the_url_and_out_of_the_description() -> None:
    spec = av_input("rtsp://admin:pa:ss@cam.local:554/Streaming/101")
    assert spec.url == "rtsp://admin:pa:ss@cam.local:554/Streaming/101"
    assert spec.description == "rtsp://admin:***@cam.local:554/Streaming/101"


def test_http_has_an_io_timeout() -> None:
    spec = av_input("http://host/video.mjpg")
    assert spec.options == {"rw_timeout": "5000000"}
    assert (spec.format_name, spec.loop) == (None, False)


def test_a_file_loops() -> None:
    spec = av_input("file:clips/lobby.mp4")
    assert (spec.url, spec.description, spec.loop, spec.options) == (
        "clips/lobby.mp4",
        "file:clips/lobby.mp4",
        True,
        {},
    )


def test_timeouts_follow_the_module_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from ipcamd.video.sources import inputs

    monkeypatch.setattr(inputs, "OPEN_TIMEOUT", 2.0)
    monkeypatch.setattr(inputs, "READ_TIMEOUT", 0.5)
    spec = av_input("rtsp://h/x")
    assert (spec.open_timeout, spec.read_timeout, spec.options["timeout"]) == (2.0, 0.5, "500000")


@pytest.mark.parametrize(
    ("uri", "device", "options"),
    [
        ("v4l2:0", "/dev/video0", {}),
        ("v4l2:/dev/video2", "/dev/video2", {}),
        (
            "v4l2:/dev/video0?size=640x480&fps=15&format=mjpeg",
            "/dev/video0",
            {"video_size": "640x480", "framerate": "15", "input_format": "mjpeg"},
        ),
        ("v4l2:1?fps=30000/1001", "/dev/video1", {"framerate": "30000/1001"}),
        (
            "v4l2:/dev/v4l/by-id/usb-cam?format=yuyv422",
            "/dev/v4l/by-id/usb-cam",
            {"input_format": "yuyv422"},
        ),
    ],
)
def test_webcam_device_and_options(uri: str, device: str, options: dict[str, str]) -> None:
    spec = av_input(uri)
    assert (spec.url, spec.format_name, spec.options, spec.loop) == (
        device,
        "v4l2",
        options,
        False,
    )
    assert spec.description == uri


@pytest.mark.parametrize(
    "uri",
    [
        "v4l2:",
        "v4l2:?size=640x480",
        "v4l2:0?size=big",
        "v4l2:0?size=640x0",
        "v4l2:0?fps=0",
        "v4l2:0?fps=fast",
        "v4l2:0?format=MJPEG;rm",
        "v4l2:0?zoom=2",
        "v4l2:0?size",
        "file:",
        "rtsp://",
        "http://",
        "ftp://host/x",
        "lobby.mp4",
    ],
)
def test_bad_uris_are_refused_at_start_up(uri: str) -> None:
    with pytest.raises(InvalidParameter):
        check_uri(uri)


def test_an_error_does_not_show_the_password() -> None:
    with pytest.raises(InvalidParameter) as info:
        av_input("rtmp://user:secret@host/live")
    assert "secret" not in str(info.value)


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("rtsp://u:p@h/x", "rtsp://u:***@h/x"),
        ("rtsp://u@h/x", "rtsp://u@h/x"),
        ("rtsp://h/x?a=b:c@d", "rtsp://h/x?a=b:c@d"),
        ("http://u:p@h:81", "http://u:***@h:81"),
        ("v4l2:0", "v4l2:0"),
    ],
)
def test_redact(uri: str, shown: str) -> None:
    assert redact(uri) == shown


def test_backoff_doubles_up_to_the_maximum() -> None:
    backoff = Backoff(first=1.0, maximum=30.0, stable=10.0)
    assert [backoff.delay(0.0) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_backoff_starts_over_only_after_a_stable_run() -> None:
    backoff = Backoff(first=1.0, maximum=30.0, stable=10.0)
    assert [backoff.delay(0.0), backoff.delay(0.0), backoff.delay(0.0)] == [1, 2, 4]
    # A feed that connects, gives a few pictures and drops keeps backing off...
    assert backoff.delay(3.0) == 8
    # ...one that ran a while is retried quickly again.
    assert backoff.delay(60.0) == 1
    assert backoff.delay(0.0) == 2
