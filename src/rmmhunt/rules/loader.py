"""Loading rule YAML files, with errors that name the file, the line and the key."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from rmmhunt.errors import RmmhuntError
from rmmhunt.rules.model import LoadedRule, Rule

RULE_SUFFIXES = (".yaml", ".yml")


class RuleError(RmmhuntError):
    pass


def builtin_rules_dir() -> Path:
    return Path(str(resources.files("rmmhunt.rules").joinpath("packs")))


def _key_lines(root: yaml.Node) -> dict[str, tuple[int, yaml.Node]]:
    """Top-level key -> (1-based line of the key, value node)."""
    if not isinstance(root, yaml.MappingNode):
        return {}
    return {k.value: (k.start_mark.line + 1, v) for k, v in root.value if isinstance(k, yaml.ScalarNode)}


def load_rule(path: Path) -> LoadedRule:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path}: cannot read: {exc}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleError(f"{where}: not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise RuleError(f"{path}:1: a rule must be a YAML mapping with at least 'id' and 'query'")
    keys = _key_lines(root)
    try:
        rule = Rule.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else "?"
            line = keys.get(key, (1, None))[0]
            what = "is required" if error["type"] == "missing" else error["msg"].lower()
            problems.append(f"{path}:{line}: key {'.'.join(map(str, error['loc']))!r} {what}")
        raise RuleError("\n".join(problems)) from None
    query_line, query_indent = 1, 0
    if "query" in keys:
        _, node = keys["query"]
        block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
        query_line = node.start_mark.line + 1 + (1 if block else 0)
        if block:
            first = text.splitlines()[query_line - 1] if query_line - 1 < len(text.splitlines()) else ""
            query_indent = len(first) - len(first.lstrip(" "))
        else:
            query_indent = node.start_mark.column + (1 if node.style in ("'", '"') else 0)
    return LoadedRule(rule, path, query_line, query_indent)


def rule_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix.lower() in RULE_SUFFIXES and p.is_file())
    if path.is_file():
        return [path]
    raise RuleError(f"{path}: no such rule file or directory")


def load_rules(path: str | Path) -> list[LoadedRule]:
    """One rule file, or every rule file below a directory; rule ids must be unique."""
    loaded = [load_rule(p) for p in rule_files(Path(path))]
    seen: dict[str, Path] = {}
    for item in loaded:
        if item.rule.id in seen:
            raise RuleError(f"{item.path}: rule id {item.rule.id} is also used by {seen[item.rule.id]}")
        seen[item.rule.id] = item.path
    return loaded
