"""A request the HTTP parser refuses is a 400 and one warning line; real errors keep tracebacks."""

from __future__ import annotations

import logging

import pytest
from aiohttp.http_exceptions import BadHttpMethod, LineTooLong

from ipcamd.http.server_log import SERVER_LOGGER, ServerLog
from tests.spec.raw import send_bytes
from tests.support import Camera


async def raw_request(camera: Camera, data: bytes) -> bytes:
    return await send_bytes(camera.server.port, data)


def server_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == SERVER_LOGGER]


@pytest.mark.parametrize(
    ("request_bytes", "reason"),
    [
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "LineTooLong: Got more"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", "LineTooLong"),
        (b"GET / HTTP/9.9.9\r\n\r\n", "BadStatusLine: Bad status line: Invalid HTTP version"),
    ],
)
async def test_malformed_request_is_one_warning_line(
    camera: Camera, caplog: pytest.LogCaptureFixture, request_bytes: bytes, reason: str
) -> None:
    with caplog.at_level(logging.DEBUG, logger=SERVER_LOGGER):
        reply = await raw_request(camera, request_bytes)
    assert reply.split(b"\r\n", 1)[0] == b"HTTP/1.0 400 Bad Request", reply[:80]
    records = server_records(caplog)
    assert len(records) == 1, [r.getMessage() for r in records]
    record = records[0]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    message = record.getMessage()
    assert message.startswith("Bad request from 127.0.0.1")
    assert reason in message
    assert "\n" not in message
    assert len(message) < 250
    # The server keeps serving.
    assert (await camera.get("/axis-cgi/param.cgi?action=list&group=Brand.Brand")).status == 200


def test_other_errors_keep_their_level_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    log = ServerLog()
    with caplog.at_level(logging.DEBUG, logger=SERVER_LOGGER):
        # aiohttp calls ``exception(…, exc_info=exc)``, which is ``log(ERROR, …)`` like this.
        bug_exc = RuntimeError("a bug in a handler")
        log.error("Error handling request from %s", "10.0.0.1", exc_info=bug_exc)
        # aiohttp's own choice: a non-HTTP first request is logged at DEBUG; that stays.
        log.debug("Error handling request from %s", "10.0.0.2", exc_info=BadHttpMethod("\x16\x03"))
        log.error(
            "Error handling request from %s", "10.0.0.3", exc_info=LineTooLong("Status line", 8190)
        )
    bug, debug, bad = server_records(caplog)
    assert (bug.levelno, bug.getMessage()) == (
        logging.ERROR,
        "Error handling request from 10.0.0.1",
    )
    assert bug.exc_info is not None
    assert bug.exc_info[0] is RuntimeError
    assert debug.levelno == logging.DEBUG
    assert debug.exc_info is not None
    assert (bad.levelno, bad.exc_info) == (logging.WARNING, None)
    assert bad.getMessage().startswith(
        "Bad request from 10.0.0.3: LineTooLong: Got more than 8190 bytes"
    )
