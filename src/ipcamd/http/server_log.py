"""The HTTP server's own log: a malformed request is one warning line, not a traceback.

aiohttp answers a request it cannot parse (an over-long request line or header, a bad status
line, broken chunking…) with a 400 and logs the parser's exception with its full traceback at
ERROR on ``aiohttp.server``. That is the client's mistake, not ours: it becomes one WARNING line
naming the client and the reason. Anything else the server logs (a failing handler, a bug) keeps
its level and traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp.http_exceptions import BadHttpMessage

SERVER_LOGGER = "aiohttp.server"
#: Characters of the parser's reason kept (it quotes the start of what the client sent).
MAX_REASON = 160


def one_line(reason: str) -> str:
    """The parser's reason on one line: whitespace runs collapsed, other control characters
    replaced, cut to :data:`MAX_REASON` characters."""
    flat = " ".join(reason.split())
    flat = "".join(c if c.isprintable() else "?" for c in flat)
    return flat if len(flat) <= MAX_REASON else flat[: MAX_REASON - 3] + "..."


class ServerLog(logging.LoggerAdapter[logging.Logger]):
    """The logger handed to aiohttp's request handler (one per server, no global filter)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        super().__init__(logger or logging.getLogger(SERVER_LOGGER), {})

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        """Turn aiohttp's tracebacks for malformed requests into one warning line."""
        exc = kwargs.get("exc_info")
        # aiohttp logs some of these at DEBUG on purpose (non-HTTP traffic): those stay as they are.
        if isinstance(exc, BadHttpMessage) and level > logging.WARNING:
            client = args[0] if args else "unknown client"
            super().log(
                logging.WARNING,
                "Bad request from %s: %s: %s",
                client,
                type(exc).__name__,
                one_line(str(exc.message)),
            )
            return
        super().log(level, msg, *args, **kwargs)
