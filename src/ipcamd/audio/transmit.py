"""The body of a transmit.cgi POST (spec 5.8.5), split into coded audio as it arrives (pure).

Singlepart: the whole body is audio of the request's ``Content-Type``. Multipart: parts, each
with its own ``Content-Type`` (the same audio type throughout), separated by boundary lines.
The spec writes the header ``boundary=--myboundary`` and the lines ``--myboundary``; RFC 2046
would make those lines ``----myboundary``. Both are accepted: with a boundary parameter that
starts with ``--`` a line of the parameter itself is a delimiter too. A part's audio may end
with or without ``\\r\\n`` before the next boundary (the spec's example has both); a part may
give its ``Content-Length``. The body may never end (``Content-Length: 9999999``): the talker
stops by closing the connection, and whatever was parsed by then has been played.
"""

from __future__ import annotations

import re
from enum import Enum, auto

from ipcamd.audio.codecs import Codec
from ipcamd.errors import InvalidParameter

#: Bytes a part's headers, or what precedes the first boundary, may take.
MAX_HEAD = 4096
_BOUNDARY = re.compile(r';\s*boundary="?([^";]+)"?', re.IGNORECASE)

Piece = tuple[Codec, bytes]


class _State(Enum):
    PREAMBLE = auto()
    DELIMITER = auto()
    HEADERS = auto()
    DATA = auto()
    END = auto()


def _content_type_codec(content_type: str | None) -> Codec | None:
    """The singlepart codec, or None for a multipart body; InvalidParameter otherwise."""
    if not content_type:
        raise InvalidParameter(
            "transmit.cgi needs a Content-Type (audio/basic, "
            "audio/32KADPCM, audio/G723 or multipart/x-mixed-replace)"
        )
    if content_type.split(";", 1)[0].strip().lower().startswith("multipart/"):
        return None
    return Codec.from_mime(content_type)


class TransmitParser:
    """Feed it the body's bytes as they come; it returns the audio they complete."""

    def __init__(self, content_type: str | None) -> None:
        self.codec = _content_type_codec(content_type)
        self._multipart = self.codec is None
        self._buffer = bytearray()
        self._state = _State.PREAMBLE
        self._part_left: int | None = None
        if self._multipart:
            assert content_type is not None
            match = _BOUNDARY.search(content_type)
            if match is None:
                raise InvalidParameter("multipart body without a boundary parameter")
            boundary = match.group(1).strip().encode("latin-1")
            # The spec's own form (a parameter starting with "--" used as the whole line)
            # first, then RFC 2046's "--" + parameter.
            self._delimiters = [b"--" + boundary]
            if boundary.startswith(b"--"):
                self._delimiters.append(boundary)
            self._keep = len(self._delimiters[0]) + 4

    def feed(self, data: bytes) -> list[Piece]:
        """The audio that ``data`` completes (InvalidParameter for a malformed body)."""
        if not self._multipart:
            assert self.codec is not None
            return [(self.codec, data)] if data else []
        self._buffer += data
        pieces: list[Piece] = []
        while self._step(pieces):
            pass
        return pieces

    def finish(self) -> list[Piece]:
        """The body ended: the rest of a part being read (its audio played as it was)."""
        if self._multipart and self._state is _State.DATA and self._buffer and self.codec:
            data, self._buffer = bytes(self._buffer), bytearray()
            return [(self.codec, data.removesuffix(b"\r\n"))]
        return []

    # ------------------------------------------------------------------ states

    def _step(self, pieces: list[Piece]) -> bool:
        """Advance by one state if the buffer allows; False when it needs more bytes."""
        state = self._state
        if state is _State.PREAMBLE:
            return self._preamble()
        if state is _State.DELIMITER:
            return self._after_delimiter()
        if state is _State.HEADERS:
            return self._headers()
        if state is _State.DATA:
            return self._data(pieces)
        self._buffer.clear()  # after the close-delimiter: an epilogue, ignored
        return False

    def _find(self) -> tuple[int, int]:
        """Position and length of the first delimiter in the buffer ((-1, 0): none)."""
        best = (-1, 0)
        for delimiter in self._delimiters:
            at = self._buffer.find(delimiter)
            if at != -1 and (best[0] == -1 or at < best[0]):
                best = (at, len(delimiter))
        return best

    def _preamble(self) -> bool:
        at, size = self._find()
        if at == -1:
            if len(self._buffer) > MAX_HEAD:
                raise InvalidParameter("multipart body without a boundary line")
            return False
        del self._buffer[: at + size]
        self._state = _State.DELIMITER
        return True

    def _after_delimiter(self) -> bool:
        if len(self._buffer) < 2:
            return False
        if self._buffer.startswith(b"--"):
            self._state = _State.END
        elif self._buffer.startswith(b"\r\n"):
            del self._buffer[:2]
            self._state = _State.HEADERS
        else:
            raise InvalidParameter("malformed boundary line in the multipart body")
        return True

    def _headers(self) -> bool:
        if self._buffer.startswith(b"\r\n"):
            raw, end = b"", 2
        else:
            at = self._buffer.find(b"\r\n\r\n")
            if at == -1:
                if len(self._buffer) > MAX_HEAD:
                    raise InvalidParameter("part headers too long in the multipart body")
                return False
            raw, end = bytes(self._buffer[:at]), at + 4
        del self._buffer[:end]
        self._part(raw)
        self._state = _State.DATA
        return True

    def _part(self, raw: bytes) -> None:
        """Read one part's headers: its audio type (the same in every part), its length."""
        codec: Codec | None = None
        self._part_left = None
        for line in raw.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            key = name.strip().lower()
            if key == "content-type":
                codec = Codec.from_mime(value.strip())
            elif key == "content-length":
                if not value.strip().isdigit():
                    raise InvalidParameter(f"bad part Content-Length '{value.strip()}'")
                self._part_left = int(value.strip())
        if codec is None:
            raise InvalidParameter("a part of the multipart body has no audio Content-Type")
        if self.codec is not None and codec is not self.codec:
            raise InvalidParameter(f"parts of one transmission changed type to {codec.mime}")
        self.codec = codec

    def _data(self, pieces: list[Piece]) -> bool:
        assert self.codec is not None
        if self._part_left is not None:
            return self._counted(pieces)
        at, size = self._find()
        if at == -1:
            # Keep a tail that may be the start of a boundary line (and its \r\n).
            ready = len(self._buffer) - self._keep
            if ready > 0:
                pieces.append((self.codec, bytes(self._buffer[:ready])))
                del self._buffer[:ready]
            return False
        data = bytes(self._buffer[:at]).removesuffix(b"\r\n")
        if data:
            pieces.append((self.codec, data))
        del self._buffer[: at + size]
        self._state = _State.DELIMITER
        return True

    def _counted(self, pieces: list[Piece]) -> bool:
        """A part with a Content-Length: exactly that many bytes, then the next boundary."""
        assert self.codec is not None
        assert self._part_left is not None
        take = min(self._part_left, len(self._buffer))
        if take:
            pieces.append((self.codec, bytes(self._buffer[:take])))
            del self._buffer[:take]
            self._part_left -= take
        if self._part_left:
            return False
        self._part_left = None
        self._state = _State.PREAMBLE  # what follows is \r\n (or not) and the boundary line
        return True
