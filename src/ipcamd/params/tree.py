"""The parameter tree a unit starts with: every static group and every template.

Later features add their parameters here (data), not to code paths. Access levels follow a real
camera: Brand, Properties, Image, StreamProfile, PTZ and IOPort readable by viewers; Event,
Motion, Audio and GuardTour by operators; Network, Time, Storage and System by admins only.
"""

from __future__ import annotations

from collections.abc import Iterable

from ipcamd.access import AccessLevel
from ipcamd.auth.ipfilter import AddressList
from ipcamd.identity import BUILD_DATE, BUILD_NUMBER, Identity
from ipcamd.params.schema import InitialGroup, ParamSpec, Schema, Template, fixed
from ipcamd.params.types import (
    SPEC_RESOLUTIONS,
    Choice,
    Integer,
    IPv4,
    Netmask,
    ParamType,
    Resolution,
    Text,
    YesNo,
)
from ipcamd.system.timezone import PosixTimeZone

V, OP, A = AccessLevel.VIEWER, AccessLevel.OPERATOR, AccessLevel.ADMIN

NAME = Text(64, r"[^\"'<>&]*", "a name of at most 64 characters without quotes, < > or &")
HOSTNAME = Text(63, r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", "a host name")
ROTATIONS = ("0", "90", "180", "270")


def p(
    name: str,
    type_: ParamType,
    default: str,
    read: AccessLevel,
    write: AccessLevel,
    *,
    keep: bool = False,
    description: str = "",
    aliases: tuple[str, ...] = (),
) -> ParamSpec:
    """Shorthand for a :class:`ParamSpec`; keeps the tables below one line per parameter."""
    return ParamSpec(name, type_, default, read, write, keep, description, aliases)


def _brand(identity: Identity) -> list[ParamSpec]:
    return [
        fixed("Brand", "ipcamd"),
        fixed("ProdFullName", f"ipcamd Software {identity.product_type}"),
        fixed("ProdNbr", "IPCAMD-1" if identity.cameras == 1 else "IPCAMD-4"),
        fixed("ProdShortName", "ipcamd"),
        fixed("ProdType", identity.product_type),
        fixed("ProdVariant", ""),
        fixed("WebURL", "http://ipcamd.local/"),
    ]


def _properties(identity: Identity) -> list[ParamSpec]:
    return [
        fixed("API.HTTP.Version", "3"),
        fixed("API.HTTP.AdminPath", "/"),
        fixed("API.Metadata.Metadata", "yes"),
        fixed("API.Metadata.Version", "1.0"),
        fixed("API.PTZ.Presets.Version", "2.00"),
        fixed("Audio.Audio", "yes"),
        fixed("Audio.Format", "g711,g726"),
        fixed("Audio.DuplexMode", "full,half,post,get"),
        fixed("Firmware.BuildDate", BUILD_DATE),
        fixed("Firmware.BuildNumber", BUILD_NUMBER),
        fixed("Firmware.Version", identity.firmware_version),
        fixed("Image.Format", "jpeg,mjpeg"),
        fixed("Image.NbrOfViews", "1"),
        fixed("Image.Resolution", ",".join(SPEC_RESOLUTIONS)),
        fixed("Image.Rotation", ",".join(ROTATIONS)),
        fixed("IO.Input", "2"),
        fixed("IO.Output", "2"),
        fixed("LocalStorage.LocalStorage", "yes"),
        fixed("Motion.Motion", "yes"),
        fixed("Motion.MaxNbrOfWindows", "10"),
        fixed("PTZ.PTZ", "yes"),
        fixed("PTZ.DigitalPTZ", "yes"),
        fixed("System.Architecture", "python"),
        fixed("System.HardwareID", "1A0"),
        fixed("System.Language", "English"),
        fixed("System.SerialNumber", identity.serial_number),
        fixed("Video.NbrOfInputs", str(identity.cameras)),
    ]


def _network(identity: Identity) -> list[ParamSpec]:
    return [
        p("BootProto", Choice(("dhcp", "none")), "none", A, A, keep=True),
        p("IPAddress", IPv4(), "192.168.0.90", A, A, keep=True),
        p("SubnetMask", Netmask(), "255.255.255.0", A, A, keep=True),
        p("Broadcast", IPv4(), "192.168.0.255", A, A, keep=True),
        p("DefaultRouter", IPv4(), "192.168.0.1", A, A, keep=True),
        p("HostName", HOSTNAME, "ipcamd-" + identity.serial_number[-6:].lower(), A, A),
        fixed("MAC", identity.mac, read=A),
        p("DNSServer1", IPv4(allow_empty=True), "", A, A),
        p("DNSServer2", IPv4(allow_empty=True), "", A, A),
        p("DomainName", Text(255, r"[A-Za-z0-9.-]*", "a domain name"), "", A, A),
        p("HTTP.Port", Integer(1, 65535), "8080", A, A),
        p(
            "HTTP.AuthenticationPolicy",
            Choice(("basic", "digest", "basic_digest")),
            "basic_digest",
            A,
            A,
            description="Which HTTP authentication schemes are offered and accepted.",
        ),
        p("RTSP.Port", Integer(1, 65535), "554", A, A),
        p("Filter.Enabled", YesNo(), "no", A, A, description="The IP filter (ipfilter.cgi)."),
        p("Filter.Input.AcceptAddresses", AddressList(), "", A, A),
        p("Filter.Input.Policy", Choice(("allow", "deny")), "allow", A, A),
    ]


def _image(identity: Identity) -> list[ParamSpec]:
    specs = [
        p("MaxViewers", Integer(0, 1000), "20", V, A, description="0 means no limit."),
        p("DateFormat", Choice(("YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY")), "YYYY-MM-DD", V, OP),
        p("TimeFormat", Choice(("24", "12")), "24", V, OP),
    ]
    for i in range(identity.cameras):
        ap = f"I{i}.Appearance"
        specs += [
            p(f"I{i}.Enabled", YesNo(), "yes", V, OP),
            p(f"I{i}.Name", NAME, f"Camera {i + 1}", V, OP),
            p(f"I{i}.Source", Integer(0, identity.cameras - 1), str(i), V, NOBODY),
            # The spec's names; newer firmware (and the axis library) use the Appearance and
            # Stream spellings, served as aliases of the same settings.
            p(f"I{i}.Resolution", Resolution(), "640x480", V, OP, aliases=(f"{ap}.Resolution",)),
            p(f"I{i}.Compression", Integer(0, 100), "30", V, OP, aliases=(f"{ap}.Compression",)),
            p(
                f"I{i}.FPS",
                Integer(0, 30),
                "0",
                V,
                OP,
                description="0 means as fast as possible.",
                aliases=(f"I{i}.Stream.FPS",),
            ),
            p(f"I{i}.Rotation", Choice(ROTATIONS), "0", V, OP, aliases=(f"{ap}.Rotation",)),
            p(f"I{i}.MirrorEnabled", YesNo(), "no", V, OP, aliases=(f"{ap}.MirrorEnabled",)),
            p(f"I{i}.Text.DateEnabled", YesNo(), "no", V, OP),
            p(f"I{i}.Text.ClockEnabled", YesNo(), "no", V, OP),
            p(f"I{i}.Text.TextEnabled", YesNo(), "no", V, OP),
            p(f"I{i}.Text.String", Text(64), "", V, OP),
            p(f"I{i}.Text.Position", Choice(("top", "bottom")), "top", V, OP),
            p(f"I{i}.Text.TextColor", Choice(("white", "black")), "white", V, OP),
            p(
                f"I{i}.Text.BGColor",
                Choice(("black", "white", "transparent", "semitransparent")),
                "black",
                V,
                OP,
            ),
        ]
    return specs


NOBODY = AccessLevel.NOBODY


def _ptz(identity: Identity) -> list[ParamSpec]:
    specs = [
        fixed("CameraDefault", "1"),
        fixed("NbrOfCameras", str(identity.cameras)),
        fixed("NbrOfSerPorts", "1"),
        p("BoaProtPTZOperator", Choice(("password", "anonymous")), "password", A, A),
    ]
    for i in range(identity.cameras):
        specs.append(fixed(f"CamPorts.Cam{i + 1}Port", "1"))
    for i in range(identity.cameras):
        specs.append(p(f"ImageSource.I{i}.PTZEnabled", Choice(("true", "false")), "true", V, A))
    for i in range(1, identity.cameras + 1):
        specs += [
            fixed(f"Limit.L{i}.MaxPan", "180"),
            fixed(f"Limit.L{i}.MinPan", "-180"),
            fixed(f"Limit.L{i}.MaxTilt", "90"),
            fixed(f"Limit.L{i}.MinTilt", "-90"),
            fixed(f"Limit.L{i}.MaxZoom", "9999"),
            fixed(f"Limit.L{i}.MinZoom", "1"),
            fixed(f"Limit.L{i}.MaxFieldAngle", "62"),
            fixed(f"Limit.L{i}.MinFieldAngle", "6"),
        ]
    supported = {
        "AbsoluteBrightness": "false",
        "AbsoluteFocus": "false",
        "AbsoluteIris": "false",
        "AbsolutePan": "true",
        "AbsoluteTilt": "true",
        "AbsoluteZoom": "true",
        "ActionNotification": "false",
        "AreaZoom": "true",
        "AutoFocus": "false",
        "AutoIrCutFilter": "false",
        "AutoIris": "false",
        "Auxiliary": "false",
        "BackLight": "false",
        "ContinuousBrightness": "false",
        "ContinuousFocus": "false",
        "ContinuousIris": "false",
        "ContinuousPan": "true",
        "ContinuousTilt": "true",
        "ContinuousZoom": "true",
        "DevicePreset": "false",
        "DigitalZoom": "true",
        "GenericHTTP": "false",
        "IrCutFilter": "false",
        "JoyStickEmulation": "false",
        "LensOffset": "false",
        "OSDMenu": "false",
        "ProportionalSpeed": "false",
        "RelativeBrightness": "false",
        "RelativeFocus": "false",
        "RelativeIris": "false",
        "RelativePan": "true",
        "RelativeTilt": "true",
        "RelativeZoom": "true",
        "ServerPreset": "true",
        "SpeedCtl": "true",
    }
    for i in range(1, identity.cameras + 1):
        specs += [fixed(f"Support.S{i}.{name}", value) for name, value in supported.items()]
    for i in range(1, identity.cameras + 1):
        specs += [
            fixed(f"Various.V{i}.CtlQueueing", "false"),
            fixed(f"Various.V{i}.CtlQueueLimit", "20"),
            fixed(f"Various.V{i}.CtlQueuePollTime", "20"),
            p(f"Various.V{i}.HomePresetSet", Choice(("true", "false")), "false", V, NOBODY),
            p(f"Various.V{i}.Locked", Choice(("true", "false")), "false", V, OP),
            p(f"Various.V{i}.PanEnabled", Choice(("true", "false")), "true", V, OP),
            p(f"Various.V{i}.TiltEnabled", Choice(("true", "false")), "true", V, OP),
            p(f"Various.V{i}.ZoomEnabled", Choice(("true", "false")), "true", V, OP),
            p(f"Various.V{i}.SpeedCtlEnabled", Choice(("true", "false")), "true", V, OP),
        ]
    return specs


def _io_port() -> list[ParamSpec]:
    specs: list[ParamSpec] = []
    for i, direction in enumerate(("input", "input", "output", "output")):
        specs += [
            fixed(f"I{i}.Configurable", "no"),
            fixed(f"I{i}.Direction", direction),
        ]
        if direction == "input":
            specs += [
                p(f"I{i}.Input.Name", NAME, f"Input {i + 1}", V, OP),
                p(f"I{i}.Input.Trig", Choice(("closed", "open")), "closed", V, OP),
            ]
        else:
            specs += [
                p(f"I{i}.Output.Name", NAME, f"Output {i - 1}", V, OP),
                p(f"I{i}.Output.Active", Choice(("closed", "open")), "closed", V, OP),
                p(f"I{i}.Output.Button", Choice(("none", "pulse", "actinact")), "none", V, OP),
                p(f"I{i}.Output.PulseTime", Integer(0, 65535), "0", V, OP),
            ]
    return specs


def _audio() -> list[ParamSpec]:
    return [
        p("A0.Enabled", YesNo(), "yes", OP, OP),
        p("A0.Name", NAME, "Audio", OP, OP),
        p("DuplexMode", Choice(("full", "half", "post", "get")), "full", OP, OP),
        p("MaxListeners", Integer(0, 100), "20", OP, A),
        p("ReceiverTimeout", Integer(1, 3600), "30", OP, OP),
    ]


def _time() -> list[ParamSpec]:
    return [
        p("SyncSource", Choice(("NTP", "host", "none")), "none", A, A),
        p("ObtainFromDHCP", YesNo(), "no", A, A),
        p("TimeZone", Text(64, r"[A-Za-z0-9_+:/-]*", "a time zone name"), "GMT", A, A),
        p("POSIXTimeZone", PosixTimeZone(), "GMT0", A, A, description="Local time's rule."),
        p("DST.Enabled", YesNo(), "no", A, A),
        p("NTP.Server", Text(255, r"[A-Za-z0-9.:-]*", "a host name or address"), "", A, A),
    ]


def _storage() -> list[ParamSpec]:
    return [
        fixed("S0.DiskID", "SD_DISK", read=OP),
        p("S0.CleanupLevel", Integer(0, 99), "95", OP, A),
        p("S0.CleanupMaxAge", Integer(0, 3650), "1", OP, A),
        p("S0.CleanupPolicy", Choice(("none", "fifo")), "none", OP, A),
        p("S0.Locked", YesNo(), "no", OP, A),
    ]


EVENT_UNITS = Choice(("ms", "s", "m", "h"))


def _event_template() -> Template:
    o = OP
    return Template(
        "event",
        "Event",
        (
            p("Name", NAME, "", o, o),
            p("Type", Choice(("T", "S")), "T", o, o),
            p("Enabled", YesNo(), "yes", o, o),
            p("Active", YesNo(), "no", o, o),
            p("Priority", Integer(0, 2), "1", o, o),
            p("Image", Text(4, r"[1-4]|quad", "1-4 or quad"), "1", o, o),
            p("HWInputs", Text(8, r"[01x]{1,8}", "a pattern of 0, 1 and x"), "xxxx", o, o),
            p("SWInput", Text(64, r"[A-Za-z0-9:,._-]*", "a trigger expression"), "", o, o),
            p("Weekdays", Text(7, r"[01]{7}", "seven 0/1 flags"), "1111111", o, o),
            p("Starttime", Text(5, r"([01][0-9]|2[0-3]):[0-5][0-9]", "HH:MM"), "00:00", o, o),
            p("Duration", Integer(0, 168), "0", o, o),
            p("ImageURLSettingsEnabled", YesNo(), "no", o, o),
            p("ImageURLSettings", Text(255), "", o, o),
            p("IncludePreTrigger", YesNo(), "no", o, o),
            p("PreTriggerSize", Integer(0, 100000), "0", o, o),
            p("PreTriggerInterval", Integer(0, 3600000), "1000", o, o),
            p("PreTriggerIntervalUnit", EVENT_UNITS, "s", o, o),
            p("PreTriggerUnit", EVENT_UNITS, "s", o, o),
            p("IncludePostTrigger", YesNo(), "no", o, o),
            p("PostTriggerSize", Integer(0, 100000), "0", o, o),
            p("PostTriggerInterval", Integer(0, 3600000), "1000", o, o),
            p("PostTriggerIntervalUnit", EVENT_UNITS, "s", o, o),
            p("PostTriggerUnit", EVENT_UNITS, "s", o, o),
            p("IncludeBestEffort", YesNo(), "no", o, o),
            p("BestEffortInterval", Integer(0, 3600000), "1000", o, o),
            p("BestEffortDuration", Integer(0, 3600000), "0", o, o),
            p("BestEffortIntervalUnit", EVENT_UNITS, "s", o, o),
            p("BestEffortDurationUnit", EVENT_UNITS, "s", o, o),
            p("FileName", Text(64, r"[A-Za-z0-9._-]+", "a file name"), "image.jpg", o, o),
            p(
                "Suffix",
                Text(64, r"[A-Za-z0-9%_.:-]*", "a strftime-style suffix"),
                "%y-%m-%d_%H-%M-%S-%f",
                o,
                o,
            ),
            p("MaxSequenceNumber", Integer(-100000, 100000), "-100", o, o),
        ),
    )


def _motion_template(identity: Identity) -> Template:
    o = OP
    coordinate = Integer(0, 9999)
    return Template(
        "motion",
        "Motion",
        (
            p("Name", NAME, "", o, o),
            p("ImageSource", Integer(0, identity.cameras - 1), "0", o, o),
            p("Left", coordinate, "0", o, o),
            p("Right", coordinate, "9999", o, o),
            p("Top", coordinate, "0", o, o),
            p("Bottom", coordinate, "9999", o, o),
            p("WindowType", Choice(("include", "exclude")), "include", o, o),
            p("Sensitivity", Integer(0, 100), "90", o, o),
            p("History", Integer(0, 100), "90", o, o),
            p("ObjectSize", Integer(0, 100), "15", o, o),
        ),
    )


STREAM_PARAMETERS = Text(
    255, r"([A-Za-z_]+=[A-Za-z0-9_.,:%-]*)?(&[A-Za-z_]+=[A-Za-z0-9_.,:%-]*)*", "a query string"
)


def _stream_profile_template() -> Template:
    return Template(
        "streamprofile",
        "StreamProfile",
        (
            p("Name", Text(32, r"[A-Za-z0-9_-]*", "letters, digits, _ and -"), "", V, OP),
            p("Description", Text(128, r"[^\"'<>&]*", "text without quotes, < > or &"), "", V, OP),
            p("Parameters", STREAM_PARAMETERS, "", V, OP),
        ),
        limit=26,
    )


def _preset_template() -> Template:
    o = OP
    return Template(
        "presetpos",
        "PTZ.PresetPos",
        (
            p("Name", NAME, "", V, o),
            p("ImageSource", Integer(0, 3), "0", V, o),
            p("Position", Integer(1, 100), "1", V, o),
            p("Pan", Text(16, r"-?[0-9]{1,3}(\.[0-9]{1,4})?", "degrees"), "0", V, o),
            p("Tilt", Text(16, r"-?[0-9]{1,3}(\.[0-9]{1,4})?", "degrees"), "0", V, o),
            p("Zoom", Integer(1, 9999), "1", V, o),
            p("Home", YesNo(), "no", V, o),
        ),
        limit=100,
    )


def _guard_tour_templates() -> list[Template]:
    o = OP
    return [
        Template(
            "guardtour",
            "GuardTour",
            (
                p("Name", NAME, "", o, o),
                p("CamNbr", Integer(1, 4), "1", o, o),
                p("Running", YesNo(), "no", o, o),
                p("RandomEnabled", YesNo(), "no", o, o),
                p("TimeBetweenSequences", Integer(0, 86400), "0", o, o),
            ),
        ),
        Template(
            "tour",
            "GuardTour.G#.Tour",
            (
                p("PresetNbr", Integer(1, 100), "1", o, o),
                p("Position", Integer(1, 100), "1", o, o),
                p("MoveSpeed", Integer(1, 100), "70", o, o),
                p("WaitTime", Integer(0, 86400), "10", o, o),
                p("WaitTimeViewType", Choice(("Seconds", "Minutes")), "Seconds", o, o),
            ),
            limit=100,
        ),
    ]


def _declare(schema: Schema, prefix: str, specs: Iterable[ParamSpec]) -> None:
    schema.add_group(prefix, specs)


def build_schema(identity: Identity) -> Schema:
    """The whole tree for a unit with ``identity``: static groups, then templates."""
    schema = Schema()
    _declare(schema, "Brand", _brand(identity))
    _declare(schema, "Properties", _properties(identity))
    _declare(schema, "Network", _network(identity))
    _declare(schema, "Image", _image(identity))
    _declare(schema, "StreamProfile", [fixed("MaxGroups", "26")])
    _declare(schema, "PTZ", _ptz(identity))
    _declare(schema, "IOPort", _io_port())
    _declare(schema, "Input", [fixed("NbrOfInputs", "2")])
    _declare(schema, "Output", [fixed("NbrOfOutputs", "2")])
    _declare(schema, "Audio", _audio())
    _declare(
        schema, "AudioSource", [p("A0.AudioEncoding", Choice(("g711", "g726")), "g711", OP, OP)]
    )
    _declare(
        schema,
        "Audiod",
        [p("HttpMessageType", Choice(("singlepart", "multipart")), "singlepart", OP, OP)],
    )
    _declare(schema, "Time", _time())
    _declare(schema, "Storage", _storage())

    schema.add_template(_event_template())
    schema.add_template(_motion_template(identity))
    schema.add_template(_stream_profile_template())
    schema.add_template(_preset_template())
    for template in _guard_tour_templates():
        schema.add_template(template)

    schema.initial_groups += [
        InitialGroup(
            "StreamProfile",
            "streamprofile",
            {
                "Name": "Quality",
                "Description": "Best image quality",
                "Parameters": "resolution=1280x1024&compression=20",
            },
        ),
        InitialGroup(
            "StreamProfile",
            "streamprofile",
            {
                "Name": "Balanced",
                "Description": "Balanced quality and bandwidth",
                "Parameters": "resolution=640x480&compression=30&fps=15",
            },
        ),
        InitialGroup(
            "StreamProfile",
            "streamprofile",
            {
                "Name": "Bandwidth",
                "Description": "Low bandwidth",
                "Parameters": "resolution=320x240&compression=50&fps=10",
            },
        ),
        InitialGroup(
            "StreamProfile",
            "streamprofile",
            {
                "Name": "Mobile",
                "Description": "For mobile clients",
                "Parameters": "resolution=160x120&compression=60&fps=5",
            },
        ),
    ]
    return schema
