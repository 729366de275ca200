"""URLs as logs may show them: without a password (a source URI may carry credentials).

Core, so every family that opens a network source masks passwords the same way.
"""

from __future__ import annotations


def redact(uri: str) -> str:
    """``uri`` without a password: ``rtsp://admin:***@host/path``."""
    scheme, sep, rest = uri.partition("://")
    authority, slash, path = rest.partition("/")
    credentials, at, host = authority.rpartition("@")
    if sep and at and ":" in credentials:
        return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{host}{slash}{path}"
    return uri
