"""The parameter store: the single source of configuration, persisted in SQLite.

Reads come from memory (the event loop never waits for disk). Every change is validated whole
first, then committed in one SQLite transaction, then applied in memory and announced to the
subscribers of the touched groups; one invalid value in an update changes nothing.

The store holds the tree in memory and lists it; checking a change is :mod:`ipcamd.params.plans`,
writing it :mod:`ipcamd.params.persistence`, names and wildcards :mod:`ipcamd.params.selection`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ipcamd.access import AccessLevel
from ipcamd.db import Database
from ipcamd.errors import InvalidParameter, NotFound
from ipcamd.params import plans
from ipcamd.params.persistence import Plan, initialize, persist, read_all
from ipcamd.params.schema import ParamSpec, Schema, Template, split_instance
from ipcamd.params.selection import ROOT, natural_key, select, strip_root

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParamChange:
    """What one committed operation changed; given to subscribers after the commit."""

    values: Mapping[str, str] = field(default_factory=dict)
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    user: str | None = None

    def touches(self, prefix: str) -> bool:
        """True when any changed name or group lies under ``prefix`` (``""`` matches all)."""
        if not prefix:
            return True
        dotted = prefix + "."
        names = [*self.values, *self.added, *self.removed]
        return any(n == prefix or n.startswith(dotted) or prefix.startswith(n + ".") for n in names)


Subscriber = Callable[[ParamChange], None]


class ParamStore:
    """All parameter values of the unit, with list/update/add/remove as param.cgi needs them."""

    def __init__(self, schema: Schema, db: Database) -> None:
        self.schema = schema
        self._db = db
        self._values: dict[str, str] = {}
        self._dynamic: dict[str, ParamSpec] = {}  # full name -> spec, for template groups
        self._instances: dict[str, str] = {}  # instance path -> template name
        self._order: list[str] | None = None
        self._visible: dict[AccessLevel, list[str]] = {}  # per level, derived from _order
        self._static_positions = {n: i for i, n in enumerate(schema.static)}
        self._top_order = {top: i for i, top in enumerate(schema.root_order)}
        self._subscribers: list[tuple[str, Subscriber]] = []
        self._lock = asyncio.Lock()
        self._load()

    # ------------------------------------------------------------------ loading

    def _load(self) -> None:
        for name, spec in self.schema.static.items():
            self._values[name] = spec.default
        rows_groups, rows_values, initialized = self._db.call(read_all)
        if not initialized:
            self._db.call(self._db.transaction(lambda conn: initialize(conn, self.schema)))
            rows_groups, rows_values, _ = self._db.call(read_all)
        for path, template_name in sorted(rows_groups, key=lambda r: natural_key(r[0])):
            template = self.schema.templates.get(template_name)
            if template is None or self.schema.template_for_instance(path) is not template:
                _LOGGER.warning(
                    "Ignoring stored group %s of unknown template %s", path, template_name
                )
                continue
            self._create_instance(path, template, {})
        for name, value in rows_values:
            if name in self.schema.aliases:
                continue  # never stored by this schema: the canonical name holds the value
            stored_spec = self.spec(name)
            if stored_spec is None or stored_spec.read_only:
                continue  # a parameter of an older schema, or a computed one
            try:
                self._values[name] = stored_spec.type.validate(value)
            except InvalidParameter:
                _LOGGER.warning("Ignoring stored value of %s that no longer validates", name)

    def _create_instance(self, path: str, template: Template, values: Mapping[str, str]) -> None:
        self._instances[path] = template.name
        for spec in template.params:
            full = f"{path}.{spec.name}"
            self._dynamic[full] = spec
            self._values[full] = values.get(spec.name, spec.default)
        self._order = None
        self._visible.clear()

    def _drop_instance(self, path: str) -> None:
        dotted = path + "."
        for inst in [p for p in self._instances if p == path or p.startswith(dotted)]:
            del self._instances[inst]
        for name in [n for n in self._dynamic if n.startswith(dotted)]:
            del self._dynamic[name]
            del self._values[name]
        self._order = None
        self._visible.clear()

    # ------------------------------------------------------------------ reading

    def spec(self, name: str) -> ParamSpec | None:
        """The spec of the parameter with full name ``name`` (without ``root.``; aliases too)."""
        name = self.schema.canonical(name)
        return self.schema.static.get(name) or self._dynamic.get(name)

    def get(self, name: str) -> str:
        """The current value of ``name`` (or of the parameter it is an alias of).

        Raises :class:`NotFound` for an unknown name.
        """
        try:
            return self._values[self.schema.canonical(name)]
        except KeyError as err:
            raise NotFound(name) from err

    def get_int(self, name: str) -> int:
        """The current value of an integer parameter."""
        return int(self.get(name))

    def get_bool(self, name: str) -> bool:
        """The current value of a yes/no (or true/false) parameter."""
        return self.get(name) in ("yes", "true")

    def instances(self, parent: str) -> list[str]:
        """Paths of the dynamic groups directly under ``parent``, in numeric order."""
        prefix = parent + "."
        found = [p for p in self._instances if p.startswith(prefix) and "." not in p[len(prefix) :]]
        return sorted(found, key=natural_key)

    def group(self, prefix: str) -> dict[str, str]:
        """All values under ``prefix`` (aliases included), keyed by the name relative to it."""
        dotted = prefix + "."
        return {
            n[len(dotted) :]: self.get(n)
            for n in (*self._values, *self.schema.aliases)
            if n.startswith(dotted)
        }

    def ordered_names(self) -> list[str]:
        """Every parameter name in listing order (static by declaration, each alias right after
        the parameter it names, then groups by number)."""
        if self._order is None:
            names = [*self._values, *self.schema.aliases]
            self._order = sorted(names, key=self._order_key)
        return self._order

    def _order_key(self, name: str) -> tuple[object, ...]:
        top = self._top_order.get(name.split(".", 1)[0], len(self._top_order))
        if name in self.schema.static:
            return (top, 0, (), self._static_index(name), 0)
        canonical = self.schema.aliases.get(name)
        if canonical is not None:
            spec = self.schema.static[canonical]
            alias = name[len(canonical) - len(spec.name) :]
            return (top, 0, (), self._static_index(canonical), 1 + spec.aliases.index(alias))
        spec = self._dynamic[name]
        instance = name[: -len(spec.name) - 1]
        template = self.schema.templates[self._instances[instance]]
        return (top, 1, natural_key(instance), template.params.index(spec))

    def _static_index(self, name: str) -> int:
        return self._static_positions[name]

    def template_of(self, path: str) -> str | None:
        """The template name of the dynamic group at ``path`` (``Event.E0`` → ``event``), if any."""
        return self._instances.get(path)

    def is_parent(self, name: str) -> bool:
        """True when ``name`` is a parent under which dynamic groups may be created."""
        if any(True for _ in self.schema.templates_for_parent(name)):
            # GuardTour.G3.Tour exists only while GuardTour.G3 exists.
            enclosing = split_instance(name.rsplit(".", 1)[0]) if "." in name else None
            return enclosing is None or name.rsplit(".", 1)[0] in self._instances
        return False

    def _visible_names(self, level: AccessLevel) -> list[str]:
        """Names ``level`` may read, in listing order (cached until groups change)."""
        cached = self._visible.get(level)
        if cached is None:
            cached = [n for n in self.ordered_names() if self._readable(n, level)]
            self._visible[level] = cached
        return cached

    def list(
        self, patterns: Sequence[str] | None, level: AccessLevel
    ) -> list[tuple[str, str | None]]:
        """Lines for ``param.cgi?action=list``.

        Returns ``(name, value)`` pairs in listing order; a pattern that names nothing the caller
        may read yields ``(pattern, None)``, which the HTTP layer renders as an error line. Each
        pattern matches names segment by segment (``*`` and ``?`` within a segment), as a prefix:
        ``Event.*.Name`` → ``Event.E0.Name``; ``Network`` → every parameter under Network. Names
        keep the ``root.`` prefix when the pattern had it; a listing of everything (no pattern)
        has it, as on real devices.
        """
        visible = self._visible_names(level)
        if not patterns:
            # Real devices prefix a whole listing with root. (the axis library keeps only those).
            patterns = [ROOT]
        lines: list[tuple[str, str | None]] = []
        for raw in patterns:
            pattern, rooted = strip_root(raw)
            prefix = ROOT + "." if rooted else ""
            if pattern == "":
                lines += [(prefix + n, self.get(n)) for n in visible]
                continue
            matched = select(pattern, visible)
            if matched:
                lines += [(prefix + n, self.get(n)) for n in matched]
            elif not self._is_empty_parent(pattern, level):
                lines.append((raw, None))
        return lines

    def _is_empty_parent(self, pattern: str, level: AccessLevel) -> bool:
        if not self.is_parent(pattern):
            return False
        templates = list(self.schema.templates_for_parent(pattern))
        return any(all(s.read <= level for s in t.params) for t in templates)

    def _readable(self, name: str, level: AccessLevel) -> bool:
        spec = self.spec(name)
        return spec is not None and spec.read <= level

    def snapshot(self) -> dict[str, str]:
        """A copy of every value under its canonical name (for backup and tests)."""
        return dict(self._values)

    # ------------------------------------------------------------------ validation

    def plan_update(self, items: Iterable[tuple[str, str]], level: AccessLevel) -> Plan:
        """Validate an update (see :func:`ipcamd.params.plans.plan_update`); changes nothing."""
        return plans.plan_update(self, items, level)

    def plan_add(
        self,
        parent_raw: str,
        template_name: str,
        items: Iterable[tuple[str, str]],
        level: AccessLevel,
        *,
        force: bool = False,
    ) -> tuple[Plan, str]:
        """Validate the creation of a group; returns the plan and the new group's entry (``E0``)."""
        return plans.plan_add(self, parent_raw, template_name, items, level, force=force)

    def plan_remove(self, groups: Iterable[str], level: AccessLevel) -> Plan:
        """Validate the removal of dynamic groups; every one must exist and be removable."""
        return plans.plan_remove(self, groups, level)

    # ------------------------------------------------------------------ committing

    async def async_update(
        self, items: Sequence[tuple[str, str]], level: AccessLevel, user: str | None = None
    ) -> ParamChange:
        """Validate and apply an update of several parameters, all or nothing."""
        async with self._lock:
            return await self._async_commit(self.plan_update(items, level), user)

    async def async_add(
        self,
        parent: str,
        template: str,
        items: Sequence[tuple[str, str]],
        level: AccessLevel,
        *,
        force: bool = False,
        user: str | None = None,
    ) -> str:
        """Create a dynamic group; returns its entry name (``E0``)."""
        async with self._lock:
            plan, entry = self.plan_add(parent, template, items, level, force=force)
            await self._async_commit(plan, user)
            return entry

    async def async_remove(
        self, groups: Sequence[str], level: AccessLevel, user: str | None = None
    ) -> ParamChange:
        """Remove dynamic groups, all or nothing."""
        async with self._lock:
            return await self._async_commit(self.plan_remove(groups, level), user)

    def update(
        self,
        items: Sequence[tuple[str, str]],
        level: AccessLevel = AccessLevel.ROOT,
        user: str | None = None,
    ) -> ParamChange:
        """Synchronous update, for start-up code and the command line (no event loop)."""
        plan = self.plan_update(items, level)
        self._db.call(self._db.transaction(lambda c: persist(c, plan)))
        return self._apply(plan, user)

    async def _async_commit(self, plan: Plan, user: str | None) -> ParamChange:
        await self._db.async_call(self._db.transaction(lambda c: persist(c, plan)))
        return self._apply(plan, user)

    def _apply(self, plan: Plan, user: str | None) -> ParamChange:
        for path in plan.removed:
            self._drop_instance(path)
        for path, template_name in plan.added.items():
            self._create_instance(path, self.schema.templates[template_name], {})
        self._values.update(plan.values)
        change = ParamChange(
            values=dict(plan.values),
            added=tuple(plan.added),
            removed=tuple(plan.removed),
            user=user,
        )
        self._notify(change)
        return change

    def subscribe(self, prefix: str, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(change)`` after each commit touching ``prefix``; returns unsubscribe."""
        entry = (prefix, callback)
        self._subscribers.append(entry)

        def unsubscribe() -> None:
            if entry in self._subscribers:
                self._subscribers.remove(entry)

        return unsubscribe

    def _notify(self, change: ParamChange) -> None:
        for prefix, callback in list(self._subscribers):
            if change.touches(prefix):
                try:
                    callback(change)
                except Exception:
                    _LOGGER.exception("Parameter subscriber for %s failed", prefix or "<all>")
