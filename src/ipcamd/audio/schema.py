"""The audio family's parameters and its ``Properties`` lines."""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.params.schema import ParamSpec, SchemaPart, fixed, param
from ipcamd.params.types import NAME, Choice, Integer, YesNo

OP, A = AccessLevel.OPERATOR, AccessLevel.ADMIN


def _properties() -> list[ParamSpec]:
    """No audio is served yet: ``no``, and no formats or duplex modes to list. The audio issue
    switches it on and adds ``Audio.Format`` and ``Audio.DuplexMode``."""
    return [fixed("Audio.Audio", "no")]


def schema_part() -> SchemaPart:
    """``Audio``, ``AudioSource``, ``Audiod`` and the audio Properties lines."""
    return SchemaPart(
        groups={
            "Audio": [
                param("A0.Enabled", YesNo(), "yes", OP, OP),
                param("A0.Name", NAME, "Audio", OP, OP),
                param("DuplexMode", Choice(("full", "half", "post", "get")), "full", OP, OP),
                param("MaxListeners", Integer(0, 100), "20", OP, A),
                param("ReceiverTimeout", Integer(1, 3600), "30", OP, OP),
            ],
            "AudioSource": [
                param("A0.AudioEncoding", Choice(("g711", "g726")), "g711", OP, OP),
            ],
            "Audiod": [
                param("HttpMessageType", Choice(("singlepart", "multipart")), "singlepart", OP, OP),
            ],
        },
        properties=_properties(),
    )
