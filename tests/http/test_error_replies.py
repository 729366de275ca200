"""The error table: every domain error class in every reply shape, byte for byte."""

from __future__ import annotations

import pytest

from ipcamd import errors
from ipcamd.errors import (
    AccessDenied,
    Busy,
    CommitFailed,
    Conflict,
    Disabled,
    InvalidParameter,
    IpcamdError,
    MalformedRequest,
    NotFound,
    ReadOnly,
    SourceUnavailable,
    StreamClosed,
    TimedOut,
    Unavailable,
    UploadTooLarge,
    VerificationFailed,
)
from ipcamd.http.error_replies import (
    LIFECYCLE,
    PARAM,
    PWDGRP,
    REQUEST_FAILED,
    STATUS,
    ReplyShape,
    Row,
    TextShape,
)

MESSAGE = "it failed"
VERIFY_MESSAGE = 'IP address "10.0.0.1" is not an accepted address'

#: What the status code says in the shapes whose status tells what failed (lifecycle CGIs and
#: plain status codes), and whether the connection closes.
STATUSES: dict[type[IpcamdError], tuple[int, bool]] = {
    IpcamdError: (400, False),
    InvalidParameter: (400, False),
    MalformedRequest: (400, False),
    UploadTooLarge: (413, True),
    NotFound: (404, False),
    Disabled: (404, False),
    AccessDenied: (403, False),
    ReadOnly: (400, False),
    Conflict: (409, False),
    VerificationFailed: (409, False),
    Unavailable: (503, False),
    Busy: (503, False),
    SourceUnavailable: (503, False),
    StreamClosed: (503, False),
    CommitFailed: (500, False),
    TimedOut: (408, True),
}


def make(cls: type[IpcamdError]) -> IpcamdError:
    return VerificationFailed("10.0.0.1") if cls is VerificationFailed else cls(MESSAGE)


def message_of(cls: type[IpcamdError]) -> str:
    return VERIFY_MESSAGE if cls is VerificationFailed else MESSAGE


def reply_of(shape: ReplyShape, cls: type[IpcamdError], action: str | None = None) -> tuple:
    response = shape.reply(make(cls), action)
    assert response.headers["Content-Type"] == "text/plain"
    assert isinstance(response.body, bytes)
    # force_close() sets keep_alive False; otherwise it stays undecided (None) until sent.
    return response.status, response.body, response.keep_alive is False


def all_error_classes() -> set[type[IpcamdError]]:
    found = {IpcamdError}
    pending = [IpcamdError]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub.__module__ == errors.__name__ and sub not in found:
                found.add(sub)
                pending.append(sub)
    return found


def test_the_expectations_cover_every_domain_error() -> None:
    assert set(STATUSES) == all_error_classes()


@pytest.mark.parametrize(
    ("action", "line"),
    [
        (None, "# Error: {}\n"),
        ("list", "# Error: {}\n"),
        ("frobnicate", "# Error: {}\n"),
        ("update", "# Error: {}\r\n"),
        ("add", "# Request failed: {}\n"),
        ("remove", "# Request failed: {}\r\n"),
    ],
)
@pytest.mark.parametrize("cls", list(STATUSES), ids=lambda c: c.__name__)
def test_param_cgi_answers_200_with_the_line_of_its_action(
    cls: type[IpcamdError], action: str | None, line: str
) -> None:
    """5.1.1.2, 5.1.1.6: the failure is in a 200's body; only an unreadable request is a 400."""
    if cls is MalformedRequest:
        assert reply_of(PARAM, cls, action) == (400, b"it failed\n", False)
    elif cls is VerificationFailed and action == "update":
        # An IP filter change through param.cgi that would lock the caller out (issue 9).
        expected = f"# Error: Verification failed: {message_of(cls)}\r\n".encode()
        assert reply_of(PARAM, cls, action) == (200, expected, False)
    else:
        assert reply_of(PARAM, cls, action) == (200, line.format(message_of(cls)).encode(), False)


@pytest.mark.parametrize("cls", list(STATUSES), ids=lambda c: c.__name__)
def test_pwdgrp_answers_200_with_an_error_line(cls: type[IpcamdError]) -> None:
    expected = (
        (400, b"it failed\n", False)
        if cls is MalformedRequest
        else (200, f"# Error: {message_of(cls)}\r\n".encode(), False)
    )
    assert reply_of(PWDGRP, cls) == expected


@pytest.mark.parametrize("cls", list(STATUSES), ids=lambda c: c.__name__)
def test_date_and_ipfilter_answer_200_request_failed(cls: type[IpcamdError]) -> None:
    """5.1.12.2's ``Request failed`` line; 5.7.2's ``Verification failed`` line."""
    if cls is MalformedRequest:
        expected = (400, b"it failed\n", False)
    elif cls is VerificationFailed:
        expected = (200, f"Verification failed: {VERIFY_MESSAGE}\r\n".encode(), False)
    else:
        expected = (200, b"Request failed: it failed\r\n", False)
    assert reply_of(REQUEST_FAILED, cls) == expected


@pytest.mark.parametrize("cls", list(STATUSES), ids=lambda c: c.__name__)
def test_lifecycle_cgis_answer_request_failed_with_a_status(cls: type[IpcamdError]) -> None:
    status, close = STATUSES[cls]
    line = "{}\n" if cls is MalformedRequest else "Request failed: {}\r\n"
    assert reply_of(LIFECYCLE, cls) == (status, line.format(message_of(cls)).encode(), close)


@pytest.mark.parametrize("cls", list(STATUSES), ids=lambda c: c.__name__)
def test_plain_status_codes_carry_the_reason_as_one_line(cls: type[IpcamdError]) -> None:
    status, close = STATUSES[cls]
    assert reply_of(STATUS, cls) == (status, f"{message_of(cls)}\n".encode(), close)


def test_video_errors_map_to_the_spec_statuses() -> None:
    """What the image and video CGIs raise (5.2): 400, 404 (a disabled camera too), 503."""
    assert reply_of(STATUS, InvalidParameter)[0] == 400
    assert reply_of(STATUS, NotFound)[0] == 404
    assert reply_of(STATUS, Disabled)[0] == 404
    assert reply_of(STATUS, Busy)[0] == 503
    assert reply_of(STATUS, StreamClosed)[0] == 503
    assert reply_of(STATUS, SourceUnavailable)[0] == 503


def test_echoed_control_characters_never_split_a_line() -> None:
    error = InvalidParameter("Error setting 'a\nb' to 'c\rd'")
    assert PARAM.reply(error, "update").body == b"# Error: Error setting 'a%0Ab' to 'c%0Dd'\r\n"
    assert PWDGRP.reply(error).body == b"# Error: Error setting 'a%0Ab' to 'c%0Dd'\r\n"
    assert LIFECYCLE.reply(error).body == b"Request failed: Error setting 'a%0Ab' to 'c%0Dd'\r\n"
    assert STATUS.reply(error).body == b"Error setting 'a%0Ab' to 'c%0Dd'\n"


def test_request_failed_quotes_printable_ascii_and_at_most_200_characters() -> None:
    long = InvalidParameter("x" * 300)
    assert REQUEST_FAILED.reply(long).body == b"Request failed: " + b"x" * 200 + b"...\r\n"
    odd = InvalidParameter("caf\u00e9\tbar")
    assert REQUEST_FAILED.reply(odd).body == b"Request failed: caf??bar\r\n"


def test_a_line_can_be_embedded_in_another_reply() -> None:
    """``ipfilter.cgi?action=list&verify=yes`` ends its list with the verification line."""
    line = REQUEST_FAILED.line_for(VerificationFailed("127.0.0.1"))
    assert line == 'Verification failed: IP address "127.0.0.1" is not an accepted address\r\n'


def test_a_shape_without_a_fallback_row_is_refused() -> None:
    with pytest.raises(ValueError, match="IpcamdError"):
        TextShape("{}\n", {NotFound: Row(404)})


def test_the_most_specific_row_wins() -> None:
    shape = TextShape("{}\n", {IpcamdError: Row(400), NotFound: Row(404), Disabled: Row(410)})
    assert shape.row(NotFound("x")).status == 404
    assert shape.row(Disabled("x")).status == 410
    assert shape.row(Conflict("x")).status == 400
