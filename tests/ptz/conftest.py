"""The PTZ tests' fixtures: a Pelco-D dome on a pseudo-terminal."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.ptz.dome import Dome


@pytest.fixture
async def dome() -> AsyncIterator[Dome]:
    """A dome at address 1 that does not answer position queries (as many do not)."""
    head = Dome()
    yield head
    head.close()
