"""Files, RTSP/HTTP URLs and V4L2 webcams, decoded by FFmpeg through PyAV.

Decoding, scaling down to at most 3840x2160 (the largest size served) and the conversion to
I420 all run in FFmpeg code that releases the GIL, on the camera's reader thread. A file loops
at its own frame rate; a live source paces itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import av
import numpy as np

from ipcamd.errors import SourceUnavailable
from ipcamd.video.frame import Planes
from ipcamd.video.sources.base import Source
from ipcamd.video.sources.inputs import AvInput

_LOGGER = logging.getLogger(__name__)

#: The largest picture kept: the largest size the unit serves (4K UHD). A smaller source keeps
#: its native size, so a profile of that size shows it unscaled.
MAX_WIDTH, MAX_HEIGHT = 3840, 2160


class AvSource(Source):
    """One FFmpeg input (see :func:`~ipcamd.video.sources.inputs.av_input`)."""

    def __init__(self, spec: AvInput) -> None:
        self.description = spec.description
        self._spec = spec
        self._container: Any = None
        self._frames: Iterator[Any] | None = None
        self._clock_start = 0.0
        self._pts_start: float | None = None

    def open(self) -> None:
        """(Re)open the container with FFmpeg; a failure is SourceUnavailable."""
        self.close()
        spec = self._spec
        try:
            # PyAV's timeouts interrupt any blocking FFmpeg call (open, probe, each read) that
            # lasts longer; the socket options in spec.options bound each network operation.
            self._container = av.open(
                spec.url,
                format=spec.format_name,
                options=dict(spec.options),
                timeout=(spec.open_timeout, spec.read_timeout),
            )
        except (av.FFmpegError, OSError, ValueError) as err:
            raise self._unavailable(err) from err
        if not self._container.streams.video:
            self.close()
            raise SourceUnavailable(f"{self.description}: no video stream")
        self._container.streams.video[0].thread_type = "AUTO"
        self._frames = self._container.decode(video=0)
        self._pts_start = None

    def read(self) -> Planes:
        """The next decoded picture as planes; blocks, so it runs in the reader thread."""
        if self._frames is None:
            raise SourceUnavailable(f"{self.description}: not open")
        frame = self._next_frame()
        if self._spec.loop:
            self._pace(frame)
        return _to_planes(frame)

    def _next_frame(self) -> Any:
        assert self._frames is not None
        for attempt in range(2):
            try:
                return next(self._frames)
            except StopIteration as err:
                if not self._spec.loop or attempt:
                    raise SourceUnavailable(f"{self.description}: end of stream") from err
                self._rewind()
            except (av.FFmpegError, OSError, ValueError) as err:
                raise self._unavailable(err) from err
        raise SourceUnavailable(f"{self.description}: no frames")

    def _rewind(self) -> None:
        try:
            self._container.seek(0)
        except (av.FFmpegError, OSError) as err:
            raise self._unavailable(err, "cannot loop: ") from err
        self._frames = self._container.decode(video=0)
        self._pts_start = None

    def _pace(self, frame: Any) -> None:
        """Sleep until ``frame`` is due, so a file plays at its own speed."""
        if frame.time is None:
            time.sleep(1 / 25)
            return
        now = time.monotonic()
        if self._pts_start is None:
            self._pts_start, self._clock_start = float(frame.time), now
            return
        due = self._clock_start + float(frame.time) - self._pts_start
        if due > now:
            time.sleep(min(due - now, 1.0))
        elif now - due > 1.0:
            self._pts_start, self._clock_start = float(frame.time), now  # fell behind: resync

    def _unavailable(self, err: Exception, context: str = "") -> SourceUnavailable:
        """``err`` as SourceUnavailable, without the URL FFmpeg puts in its messages (a URL
        may carry a password)."""
        reason = str(err).replace(self._spec.url, self.description)
        return SourceUnavailable(f"{self.description}: {context}{reason}")

    def close(self) -> None:
        """Release FFmpeg's container; safe to call twice."""
        container, self._container, self._frames = self._container, None, None
        if container is not None:
            try:
                container.close()
            except (av.FFmpegError, OSError) as err:
                _LOGGER.debug("Closing %s: %s", self.description, err)


def _even(value: int) -> int:
    return max(2, value & ~1)


def _to_planes(frame: Any) -> Planes:
    """An FFmpeg frame as I420 planes of even size, at most MAX_WIDTH x MAX_HEIGHT."""
    width, height = int(frame.width), int(frame.height)
    shrink = min(1.0, MAX_WIDTH / width, MAX_HEIGHT / height)
    width, height = _even(int(width * shrink)), _even(int(height * shrink))
    frame = frame.reformat(width=width, height=height, format="yuv420p")
    planes = []
    for plane, (w, h) in zip(
        frame.planes,
        ((width, height), (width // 2, height // 2), (width // 2, height // 2)),
        strict=False,
    ):
        data = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
        planes.append(np.ascontiguousarray(data[:h, :w]))
    return Planes(planes[0], planes[1], planes[2])
