"""The composition root: builds every service of a unit, starts them in order, stops in reverse."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ipcamd.auth.authenticator import Authenticator, Policy
from ipcamd.auth.passwords import generate_password
from ipcamd.auth.throttle import LoginThrottle
from ipcamd.auth.users import UserStore
from ipcamd.config import Config
from ipcamd.db import Database
from ipcamd.identity import Identity, generate_mac
from ipcamd.params.store import ParamStore
from ipcamd.params.tree import build_schema
from ipcamd.video.service import VideoService

_LOGGER = logging.getLogger(__name__)


@dataclass
class _Service:
    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]


class Device:
    """One unit: its database, identity, parameters, users and (as they arrive) services."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.db = Database(config.database_path)
        mac = self.db.get_meta("identity.mac")
        if mac is None:
            mac = generate_mac()
            self.db.set_meta("identity.mac", mac)
        secret_hex = self.db.get_meta("auth.secret")
        if secret_hex is None:
            secret_hex = secrets.token_hex(32)
            self.db.set_meta("auth.secret", secret_hex)
        self.identity = Identity(mac=mac, cameras=config.cameras)
        self.schema = build_schema(self.identity)
        self.params = ParamStore(self.schema, self.db)
        self.users = UserStore(self.db, realm=f"ipcamd_{self.identity.serial_number}")
        #: The root password when this start created or set it (printed once by the CLI).
        self.new_root_password: str | None = None
        if config.root_password is not None:
            self.users.set_root_password(config.root_password)
        elif not self.users.has_root:
            self.new_root_password = generate_password()
            self.users.set_root_password(self.new_root_password)
        self.authenticator = Authenticator(
            self.users,
            bytes.fromhex(secret_hex),
            self._auth_policy,
            LoginThrottle(
                config.auth_max_failures, config.auth_failure_window, config.auth_lockout
            ),
            nonce_lifetime=config.nonce_lifetime,
        )
        self._services: list[_Service] = []
        self._started: list[_Service] = []
        self.video = VideoService(self.params, config.cameras, config.sources, config.seed)
        self.add_service("video", self.video.start, self.video.stop)

    def _auth_policy(self) -> Policy:
        return Policy(self.params.get("Network.HTTP.AuthenticationPolicy"))

    def add_service(
        self, name: str, start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]
    ) -> None:
        """Register a service; services start in registration order and stop in reverse."""
        self._services.append(_Service(name, start, stop))

    async def start(self) -> None:
        """Start every registered service."""
        for service in self._services:
            _LOGGER.debug("Starting %s", service.name)
            await service.start()
            self._started.append(service)

    async def stop(self) -> None:
        """Stop the started services in reverse order; a failing stop does not stop the rest."""
        while self._started:
            service = self._started.pop()
            try:
                await service.stop()
            except Exception:
                _LOGGER.exception("Stopping %s failed", service.name)

    def close(self) -> None:
        """Close the database (after :meth:`stop`)."""
        self.db.close()
