"""The composition root: builds every service of a unit, starts them in order, stops in reverse."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ipcamd import __version__
from ipcamd.audio import schema as audio_schema
from ipcamd.audio.service import AudioService
from ipcamd.audio.sinks import WavFiles
from ipcamd.audio.sources.inputs import audio_uri_for
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
from ipcamd.io.ports import IOLayout
from ipcamd.io.service import IOService
from ipcamd.io.setup import build_backend, io_layout
from ipcamd.io.virtual_inputs import VirtualInputs
from ipcamd.motion import schema as motion_schema
from ipcamd.motion.service import MotionService
from ipcamd.params.schema import Schema, assemble
from ipcamd.params.store import ParamChange, ParamStore
from ipcamd.ptz import schema as ptz_schema
from ipcamd.ptz.service import PTZService
from ipcamd.ptz.spec import DriverSpec, parse_specs
from ipcamd.rtsp import schema as rtsp_schema
from ipcamd.rules import schema as rules_schema
from ipcamd.storage import schema as storage_schema
from ipcamd.storage.disk import Disk
from ipcamd.storage.feeds import FrameStream
from ipcamd.storage.maintenance import Maintenance
from ipcamd.storage.service import DeviceTime, StorageService
from ipcamd.system import schema as system_schema
from ipcamd.system.audit import log_parameter_change
from ipcamd.system.backup import backup_key
from ipcamd.system.clock import Clock
from ipcamd.system.config_tables import ConfigTables
from ipcamd.system.firmware.updater import FirmwareUpdater
from ipcamd.system.lifecycle import RestartRequest
from ipcamd.system.syslog import SystemLog
from ipcamd.video import schema as video_schema
from ipcamd.video.service import VideoService
from ipcamd.video.view import Window

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
    "Recording",
    "Event",
    "Motion",
    "GuardTour",
    "System",
)


def build_schema(identity: Identity, ptz: Mapping[int, DriverSpec] | None = None) -> Schema:
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
            ptz_schema.schema_part(identity, ptz),
            io_schema.schema_part(identity),
            audio_schema.schema_part(identity),
            storage_schema.schema_part(identity),
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
        layout = io_layout(config)
        self.identity = Identity(
            mac=mac, cameras=config.cameras, io_inputs=layout.inputs, io_outputs=layout.outputs
        )
        ptz_specs = parse_specs(config.ptz, config.cameras)
        #: Runtime events of this unit (ports, motion, PTZ, recordings, boot, changed groups).
        self.bus = EventBus()
        self.schema = build_schema(self.identity, ptz_specs)
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
                config.auth_max_failures,
                config.auth_failure_window,
                config.auth_lockout,
                account_max_failures=config.auth_account_max_failures,
            ),
            nonce_lifetime=config.nonce_lifetime,
        )
        #: Signs this unit's backups (derived from its secret; see system/backup.py).
        self.backup_key = backup_key(bytes.fromhex(secret_hex))
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
        self._build_families(config, layout, ptz_specs, mac)

    def _build_families(
        self, config: Config, layout: IOLayout, ptz_specs: Mapping[int, DriverSpec], mac: str
    ) -> None:
        """The families, in the order they start: video first (motion, storage and PTZ use
        it), then what only needs the store and the bus."""
        self.video = VideoService(
            self.params,
            config.cameras,
            config.sources,
            config.seed,
            lambda host_ts: self.clock.to_local(self.clock.from_host(host_ts)),
        )
        self.add_service("video", self.video.start, self.video.stop)
        #: Digital inputs and outputs (port.cgi, input.cgi, output.cgi; PortChanged events).
        self.io = IOService(self.params, self.bus, layout, build_backend(config))
        self.add_service("I/O", self.io.start, self.io.stop)
        #: Virtual inputs 1-32 (virtualinput/*.cgi; VirtualInputChanged events).
        self.virtual_inputs = VirtualInputs(self.bus)
        self.add_service("virtual inputs", self.virtual_inputs.start, self.virtual_inputs.stop)
        self.audio = AudioService(
            self.params,
            {
                n: audio_uri_for(n, config.audio_sources, config.sources)
                for n in range(1, config.cameras + 1)
            },
            config.audio_sink,
            WavFiles(
                config.data_dir / "audio", config.audio_wav_keep, config.audio_wav_max_seconds
            ),
        )
        self.add_service("audio", self.audio.start, self.audio.stop)
        #: Motion windows, a detector per camera that has one, motiondata.cgi's streams.
        self.motion = MotionService(
            self.params,
            self.bus,
            self.video.open_frames,
            cameras=config.cameras,
            fps=config.motion_fps,
            max_clients=config.motion_max_clients,
        )
        self.add_service("motion", self.motion.start, self.motion.stop)
        self.storage = StorageService(
            params=self.params,
            db=self.db,
            bus=self.bus,
            disk=Disk(config.sd_path, config.sd_limit),
            source=self._recorder_stream,
            clock=DeviceTime(
                from_host=lambda host_ts: self.clock.from_host(host_ts).timestamp(),
                local=lambda when: self.clock.to_local(datetime.fromtimestamp(when, UTC)),
                now=self.clock.timestamp,
            ),
            node=int(mac.replace(":", ""), 16),
        )
        self.storage_maintenance = Maintenance(self.storage, self.params, config.cameras)
        self.add_service("storage", self._start_storage, self._stop_storage)
        #: PTZ heads: digital ones move the camera's view, Pelco-D ones a serial line.
        self.ptz = PTZService(
            self.params,
            self.bus,
            cameras=config.cameras,
            specs=ptz_specs,
            show_window=self._show_ptz_window,
            image_size=lambda camera: self.video.options(str(camera), {}).spec.output_size,
        )
        self.add_service("ptz", self.ptz.start, self.ptz.stop)

    def _recorder_stream(self, camera: int, options: Mapping[str, str], name: str) -> FrameStream:
        """The recorder's internal consumer: a camera's JPEG frames with ``options`` over its
        settings (the storage family does not import video)."""
        spec = self.video.options(str(camera), options).spec
        return self.video.open_encoded(spec, name=name)

    async def _start_storage(self) -> None:
        await self.storage.start()
        self.storage_maintenance.start()

    async def _stop_storage(self) -> None:
        await self.storage_maintenance.stop()
        await self.storage.stop()

    def _show_ptz_window(self, camera: int, x: float, y: float, zoom: float, at_once: bool) -> None:
        """Digital PTZ: the camera's view window, centred on (x, y) and ``zoom`` times closer
        (``at_once``: in the current picture too, else from the source's next frame)."""
        self.video.view(camera).set_window(Window.centred(x, y, zoom), republish=at_once)

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
