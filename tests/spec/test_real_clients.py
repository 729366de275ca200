"""Real clients against a running server: curl with Digest on every CGI, ffmpeg on the MJPEG
URLs (ZoneMinder's included), ffprobe on the JPEG, Python ``requests`` with Digest (it joins the
several ``WWW-Authenticate`` headers into one before parsing them).

A headless Chromium showing ``<img>`` of the MJPEG and JPEG URLs was checked by hand (see
docs/decisions.md, review section); it is not part of the suite.
"""

from __future__ import annotations

import asyncio
import shutil

import pytest
import requests
from requests.auth import HTTPDigestAuth

from tests.support import ROOT_PASSWORD, Camera

CURL = shutil.which("curl")
FFMPEG = shutil.which("ffmpeg")
FFPROBE = shutil.which("ffprobe")

#: One call of every CGI with its reply's first bytes.
CGIS = [
    ("/axis-cgi/param.cgi?action=list&group=Brand.Brand", b"Brand.Brand=ipcamd\n"),
    ("/axis-cgi/pwdgrp.cgi?action=get", b'admin="root"\r\n'),
    ("/axis-cgi/usergroup.cgi", b"root\n"),
    ("/axis-cgi/imagesize.cgi?camera=1", b"image width = 640\n"),
    ("/axis-cgi/videostatus.cgi?status=1", b"Video 1 = video\n"),
    ("/axis-cgi/admin/date.cgi?action=get", b""),
    ("/axis-cgi/ipfilter.cgi?action=list", b"Accept addresses: "),
    ("/axis-cgi/admin/systemlog.cgi", b""),
    ("/axis-cgi/setosd.cgi?TextEnabled=no", b"OK\r\n"),
    ("/axis-cgi/admin/backup.cgi", b"manifest.json"),
    ("/axis-cgi/jpg/image.cgi?resolution=QCIF", b"\xff\xd8"),
    ("/jpg/image.jpg", b"\xff\xd8"),
    ("/axis-cgi/mjpg/video.cgi?nbrofframes=1&resolution=QCIF", b"--myboundary\r\n"),
]


async def run(*argv: str, timeout: float = 30) -> tuple[int, bytes, bytes]:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return process.returncode, out, err


@pytest.mark.skipif(CURL is None, reason="needs curl (installed by .ci/run)")
async def test_curl_digest_on_every_cgi(camera: Camera) -> None:
    assert CURL is not None
    for path, start in CGIS:
        code, out, err = await run(
            CURL,
            "-sS",
            "--digest",
            "-u",
            f"root:{ROOT_PASSWORD}",
            "-w",
            "\n%{http_code}",
            camera.url + path,
        )
        assert code == 0, err
        body, _, status = out.rpartition(b"\n")
        assert status == b"200", (path, out[-300:])
        assert body.startswith(start), (path, body[:100])


@pytest.mark.skipif(FFMPEG is None, reason="needs ffmpeg (installed by .ci/run)")
@pytest.mark.parametrize(
    "path", ["/mjpg/video.mjpg", "/axis-cgi/mjpg/video.cgi?resolution=640x480&req_fps=5"]
)
async def test_ffmpeg_reads_five_frames(camera: Camera, path: str) -> None:
    assert FFMPEG is not None
    url = camera.url.replace("http://", f"http://root:{ROOT_PASSWORD}@") + path
    code, _, err = await run(
        FFMPEG, "-nostdin", "-loglevel", "error", "-i", url, "-frames:v", "5", "-f", "null", "-"
    )
    assert code == 0, err.decode()


@pytest.mark.skipif(FFPROBE is None, reason="needs ffprobe (installed with ffmpeg)")
async def test_ffprobe_reads_the_jpeg(camera: Camera) -> None:
    assert FFPROBE is not None
    url = camera.url.replace("http://", f"http://root:{ROOT_PASSWORD}@")
    code, out, err = await run(
        FFPROBE,
        "-loglevel",
        "error",
        "-show_entries",
        "stream=codec_name,width,height",
        "-of",
        "csv=p=0",
        url + "/axis-cgi/jpg/image.cgi?resolution=QCIF",
    )
    assert code == 0, err.decode()
    assert out.strip() == b"mjpeg,160,120"


async def test_requests_with_digest(camera: Camera) -> None:
    """``requests`` folds the three challenges into one header; it must still log in."""

    def calls() -> list[tuple[int, str | None, bytes]]:
        auth = HTTPDigestAuth("root", ROOT_PASSWORD)
        with requests.Session() as session:
            session.auth = auth
            results = []
            for path in ("/axis-cgi/param.cgi?action=list&group=Brand.Brand", "/jpg/image.jpg"):
                reply = session.get(camera.url + path, timeout=10)
                results.append(
                    (reply.status_code, reply.headers.get("Content-Type"), reply.content)
                )
            posted = session.post(
                camera.url + "/axis-cgi/param.cgi",
                data={"action": "list", "group": "Brand.Brand"},
                timeout=10,
            )
            results.append((posted.status_code, posted.headers.get("Content-Type"), posted.content))
            return results

    (listing, jpeg, posted) = await asyncio.to_thread(calls)
    assert listing == (200, "text/plain", b"Brand.Brand=ipcamd\n")
    assert jpeg[:2] == (200, "image/jpeg")
    assert jpeg[2][:2] == b"\xff\xd8"
    assert posted == (200, "text/plain", b"Brand.Brand=ipcamd\n")
