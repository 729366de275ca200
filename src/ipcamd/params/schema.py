"""The schema of the parameter tree, declared once as data.

A :class:`ParamSpec` says everything about one parameter: its type, default, who may read and
write it, and whether a factory default keeps it. Static parameters have fixed full names
(``Network.IPAddress``); dynamic groups are created from a :class:`Template` under a parent
(``Event`` + template ``event`` → ``Event.E0``). Validation, listing, templates, defaults, backup
and restore all read this one description.

Each family declares its own groups in its package (``video/schema.py``, ``auth/schema.py``…) as
a :class:`SchemaPart`; :func:`assemble` puts the parts together into one :class:`Schema` (the
device says which parts a unit has). This package knows no family.

A static parameter may also answer to other names (``aliases``): newer firmware spells
``Image.I0.Resolution`` as ``Image.I0.Appearance.Resolution``, and clients read either. An alias
is one setting under two names: it lists with the canonical parameter's value, an update through
it changes the canonical one, and it is never stored, backed up or reset on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from ipcamd.access import AccessLevel
from ipcamd.params.types import Fixed, ParamType

#: How many groups of one template may exist under one parent unless ``force=yes``.
DEFAULT_GROUP_LIMIT = 10

_INSTANCE_SEGMENT = re.compile(r"([A-Z])([0-9]{1,4})")


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: its name relative to its group, type, default and access levels."""

    name: str
    type: ParamType
    default: str
    read: AccessLevel = AccessLevel.ADMIN
    write: AccessLevel = AccessLevel.ADMIN
    #: Kept by a (soft) factory default, e.g. the network identity of 5.1.3.
    keep_on_factory_default: bool = False
    description: str = ""
    #: Other names of this same setting, relative to the group like ``name`` (static only).
    aliases: tuple[str, ...] = ()

    @property
    def read_only(self) -> bool:
        """True when no request may write the parameter."""
        return self.write is AccessLevel.NOBODY


#: A check of one group's values together (keyed by name within the group, every parameter of
#: the template present): raises InvalidParameter when they contradict each other.
GroupCheck = Callable[[Mapping[str, str]], None]


@dataclass(frozen=True)
class Template:
    """A dynamic group type: ``param.cgi?action=add&template=<name>&group=<parent>``.

    ``parent`` may contain ``#`` for the number of an enclosing dynamic group
    (``GuardTour.G#.Tour``). The group letter comes from the parent's last segment (spec 5.1.1.4).
    ``check`` sees a group's values as an add or update would leave them, for rules that join
    parameters (a motion window's Top may not lie below its Bottom); each value has passed its
    own type first.
    """

    name: str
    parent: str
    params: tuple[ParamSpec, ...]
    limit: int = DEFAULT_GROUP_LIMIT
    check: GroupCheck | None = None

    @property
    def letter(self) -> str:
        """The character before the group number: first letter of the parent's last segment."""
        return self.parent.rsplit(".", 1)[-1][0].upper()

    def param(self, name: str) -> ParamSpec | None:
        """The template parameter called ``name`` (relative to the instance), if any."""
        for spec in self.params:
            if spec.name == name:
                return spec
        return None


def parent_pattern(concrete_parent: str) -> str:
    """``GuardTour.G3.Tour`` → ``GuardTour.G#.Tour``: the form templates declare parents in."""
    return ".".join(
        _INSTANCE_SEGMENT.sub(r"\1#", segment) if _INSTANCE_SEGMENT.fullmatch(segment) else segment
        for segment in concrete_parent.split(".")
    )


def split_instance(path: str) -> tuple[str, str, int] | None:
    """``Event.E7`` → (``Event``, ``E``, 7); None when ``path`` does not end in a group number."""
    parent, _, last = path.rpartition(".")
    match = _INSTANCE_SEGMENT.fullmatch(last)
    if not parent or match is None:
        return None
    return parent, match.group(1), int(match.group(2))


class InitialGroup(NamedTuple):
    """A dynamic group a new (or factory-defaulted) unit has: ``StreamProfile.S0`` and so on."""

    parent: str
    template: str
    #: Values that differ from the template's defaults.
    values: Mapping[str, str]


@dataclass
class Schema:
    """All static parameters (full name → spec, in listing order) and all templates."""

    static: dict[str, ParamSpec] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    #: Dynamic groups present on a new (or factory-defaulted) device, numbered from 0 per parent.
    initial_groups: list[InitialGroup] = field(default_factory=list)
    #: Alias full name → canonical full name (from the specs' ``aliases``).
    aliases: dict[str, str] = field(default_factory=dict)
    #: Top-level groups in listing order (given to :func:`assemble`, else order of declaration).
    root_order: list[str] = field(default_factory=list)

    def add_group(
        self,
        prefix: str,
        params: Iterable[ParamSpec],
    ) -> None:
        """Declare static parameters under ``prefix``; order of declaration is listing order."""
        self._root(prefix)
        for spec in params:
            full = f"{prefix}.{spec.name}"
            if full in self.static or full in self.aliases:
                raise ValueError(f"parameter declared twice: {full}")
            self.static[full] = spec
            for alias in spec.aliases:
                alias_full = f"{prefix}.{alias}"
                if alias_full in self.static or alias_full in self.aliases:
                    raise ValueError(f"parameter declared twice: {alias_full}")
                self.aliases[alias_full] = full

    def _root(self, name: str) -> None:
        top = name.split(".", 1)[0]
        if top not in self.root_order:
            self.root_order.append(top)

    def canonical(self, name: str) -> str:
        """The name a parameter is stored under: ``name`` itself unless it is an alias."""
        return self.aliases.get(name, name)

    def add_template(self, template: Template) -> None:
        """Declare a dynamic group template."""
        if template.name in self.templates:
            raise ValueError(f"template declared twice: {template.name}")
        self._root(template.parent)
        if any(spec.aliases for spec in template.params):
            raise ValueError(f"template {template.name}: aliases exist for static parameters only")
        self.templates[template.name] = template

    def templates_for_parent(self, concrete_parent: str) -> Iterator[Template]:
        """Templates whose groups may be created under ``concrete_parent``."""
        pattern = parent_pattern(concrete_parent)
        return (t for t in self.templates.values() if t.parent == pattern)

    def template_for_instance(self, path: str) -> Template | None:
        """The template an instance path such as ``Event.E3`` would belong to."""
        parts = split_instance(path)
        if parts is None:
            return None
        parent, letter, _ = parts
        for template in self.templates_for_parent(parent):
            if template.letter == letter:
                return template
        return None


def kept_on_factory_default(schema: Schema) -> list[str]:
    """Names of the parameters a soft factory default keeps (the network identity of 5.1.3)."""
    return [name for name, spec in schema.static.items() if spec.keep_on_factory_default]


def fixed(name: str, value: str, read: AccessLevel = AccessLevel.VIEWER) -> ParamSpec:
    """A read-only parameter whose value the device computes (Properties, Brand...)."""
    return ParamSpec(name, Fixed(), value, read=read, write=AccessLevel.NOBODY)


def param(
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
    """Shorthand for a :class:`ParamSpec`; keeps the families' tables one line per parameter."""
    return ParamSpec(name, type_, default, read, write, keep, description, aliases)


#: The group every family adds its capability lines to (``SchemaPart.properties``).
PROPERTIES = "Properties"


@dataclass(frozen=True)
class SchemaPart:
    """What one family declares in its ``schema.py``: its share of the tree.

    ``groups`` maps a top-level group (``Image``) to its static parameters, in listing order;
    two families may add to one group (``Network``), in the order the parts are assembled.
    ``properties`` are the family's ``Properties.*`` lines, which say what the unit serves
    (a family not built yet says ``no``; it switches its own lines on when it lands).
    """

    groups: Mapping[str, Sequence[ParamSpec]] = field(default_factory=dict)
    properties: Sequence[ParamSpec] = ()
    templates: Sequence[Template] = ()
    initial_groups: Sequence[InitialGroup] = ()


def assemble(parts: Iterable[SchemaPart], root_order: Sequence[str] = ()) -> Schema:
    """One schema from the families' parts; ``root_order`` lists top-level groups first.

    ``Properties`` lists its subgroups by name, ignoring case (``API``, ``Audio``, ``Firmware``,
    ``Image``, ``IO``…), as real devices do, whichever family declares them; lines of one
    subgroup keep their declared order.
    """
    parts = list(parts)
    schema = Schema(root_order=list(root_order))
    groups: dict[str, list[ParamSpec]] = {}
    properties = [spec for part in parts for spec in part.properties]
    if properties:
        groups[PROPERTIES] = sorted(properties, key=lambda s: s.name.split(".", 1)[0].casefold())
    for part in parts:
        for prefix, specs in part.groups.items():
            groups.setdefault(prefix, []).extend(specs)
    ordered = [top for top in schema.root_order if top in groups]
    for prefix in [*ordered, *(top for top in groups if top not in ordered)]:
        schema.add_group(prefix, groups[prefix])
    for part in parts:
        for template in part.templates:
            schema.add_template(template)
        schema.initial_groups += part.initial_groups
    return schema
