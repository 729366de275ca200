"""The composition root: builds every service of a unit, starts them in order, stops in reverse."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ipcamd import __version__
from ipcamd.audio import schema as audio_schema
from ipcamd.auth import schema as auth_schema
from ipcamd.auth.authenticator import Authenticator, Policy
from ipcamd.auth.ipfilter import IPFilter
from ipcamd.auth.passwords import generate_password
from ipcamd.auth.throttle import LoginThrottle
from ipcamd.auth.users import UserStore
from ipcamd.config import Config
from ipcamd.db import Database
from ipcamd.events import Booted, EventBus, ParamGroupChanged
from ipcamd.identity import Identity, generate_mac
from ipcamd.io import schema as io_schema
from ipcamd.motion import schema as motion_schema
from ipcamd.params.schema import Schema, assemble
from ipcamd.params.store import ParamChange, ParamStore
from ipcamd.ptz import schema as ptz_schema
from ipcamd.rtsp import schema as rtsp_schema
from ipcamd.rules import schema as rules_schema
from ipcamd.storage import schema as storage_schema
from ipcamd.system import schema as system_schema
from ipcamd.system.audit import log_parameter_change
from ipcamd.system.clock import Clock
from ipcamd.system.config_tables import ConfigTables
from ipcamd.system.firmware.updater import FirmwareUpdater
from ipcamd.system.lifecycle import RestartRequest
from ipcamd.system.syslog import SystemLog
from ipcamd.video import schema as video_schema
from ipcamd.video.service import VideoService

_LOGGER = logging.getLogger(__name__)


@dataclass
class _Service:
    name: str
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]


async def _nothing() -> None:
    """A service step with nothing to do."""


#: The top-level groups in listing order (a full listing, ``root.``, shows them so).
ROOT_ORDER = (
    "Brand",
    "Properties",
    "Network",
    "Image",
    "StreamProfile",
    "PTZ",
    "IOPort",
    "Input",
    "Output",
    "Audio",
    "AudioSource",
    "Audiod",
    "Time",
    "Storage",
    "Event",
    "Motion",
    "GuardTour",
)


def build_schema(identity: Identity) -> Schema:
    """The whole parameter tree of a unit: every family's part, assembled in one place.

    A family declares its groups in its own ``schema.py``; adding a family is one line here
    (and its top-level groups in :data:`ROOT_ORDER`). Parts that share a group (``Network``:
    system, then auth) list in this order.
    """
    return assemble(
        [
            system_schema.schema_part(identity),
            auth_schema.schema_part(),
            video_schema.schema_part(identity),
            ptz_schema.schema_part(identity),
            io_schema.schema_part(),
            audio_schema.schema_part(),
            storage_schema.schema_part(),
            rules_schema.schema_part(),
            motion_schema.schema_part(identity),
            rtsp_schema.schema_part(),
        ],
        ROOT_ORDER,
    )


def group_changes(change: ParamChange) -> list[ParamGroupChanged]:
    """``change`` as one :class:`ParamGroupChanged` per top-level group, in order first touched."""
    by_group: dict[str, tuple[list[str], list[str], list[str]]] = {}

    def entry(name: str) -> tuple[list[str], list[str], list[str]]:
        return by_group.setdefault(name.split(".", 1)[0], ([], [], []))

    for name in change.values:
        entry(name)[0].append(name)
    for path in change.added:
        entry(path)[1].append(path)
    for path in change.removed:
        entry(path)[2].append(path)
    return [
        ParamGroupChanged(group, tuple(names), tuple(added), tuple(removed), change.user)
        for group, (names, added, removed) in by_group.items()
    ]


class Device:
    """One unit: its database, identity, parameters, users and (as they arrive) services."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.db = Database(config.database_path)
        try:
            self._build(config)
        except BaseException:
            self.db.close()  # a unit that cannot be built leaves no database thread behind
            raise

    def _build(self, config: Config) -> None:
        mac = self.db.get_meta("identity.mac")
        if mac is None:
            mac = generate_mac()
            self.db.set_meta("identity.mac", mac)
        secret_hex = self.db.get_meta("auth.secret")
        if secret_hex is None:
            secret_hex = secrets.token_hex(32)
            self.db.set_meta("auth.secret", secret_hex)
        self.identity = Identity(mac=mac, cameras=config.cameras)
        #: Runtime events of this unit (ports, motion, PTZ, recordings, boot, changed groups).
        self.bus = EventBus()
        self.schema = build_schema(self.identity)
        self.params = ParamStore(self.schema, self.db)
        self.params.subscribe("", self._announce_change)
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
        self.clock = Clock(self.params, self.db)
        self.ip_filter = IPFilter(self.params)
        self.syslog = SystemLog(self.db, self.clock, lambda: self.params.get("Network.HostName"))
        self.params.subscribe("", log_parameter_change)
        if config.no_ip_filter:
            self._switch_ip_filter_off()
        self._services: list[_Service] = []
        self._started: list[_Service] = []
        self.add_service("system log", self.syslog.start, self.syslog.stop)
        self.add_service("clock", _nothing, self.clock.async_stop)
        #: Tables services declare as configuration (hard factory default, backup, restore).
        self.config_tables = ConfigTables()
        self._restart_handler: Callable[[RestartRequest], None] | None = None
        self.firmware = FirmwareUpdater(config.data_dir)
        self.video = VideoService(
            self.params,
            config.cameras,
            config.sources,
            config.seed,
            lambda host_ts: self.clock.to_local(self.clock.from_host(host_ts)),
        )
        self.add_service("video", self.video.start, self.video.stop)

    def _switch_ip_filter_off(self) -> None:
        """``--no-ip-filter``: the way back in after a lock-out, through the store (persisted,
        logged, the filter follows at once); the address list and policy are kept."""
        if self.params.get_bool("Network.Filter.Enabled"):
            self.params.update([("Network.Filter.Enabled", "no")], user="command line")
            _LOGGER.warning("IP filter switched off at start-up (--no-ip-filter)")

    def _announce_change(self, change: ParamChange) -> None:
        """Configuration changes reach runtime listeners as one event per top-level group."""
        for event in group_changes(change):
            self.bus.publish(event)

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
        _LOGGER.info("ipcamd %s started (serial %s)", __version__, self.identity.serial_number)
        self.bus.publish(Booted(self.identity.firmware_version, self.identity.serial_number))

    async def stop(self) -> None:
        """Stop the started services in reverse order; a failing stop does not stop the rest."""
        if self._started:
            _LOGGER.info("ipcamd stopping")
        while self._started:
            service = self._started.pop()
            try:
                await service.stop()
            except Exception:
                _LOGGER.exception("Stopping %s failed", service.name)
        self.bus.close()

    def set_restart_handler(self, handler: Callable[[RestartRequest], None]) -> None:
        """Who carries out restart requests (the server that runs this device)."""
        self._restart_handler = handler

    @property
    def can_restart(self) -> bool:
        """True when a server runs this device and will carry out restart requests."""
        return self._restart_handler is not None

    def request_restart(self, request: RestartRequest) -> None:
        """Ask the server to restart (after the current reply); ignored when nothing runs it."""
        if self._restart_handler is None:
            _LOGGER.warning("Restart (%s) requested but no server runs this device", request.reason)
            return
        _LOGGER.info("Restart requested: %s", request.reason)
        self._restart_handler(request)

    def close(self) -> None:
        """Close the database (after :meth:`stop`)."""
        self.db.close()
