"""Planning a change: every argument of an update, add or remove is checked before anything is
written, so a request either applies whole or changes nothing.

Plans are made against a :class:`TreeView`, the read side of the store, and committed by the
store (:mod:`ipcamd.params.persistence`, then memory, then subscribers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from ipcamd.access import AccessLevel
from ipcamd.errors import AccessDenied, Conflict, InvalidParameter, NotFound, ReadOnly
from ipcamd.params.persistence import Plan
from ipcamd.params.schema import ParamSpec, Schema, Template, parent_pattern
from ipcamd.params.selection import strip_root

#: Group numbers run from 0 to 9999 (``E9999``) whatever ``force`` says.
MAX_GROUP_NUMBER = 9999


class TreeView(Protocol):
    """What planning reads of the current tree."""

    schema: Schema

    def spec(self, name: str) -> ParamSpec | None:
        """The spec of a full parameter name (aliases too), if it exists."""

    def instances(self, parent: str) -> list[str]:
        """Dynamic groups directly under ``parent``."""

    def template_of(self, path: str) -> str | None:
        """The template name of the dynamic group at ``path``, if it exists."""

    def is_parent(self, name: str) -> bool:
        """True when dynamic groups may be created under ``name`` now."""

    def group(self, prefix: str) -> dict[str, str]:
        """The current values under ``prefix``, keyed by the name relative to it."""


def validated(spec: ParamSpec, raw_name: str, raw_value: str) -> str:
    """``raw_value`` in its stored form; the error names the parameter as the client wrote it."""
    try:
        return spec.type.validate(raw_value)
    except InvalidParameter as err:
        raise InvalidParameter(f"Error setting '{raw_name}' to '{raw_value}': {err}") from err


def plan_update(tree: TreeView, items: Iterable[tuple[str, str]], level: AccessLevel) -> Plan:
    """Validate an update of several parameters; raise on the first bad one, change nothing.

    An alias updates the parameter it names; naming one setting twice (under the same name or
    under both of its names) is refused.
    """
    plan = Plan()
    given: dict[str, str] = {}  # canonical name -> the name the request used
    for raw_name, raw_value in items:
        name = tree.schema.canonical(strip_root(raw_name)[0])
        spec = tree.spec(name)
        if spec is None or spec.read > level:
            raise NotFound(f"Error setting '{raw_name}' to '{raw_value}': no such parameter")
        if name in given:
            first = given[name]
            also = "" if strip_root(first)[0] == strip_root(raw_name)[0] else f" (as '{first}')"
            raise InvalidParameter(f"Parameter '{raw_name}' given more than once{also}")
        given[name] = raw_name
        if spec.read_only:
            raise ReadOnly(f"Error setting '{raw_name}' to '{raw_value}': read-only parameter")
        if spec.write > level:
            raise AccessDenied(
                f"Error setting '{raw_name}' to '{raw_value}': requires {spec.write.label} access"
            )
        plan.values[name] = validated(spec, raw_name, raw_value)
    if not plan.values:
        raise InvalidParameter("No parameters to update")
    _check_updated_groups(tree, plan)
    return plan


def check_group(template: Template, path: str, values: Mapping[str, str]) -> None:
    """Run ``template``'s group check on the values group ``path`` would have."""
    if template.check is None:
        return
    try:
        template.check(values)
    except InvalidParameter as err:
        raise InvalidParameter(f"Invalid values for group '{path}': {err}") from err


def _check_updated_groups(tree: TreeView, plan: Plan) -> None:
    """Every dynamic group the update touches, as it would be after it, passes its check."""
    touched: dict[str, Template] = {}
    for name in plan.values:
        spec = tree.spec(name)
        assert spec is not None  # every planned name was found above
        path = name[: -len(spec.name) - 1]
        template_name = tree.template_of(path)
        if template_name is not None:
            touched.setdefault(path, tree.schema.templates[template_name])
    for path, template in touched.items():
        if template.check is None:
            continue
        dotted = path + "."
        planned = {n[len(dotted) :]: v for n, v in plan.values.items() if n.startswith(dotted)}
        check_group(template, path, {**tree.group(path), **planned})


def plan_add(
    tree: TreeView,
    parent_raw: str,
    template_name: str,
    items: Iterable[tuple[str, str]],
    level: AccessLevel,
    *,
    force: bool = False,
) -> tuple[Plan, str]:
    """Validate the creation of a group; returns the plan and the new group's entry (``E0``)."""
    parent, _ = strip_root(parent_raw)
    template = tree.schema.templates.get(template_name)
    if template is None:
        raise NotFound(f"Unknown template '{template_name}'")
    if not parent or parent_pattern(parent) != template.parent or not tree.is_parent(parent):
        raise InvalidParameter(f"Template '{template_name}' cannot be used in group '{parent_raw}'")
    needed = max(s.write for s in template.params)
    if needed > level:
        raise AccessDenied(f"Adding to group '{parent_raw}' requires {needed.label} access")
    existing = {
        int(p.rsplit(".", 1)[1][1:])
        for p in tree.instances(parent)
        if tree.template_of(p) == template.name
    }
    if len(existing) >= template.limit and not force:
        raise Conflict(f"Maximum number of groups ({template.limit}) in '{parent_raw}' reached")
    if len(existing) > MAX_GROUP_NUMBER:
        raise Conflict(f"No more groups can be created in '{parent_raw}'")
    number = next(i for i in range(len(existing) + 1) if i not in existing)
    entry = f"{template.letter}{number}"
    path = f"{parent}.{entry}"
    base = f"{parent}.{template.letter}."
    values: dict[str, str] = {}
    for raw_name, raw_value in items:
        name, _ = strip_root(raw_name)
        if not name.startswith(base):
            raise InvalidParameter(
                f"Parameter '{raw_name}' does not belong to the new group (expected {base}<name>)"
            )
        spec = template.param(name[len(base) :])
        if spec is None:
            raise NotFound(f"Error setting '{raw_name}' to '{raw_value}': no such parameter")
        values[spec.name] = validated(spec, raw_name, raw_value)
    group = {spec.name: values.get(spec.name, spec.default) for spec in template.params}
    check_group(template, path, group)
    plan = Plan(added={path: template.name})
    for name, value in group.items():
        plan.values[f"{path}.{name}"] = value
    return plan, entry


def plan_remove(tree: TreeView, groups: Iterable[str], level: AccessLevel) -> Plan:
    """Validate the removal of dynamic groups; every one must exist and be removable."""
    plan = Plan()
    for raw in groups:
        path, _ = strip_root(raw)
        template_name = tree.template_of(path)
        if template_name is None:
            if tree.spec(path) is not None or any(
                n.startswith(path + ".") for n in tree.schema.static
            ):
                raise ReadOnly(f"Group '{raw}' is not a dynamic group and cannot be removed")
            raise NotFound(f"Group '{raw}' does not exist")
        template = tree.schema.templates[template_name]
        if min(s.read for s in template.params) > level:
            raise NotFound(f"Group '{raw}' does not exist")
        needed = max(s.write for s in template.params)
        if needed > level:
            raise AccessDenied(f"Removing '{raw}' requires {needed.label} access")
        if path not in plan.removed:
            plan.removed.append(path)
    if not plan.removed:
        raise InvalidParameter("No group to remove")
    return plan
