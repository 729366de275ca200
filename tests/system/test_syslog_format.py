"""The system log's pure helpers: severities, one-line messages, the line format."""

from __future__ import annotations

import logging

from ipcamd.system.syslog import MAX_MESSAGE, format_line, one_line, severity


def test_severities_follow_syslog_names() -> None:
    assert severity(logging.DEBUG) == "debug"
    assert severity(logging.INFO) == "info"
    assert severity(logging.INFO + 5) == "info"
    assert severity(logging.WARNING) == "warning"
    assert severity(logging.ERROR) == "err"
    assert severity(logging.CRITICAL) == "crit"


def test_a_message_can_never_add_a_line() -> None:
    assert one_line("a\r\nforged 2026-01-01 line\x00x\x7f") == "a forged 2026-01-01 line x"
    assert len(one_line("x" * 5000)) == MAX_MESSAGE + 3


def test_line_format() -> None:
    assert (
        format_line("2026-11-26T01:02:03.123+00:00", "ipcamd-abc123", 1234, "info", "Booted")
        == "2026-11-26T01:02:03.123+00:00 ipcamd-abc123 ipcamd[1234]: <info> Booted"
    )
