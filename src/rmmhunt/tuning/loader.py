"""Reading an exclusions file; every problem is reported as `file:line: exclusion <id>: ...`."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import ValidationError

from rmmhunt.errors import RmmhuntError
from rmmhunt.tuning.model import Conditions, Exclusion, ExclusionSet


class ExclusionError(RmmhuntError):
    pass


class _DatesAsText(yaml.SafeLoader):
    """YAML without implicit dates: `expires` is parsed by the model, so a bad date is an error with a line."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _node_at(node: yaml.Node, loc: tuple[int | str, ...]) -> yaml.Node:
    """The deepest YAML node along a pydantic error location (a key's node for a mapping key)."""
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            pairs = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == step]
            if not pairs:
                return node
            key, value = pairs[0]
            node = value if isinstance(value, yaml.MappingNode | yaml.SequenceNode) else key
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            return node
    return node


def _problem(error: dict) -> str:
    loc = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"{loc!r} is required"
    if error["type"] == "extra_forbidden":
        known = ", ".join(Conditions.model_fields) if error["loc"][:1] == ("when",) else None
        what = "condition" if known else "key"
        return f"unknown {what} {loc!r}" + (f" (known conditions: {known})" if known else "")
    message = error["msg"].removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    return f"{loc}: {message}" if loc else message


def _entry_id(entry: object, index: int) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("id"), str | int) and str(entry["id"]):
        return str(entry["id"])
    return f"#{index + 1}"


def load_exclusions(path: str | os.PathLike[str]) -> ExclusionSet:
    """An exclusions file: a mapping with an `exclusions:` list (see docs/exclusions.md)."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExclusionError(f"{path}: cannot read: {exc}") from None
    try:
        root = yaml.compose(text, Loader=_DatesAsText)
        data = yaml.load(text, Loader=_DatesAsText)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ExclusionError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if data is None:
        return ExclusionSet((), path)
    entries = data.get("exclusions") if isinstance(data, dict) else None
    if not isinstance(entries, list) or (isinstance(data, dict) and set(data) - {"exclusions"}):
        raise ExclusionError(f"{path}:1: an exclusions file is a mapping with one key, 'exclusions:', holding a list")
    items = _node_at(root, ("exclusions",))
    problems: list[str] = []
    loaded: list[Exclusion] = []
    lines: dict[str, int] = {}
    for index, entry in enumerate(entries):
        entry_node = _node_at(items, (index,))
        entry_id = _entry_id(entry, index)
        line = entry_node.start_mark.line + 1
        if not isinstance(entry, dict):
            problems.append(f"{path}:{line}: exclusion {entry_id}: an entry is a mapping with id, reason, owner, when")
            continue
        try:
            exclusion = Exclusion.model_validate(entry)
        except ValidationError as exc:
            for error in exc.errors():
                at = _node_at(entry_node, tuple(error["loc"])).start_mark.line + 1
                problems.append(f"{path}:{at}: exclusion {entry_id}: {_problem(error)}")
            continue
        if exclusion.id in lines:
            at = _node_at(entry_node, ("id",)).start_mark.line + 1
            problems.append(
                f"{path}:{at}: exclusion {exclusion.id}: duplicate id (first used on line {lines[exclusion.id]})"
            )
            continue
        lines[exclusion.id] = line
        loaded.append(exclusion)
    if problems:
        raise ExclusionError("\n".join(problems))
    return ExclusionSet(tuple(loaded), path, lines)
