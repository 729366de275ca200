"""The system family's parameters: Brand, the unit's network identity, Time, and what the unit
says about itself in ``Properties`` (its HTTP API, firmware, serial number)."""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.identity import BUILD_DATE, BUILD_NUMBER, Identity
from ipcamd.params.schema import ParamSpec, SchemaPart, fixed, param
from ipcamd.params.types import Choice, Integer, IPv4, Netmask, Text, YesNo
from ipcamd.system.timezone import PosixTimeZone

A = AccessLevel.ADMIN

HOSTNAME = Text(63, r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", "a host name")


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
        # API.Metadata.* (the RTSP metadata stream) is declared by the RTSP front end's schema.
        fixed("Firmware.BuildDate", BUILD_DATE),
        fixed("Firmware.BuildNumber", BUILD_NUMBER),
        fixed("Firmware.Version", identity.firmware_version),
        fixed("System.Architecture", "python"),
        fixed("System.HardwareID", "1A0"),
        fixed("System.Language", "English"),
        fixed("System.SerialNumber", identity.serial_number),
    ]


def _network(identity: Identity) -> list[ParamSpec]:
    """The network identity (kept by a soft factory default, 5.1.3) and the HTTP port."""
    return [
        param("BootProto", Choice(("dhcp", "none")), "none", A, A, keep=True),
        param("IPAddress", IPv4(), "192.168.0.90", A, A, keep=True),
        param("SubnetMask", Netmask(), "255.255.255.0", A, A, keep=True),
        param("Broadcast", IPv4(), "192.168.0.255", A, A, keep=True),
        param("DefaultRouter", IPv4(), "192.168.0.1", A, A, keep=True),
        param("HostName", HOSTNAME, "ipcamd-" + identity.serial_number[-6:].lower(), A, A),
        fixed("MAC", identity.mac, read=A),
        param("DNSServer1", IPv4(allow_empty=True), "", A, A),
        param("DNSServer2", IPv4(allow_empty=True), "", A, A),
        param("DomainName", Text(255, r"[A-Za-z0-9.-]*", "a domain name"), "", A, A),
        param("HTTP.Port", Integer(1, 65535), "8080", A, A),
    ]


def _time() -> list[ParamSpec]:
    return [
        param("SyncSource", Choice(("NTP", "host", "none")), "none", A, A),
        param("ObtainFromDHCP", YesNo(), "no", A, A),
        param("TimeZone", Text(64, r"[A-Za-z0-9_+:/-]*", "a time zone name"), "GMT", A, A),
        param("POSIXTimeZone", PosixTimeZone(), "GMT0", A, A, description="Local time's rule."),
        param("DST.Enabled", YesNo(), "no", A, A),
        param("NTP.Server", Text(255, r"[A-Za-z0-9.:-]*", "a host name or address"), "", A, A),
    ]


def schema_part(identity: Identity) -> SchemaPart:
    """Brand, Network (identity), Time, and the unit's own Properties lines."""
    return SchemaPart(
        groups={"Brand": _brand(identity), "Network": _network(identity), "Time": _time()},
        properties=_properties(identity),
    )
