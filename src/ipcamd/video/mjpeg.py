"""The multipart JPEG stream of spec 5.2.4.7, as bytes: the boundary and each frame's part.

Pure functions of a JPEG: a stream profile builds each part once and every viewer of the
profile sends the same bytes.
"""

from __future__ import annotations

BOUNDARY = "myboundary"
#: What opens the multipart body, and what ends each part (spec 5.2.4.7).
DELIMITER = f"--{BOUNDARY}\r\n".encode("ascii")
#: What ends the last part of a stream that ends on purpose (RFC 2046 close-delimiter).
CLOSE_DELIMITER = f"--{BOUNDARY}--\r\n".encode("ascii")
#: The ``Content-Type`` of an MJPEG stream: the boundary unquoted and the only parameter.
CONTENT_TYPE = f"multipart/x-mixed-replace;boundary={BOUNDARY}"


def multipart_part(jpeg: bytes) -> bytes:
    """Part headers + JPEG + ``\\r\\n--myboundary\\r\\n``, exactly as spec 5.2.4.7 shows
    ``<image>``.

    The boundary goes out right after the picture ("each image ends with a boundary string"):
    browsers draw a part only once the boundary after it arrives, so sending it with the next
    frame would show every picture one frame late (https://crbug.com/527446; uStreamer does
    the same). The stream itself starts with :data:`DELIMITER`.
    """
    head = f"Content-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode("ascii")
    return b"".join((head, jpeg, b"\r\n", DELIMITER))


def last_part(part: bytes) -> bytes:
    """``part`` ending in the close-delimiter instead of the boundary (the stream ends there)."""
    return part[: -len(DELIMITER)] + CLOSE_DELIMITER
