"""The schema of the parameter tree, declared once as data.

A :class:`ParamSpec` says everything about one parameter: its type, default, who may read and
write it, and whether a factory default keeps it. Static parameters have fixed full names
(``Network.IPAddress``); dynamic groups are created from a :class:`Template` under a parent
(``Event`` + template ``event`` → ``Event.E0``). Validation, listing, templates, defaults, backup
and restore all read this one description.

A static parameter may also answer to other names (``aliases``): newer firmware spells
``Image.I0.Resolution`` as ``Image.I0.Appearance.Resolution``, and clients read either. An alias
is one setting under two names: it lists with the canonical parameter's value, an update through
it changes the canonical one, and it is never stored, backed up or reset on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Template:
    """A dynamic group type: ``param.cgi?action=add&template=<name>&group=<parent>``.

    ``parent`` may contain ``#`` for the number of an enclosing dynamic group
    (``GuardTour.G#.Tour``). The group letter comes from the parent's last segment (spec 5.1.1.4).
    """

    name: str
    parent: str
    params: tuple[ParamSpec, ...]
    limit: int = DEFAULT_GROUP_LIMIT

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


@dataclass
class Schema:
    """All static parameters (full name → spec, in listing order) and all templates."""

    static: dict[str, ParamSpec] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    #: Dynamic groups present on a new (or factory-defaulted) device: (parent, template, values).
    initial_groups: list[tuple[str, str, Mapping[str, str]]] = field(default_factory=list)
    #: Alias full name → canonical full name (from the specs' ``aliases``).
    aliases: dict[str, str] = field(default_factory=dict)

    def add_group(
        self,
        prefix: str,
        params: Iterable[ParamSpec],
    ) -> None:
        """Declare static parameters under ``prefix``; order of declaration is listing order."""
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

    def canonical(self, name: str) -> str:
        """The name a parameter is stored under: ``name`` itself unless it is an alias."""
        return self.aliases.get(name, name)

    def add_template(self, template: Template) -> None:
        """Declare a dynamic group template."""
        if template.name in self.templates:
            raise ValueError(f"template declared twice: {template.name}")
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


def fixed(name: str, value: str, read: AccessLevel = AccessLevel.VIEWER) -> ParamSpec:
    """A read-only parameter whose value the device computes (Properties, Brand...)."""
    return ParamSpec(name, Fixed(), value, read=read, write=AccessLevel.NOBODY)
