"""The audio family's parameters and its ``Properties`` lines.

Shaped like a real Axis unit's (the listings recorded in the ``axis`` library's tests):
``Audio`` holds the unit's limits and one configuration per camera (``Audio.A<n>``: enabled,
name, which input feeds it), ``AudioSource.A<n>`` one input per camera (encoding, G.726 bit
rate, input gain), and ``Audiod`` the spec's ``HttpMessageType`` and the G.726 bit packing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipcamd.access import AccessLevel
from ipcamd.errors import InvalidParameter
from ipcamd.identity import Identity
from ipcamd.params.schema import ParamSpec, SchemaPart, fixed, param
from ipcamd.params.types import NAME, Choice, Integer, ParamType, YesNo

OP, NOBODY = AccessLevel.OPERATOR, AccessLevel.NOBODY

#: Input gain range in dB (``mute`` is also accepted).
GAIN_MIN, GAIN_MAX = -30, 30
MUTE = "mute"
DUPLEX_MODES = ("full", "half", "post", "get")


@dataclass(frozen=True)
class Gain(ParamType):
    """An input gain: whole dB from -30 to 30, or ``mute``."""

    def validate(self, raw: str) -> str:
        """The canonical gain (``+6`` → ``6``)."""
        if raw == MUTE:
            return raw
        if not re.fullmatch(r"[+-]?[0-9]{1,2}", raw) or not GAIN_MIN <= int(raw) <= GAIN_MAX:
            raise InvalidParameter(f"expected {self.describe()}")
        return str(int(raw))

    def describe(self) -> str:
        """What the type takes."""
        return f"a gain in dB from {GAIN_MIN} to {GAIN_MAX}, or mute"


def gain_db(value: str) -> float | None:
    """A stored gain as dB, None for ``mute``."""
    return None if value == MUTE else float(value)


def _properties(identity: Identity) -> list[ParamSpec]:
    """What is served: G.711 and G.726 both ways, every duplex mode, one input per camera and
    one output (transmit.cgi plays to the unit's one sink)."""
    specs = [
        fixed("Audio.Audio", "yes"),
        fixed("Audio.Format", "g711,g726"),
        fixed("Audio.DuplexMode", ",".join(DUPLEX_MODES)),
        fixed("Audio.Decoder.Format", "g711,g726"),
    ]
    for i in range(identity.cameras):
        specs.append(fixed(f"Audio.Source.A{i}.Input", "yes"))
        specs.append(fixed(f"Audio.Source.A{i}.Output", "yes" if i == 0 else "no"))
    return specs


def _audio(identity: Identity) -> list[ParamSpec]:
    specs = [
        param("DuplexMode", Choice(DUPLEX_MODES), "full", OP, OP),
        param("MaxListeners", Integer(0, 100), "20", OP, OP, description="0 means no limit."),
        param(
            "ReceiverTimeout",
            Integer(100, 60000),
            "1000",
            OP,
            OP,
            description="Milliseconds a talker's audio may lag behind real time.",
        ),
        fixed("NbrOfConfigs", str(identity.cameras), OP),
    ]
    for i in range(identity.cameras):
        specs += [
            param(f"A{i}.Enabled", YesNo(), "yes", OP, OP),
            param(f"A{i}.Name", NAME, "Audio", OP, OP),
            param(f"A{i}.Source", Integer(0, identity.cameras - 1), str(i), OP, OP),
        ]
    return specs


def _audio_source(identity: Identity) -> list[ParamSpec]:
    specs = [fixed("NbrOfSources", str(identity.cameras), OP)]
    for i in range(identity.cameras):
        specs += [
            param(f"A{i}.Name", NAME, f"Audio {i + 1}", OP, OP),
            param(f"A{i}.AudioEncoding", Choice(("g711", "g726")), "g711", OP, OP),
            param(
                f"A{i}.BitRate",
                Choice(("24000", "32000")),
                "32000",
                OP,
                OP,
                description="G.726's bit rate; G.711 is always 64000.",
            ),
            param(f"A{i}.InputGain", Gain(), "0", OP, OP),
            fixed(f"A{i}.SampleRate", "8000", OP),
            fixed(f"A{i}.NbrOfChannels", "1", OP),
        ]
    return specs


def schema_part(identity: Identity) -> SchemaPart:
    """``Audio``, ``AudioSource``, ``Audiod`` and the audio Properties lines."""
    return SchemaPart(
        groups={
            "Audio": _audio(identity),
            "AudioSource": _audio_source(identity),
            "Audiod": [
                param("HttpMessageType", Choice(("singlepart", "multipart")), "singlepart", OP, OP),
                param("G726Packing", Choice(("g726", "g726le")), "g726", OP, OP),
            ],
        },
        properties=_properties(identity),
    )
