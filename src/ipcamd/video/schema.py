"""The video family's parameters: ``Image`` (per input: resolution, compression, rate, rotation,
text overlay), the stream profiles (template and the four a new unit has), and the video lines
of ``Properties``."""

from __future__ import annotations

from ipcamd.access import AccessLevel
from ipcamd.identity import Identity
from ipcamd.params.schema import InitialGroup, ParamSpec, SchemaPart, Template, fixed, param
from ipcamd.params.types import NAME, SPEC_RESOLUTIONS, Choice, Integer, Resolution, Text, YesNo

V, OP, A, NOBODY = AccessLevel.VIEWER, AccessLevel.OPERATOR, AccessLevel.ADMIN, AccessLevel.NOBODY

ROTATIONS = ("0", "90", "180", "270")
#: How many stream profiles may exist (``StreamProfile.MaxGroups``).
MAX_PROFILES = 26

STREAM_PARAMETERS = Text(
    255, r"([A-Za-z_]+=[A-Za-z0-9_.,:%-]*)?(&[A-Za-z_]+=[A-Za-z0-9_.,:%-]*)*", "a query string"
)


def _properties(identity: Identity) -> list[ParamSpec]:
    return [
        fixed("Image.Format", "jpeg,mjpeg,h264"),
        fixed("Image.NbrOfViews", "1"),
        fixed("Image.Resolution", ",".join(SPEC_RESOLUTIONS)),
        fixed("Image.Rotation", ",".join(ROTATIONS)),
        fixed("Video.NbrOfInputs", str(identity.cameras)),
    ]


def _image(identity: Identity) -> list[ParamSpec]:
    specs = [
        param("MaxViewers", Integer(0, 1000), "20", V, A, description="0 means no limit."),
        param(
            "DateFormat", Choice(("YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY")), "YYYY-MM-DD", V, OP
        ),
        param("TimeFormat", Choice(("24", "12")), "24", V, OP),
    ]
    for i in range(identity.cameras):
        ap = f"I{i}.Appearance"
        specs += [
            param(f"I{i}.Enabled", YesNo(), "yes", V, OP),
            param(f"I{i}.Name", NAME, f"Camera {i + 1}", V, OP),
            param(f"I{i}.Source", Integer(0, identity.cameras - 1), str(i), V, NOBODY),
            # The spec's names; newer firmware (and the axis library) use the Appearance and
            # Stream spellings, served as aliases of the same settings.
            param(
                f"I{i}.Resolution", Resolution(), "640x480", V, OP, aliases=(f"{ap}.Resolution",)
            ),
            param(
                f"I{i}.Compression", Integer(0, 100), "30", V, OP, aliases=(f"{ap}.Compression",)
            ),
            param(
                f"I{i}.FPS",
                Integer(0, 30),
                "0",
                V,
                OP,
                description="0 means as fast as possible.",
                aliases=(f"I{i}.Stream.FPS",),
            ),
            param(f"I{i}.Rotation", Choice(ROTATIONS), "0", V, OP, aliases=(f"{ap}.Rotation",)),
            param(f"I{i}.MirrorEnabled", YesNo(), "no", V, OP, aliases=(f"{ap}.MirrorEnabled",)),
            param(f"I{i}.Text.DateEnabled", YesNo(), "no", V, OP),
            param(f"I{i}.Text.ClockEnabled", YesNo(), "no", V, OP),
            param(f"I{i}.Text.TextEnabled", YesNo(), "no", V, OP),
            param(f"I{i}.Text.String", Text(64), "", V, OP),
            param(f"I{i}.Text.Position", Choice(("top", "bottom")), "top", V, OP),
            param(f"I{i}.Text.TextColor", Choice(("white", "black")), "white", V, OP),
            param(
                f"I{i}.Text.BGColor",
                Choice(("black", "white", "transparent", "semitransparent")),
                "black",
                V,
                OP,
            ),
        ]
    return specs


STREAM_PROFILE = Template(
    "streamprofile",
    "StreamProfile",
    (
        # A profile's name is its identifier in URLs (``streamprofile=Quality``), not free text.
        param("Name", Text(32, r"[A-Za-z0-9_-]*", "letters, digits, _ and -"), "", V, OP),
        param("Description", Text(128), "", V, OP),
        param("Parameters", STREAM_PARAMETERS, "", V, OP),
    ),
    limit=MAX_PROFILES,
)

#: The stream profiles of a new unit.
INITIAL_PROFILES = [
    InitialGroup(
        "StreamProfile",
        "streamprofile",
        {
            "Name": name,
            "Description": description,
            "Parameters": parameters,
        },
    )
    for name, description, parameters in (
        ("Quality", "Best image quality", "resolution=1280x1024&compression=20"),
        (
            "Balanced",
            "Balanced quality and bandwidth",
            "resolution=640x480&compression=30&fps=15",
        ),
        ("Bandwidth", "Low bandwidth", "resolution=320x240&compression=50&fps=10"),
        ("Mobile", "For mobile clients", "resolution=160x120&compression=60&fps=5"),
    )
]


def schema_part(identity: Identity) -> SchemaPart:
    """``Image``, ``StreamProfile`` with its template and initial profiles, video Properties."""
    return SchemaPart(
        groups={
            "Image": _image(identity),
            "StreamProfile": [fixed("MaxGroups", str(MAX_PROFILES))],
        },
        properties=_properties(identity),
        templates=[STREAM_PROFILE],
        initial_groups=INITIAL_PROFILES,
    )
