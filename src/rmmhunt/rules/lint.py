"""`rmmhunt lint`: rule files checked as text, as YAML, against the Sentinel rule schema, and as KQL.

Every problem names its place as `file:line:column` in the file itself: a query error is moved from
its position in the query to the YAML block (or Markdown code block) that holds it. One broken part
does not hide the others: a YAML error in `requiredDataConnectors` still lets the query be checked.

Checks, each named in brackets after the message:
  crlf            CRLF line endings
  tab             a tab in YAML indentation
  indent          a Sentinel key indented to the wrong level (compared with the rule schema's shape)
  yaml            not valid YAML
  schema          required keys, types and values of the Sentinel rule schema (and the Rule model)
  duplicate-id    a rule id used by another file
  kql             the query does not parse or does not type-check against the schema catalog
  entity          an entity mapping names a column the query does not output
  connector       the query reads a table that requiredDataConnectors does not list
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import ValidationError
from sqlglot import exp

from rmmhunt.compiler import CompiledQuery, compile_query
from rmmhunt.errors import RmmhuntError
from rmmhunt.kql.errors import KqlError, line_col
from rmmhunt.rules.markdown import fenced_blocks
from rmmhunt.rules.model import (
    MAX_ENTITY_MAPPINGS,
    MAX_IDENTIFIERS,
    SEVERITIES,
    LoadedRule,
    Rule,
)
from rmmhunt.rules.schedule import LONGEST, SHORTEST, THRESHOLD_RANGE, TRIGGER_OPERATORS, parse_duration
from rmmhunt.rules.yamlnodes import node_at
from rmmhunt.schema import Catalog, default_catalog

RULE_SUFFIXES = (".yaml", ".yml")
MARKDOWN_SUFFIXES = (".md", ".markdown")
KQL_FENCE_INFO = ("", "kql", "kusto")

# Where the Sentinel rule schema puts the keys whose place is unambiguous: the path of their parent,
# "[]" standing for an entry of a list.
PARENT_OF = {
    "connectorId": ("requiredDataConnectors", "[]"),
    "dataTypes": ("requiredDataConnectors", "[]"),
    "entityType": ("entityMappings", "[]"),
    "fieldMappings": ("entityMappings", "[]"),
    "identifier": ("entityMappings", "[]", "fieldMappings", "[]"),
    "columnName": ("entityMappings", "[]", "fieldMappings", "[]"),
    "aggregationKind": ("eventGroupingSettings",),
    **{
        key: ()
        for key in (
            "requiredDataConnectors",
            "tactics",
            "relevantTechniques",
            "query",
            "entityMappings",
            "queryFrequency",
            "queryPeriod",
            "triggerOperator",
            "triggerThreshold",
            "eventGroupingSettings",
            "customDetails",
            "alertDetailsOverride",
            "incidentConfiguration",
        )
    },
}
FREE_FORM = ("customDetails", "metadata", "alertDynamicProperties")  # keys below these are the author's own
TACTICS = frozenset(
    {
        "Reconnaissance",
        "ResourceDevelopment",
        "InitialAccess",
        "Execution",
        "Persistence",
        "PrivilegeEscalation",
        "DefenseEvasion",
        "CredentialAccess",
        "Discovery",
        "LateralMovement",
        "Collection",
        "CommandAndControl",
        "Exfiltration",
        "Impact",
        "PreAttack",
        "ImpairProcessControl",
        "InhibitResponseFunction",
    }
)
ENTITY_TYPES = frozenset(
    {
        "Account",
        "AzureResource",
        "CloudApplication",
        "DNS",
        "File",
        "FileHash",
        "Host",
        "IoTDevice",
        "IP",
        "MailCluster",
        "MailMessage",
        "Mailbox",
        "Malware",
        "Process",
        "RegistryKey",
        "RegistryValue",
        "SecurityGroup",
        "SubmissionMail",
        "URL",
    }
)
TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")
VERSION = re.compile(r"^\d+(\.\d+){1,3}$")

_KEY = re.compile(r"(?P<dashes>(?:-[ ]+)*)(?P<key>[A-Za-z_$][\w.$-]*)[ ]*:(?:[ ]+(?P<value>.*))?$")
_ITEM = re.compile(r"(?:-[ ]+|-$)+")
_BLOCK_SCALAR = re.compile(r"^[|>][-+0-9]*[ ]*(#.*)?$")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: the same marks, faster


class LintError(RmmhuntError):
    pass


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    path: Path
    line: int
    column: int
    message: str
    check: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message} [{self.check}]"


@dataclass
class FileReport:
    path: Path
    queries: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.problems


@dataclass
class LintReport:
    files: list[FileReport]

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    def summary(self) -> str:
        bad = sum(not f.clean for f in self.files)
        queries = sum(f.queries for f in self.files)
        return (
            f"{plural(len(self.problems), 'problem')} in {bad} of {plural(len(self.files), 'file')} "
            f"({plural(queries, 'query', 'queries')}; {len(self.files) - bad} clean)"
        )


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


class Placement(Protocol):
    def place(self, line: int, column: int) -> str: ...


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A query in a Markdown code block: its first line in the file and the fence's indentation."""

    path: Path
    first_line: int
    indent: int

    def place(self, line: int, column: int) -> str:
        return f"{self.path}:{self.first_line + line - 1}:{self.indent + column}"


@dataclass(frozen=True, slots=True)
class FoldedScalar:
    """A query written as a quoted or plain scalar over several lines: YAML folds its line breaks, so a
    position in the query has no exact place in the file; the problem goes to the scalar's start."""

    path: Path
    line: int
    column: int

    def place(self, line: int, column: int) -> str:
        return f"{self.path}:{self.line}:{self.column}"


# ---------------------------------------------------------------- entry points


def lint_paths(paths: Iterable[str | Path], catalog: Catalog | None = None) -> LintReport:
    """Lint rule YAML and Markdown files, or every such file below directories."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(
                    p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in RULE_SUFFIXES + MARKDOWN_SUFFIXES
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise LintError(f"{path}: no such file or directory")
    linter = Linter(catalog or default_catalog())
    return LintReport([linter.lint_file(p) for p in files])


class Linter:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.ids: dict[str, Path] = {}

    def lint_file(self, path: Path) -> FileReport:
        report = FileReport(path)
        try:
            raw = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            report.problems.append(Problem(path, 1, 1, f"cannot read as UTF-8 text: {exc}", "yaml"))
            return report
        report.problems.extend(line_ending_problems(path, raw))
        text = raw.replace("\r\n", "\n").replace("\r", "\n")  # as Path.read_text, which the loader uses, sees it
        if path.suffix.lower() in MARKDOWN_SUFFIXES:
            self.lint_markdown(report, text)
        else:
            self.lint_rule(report, text)
        report.problems.sort()
        return report

    # ------------------------------------------------------------ Markdown

    def lint_markdown(self, report: FileReport, text: str) -> None:
        for block in fenced_blocks(text):
            if block.info.lower() in KQL_FENCE_INFO and block.text.strip():
                report.queries += 1
                placement = CodeBlock(report.path, block.line + 1, block.indent)
                report.problems.extend(self.check_query(block.text, placement, report.path)[0])

    # ------------------------------------------------------------ rule YAML

    def lint_rule(self, report: FileReport, text: str) -> None:
        path = report.path
        lines = text.split("\n")
        layout = scan_layout(path, lines)
        report.problems.extend(layout)
        entries, failed, yaml_problems = compose_entries(path, text)
        explained = {p.line for p in layout}  # a tab or a mis-indented key is why the YAML breaks there
        report.problems.extend(p for p in yaml_problems if p.line not in explained)
        if entries is None:
            return
        report.problems.extend(schema_problems(path, entries, failed))
        rule_id = entries["id"].value if "id" in entries else None
        if isinstance(rule_id, (str, int)):
            rule_id = str(rule_id)
            if rule_id in self.ids:
                line, column = entries["id"].value_position
                message = f"rule id {rule_id} is also used by {self.ids[rule_id]}"
                report.problems.append(Problem(path, line, column, message, "duplicate-id"))
            else:
                self.ids[rule_id] = path
        query = entries.get("query")
        if query is None or not isinstance(query.value, str):
            return
        report.queries += 1
        node = query.node
        placement: Placement
        if getattr(node, "style", None) not in ("|", ">") and node.end_mark.line > node.start_mark.line:
            placement = FoldedScalar(path, *query.value_position)
        else:
            placement = LoadedRule(Rule(id=str(rule_id or "?"), query=query.value), path, *query_origin(node, lines))
        compiled_problems, compiled = self.check_query(query.value, placement, path)
        report.problems.extend(compiled_problems)
        if compiled is not None:
            report.problems.extend(entity_problems(path, entries, compiled.columns))
            tables = {t.name for t in compiled.tree.find_all(exp.Table)} & set(self.catalog.table_names())
            report.problems.extend(connector_problems(path, entries, failed, tables))

    # ------------------------------------------------------------ KQL

    def check_query(self, query: str, placement: Placement, path: Path) -> tuple[list[Problem], CompiledQuery | None]:
        """The query's first problem, placed in its file, or the compiled query."""
        try:
            return [], compile_query(query, self.catalog)
        except KqlError as error:
            position = error.position or (1, 1)
            message = f"{error.kind}: {error.message}"
            if isinstance(placement, FoldedScalar):
                message += f" (at line {position[0]}, column {position[1]} of the folded query)"
            return [at(path, placement.place(*position), message, "kql")], None
        except Exception as error:  # a compiler bug must not stop the other files from being checked
            return [at(path, placement.place(1, 1), f"internal error compiling the query: {error!r}", "kql")], None


# ---------------------------------------------------------------- text and layout


def at(path: Path, place: str, message: str, check: str) -> Problem:
    """A Problem from a `file:line:column` place string."""
    line, column = place.rsplit(":", 2)[1:]
    return Problem(path, int(line), int(column), message, check)


def line_ending_problems(path: Path, raw: str) -> list[Problem]:
    crlf = raw.count("\r\n")
    if not crlf:
        return []
    first = raw.index("\r\n")
    line, column = line_col(raw, first)
    total = raw.count("\n") + (not raw.endswith("\n"))
    message = f"CRLF line endings ({crlf} of {total} lines); use LF"
    return [Problem(path, line, column, message, "crlf")]


@dataclass
class _Frame:
    column: int
    name: str  # a key, or "[]" for a list entry
    first_key_column: int | None = None
    opens_block: bool = False  # a key with nothing after the colon: its value is on the lines below


def scan_layout(path: Path, lines: list[str]) -> list[Problem]:
    """Tabs and mis-indented Sentinel keys, read from the indentation alone (so it works on broken YAML)."""
    problems: list[Problem] = []
    stack: list[_Frame] = []
    entry_columns: dict[tuple[str, ...], int] = {}  # list path -> column of the first key of its last entry
    block_parent: int | None = None  # inside a block scalar whose key is at this column
    for number, line in enumerate(lines, start=1):
        stripped = line.lstrip(" \t")
        column = len(line) - len(stripped)
        if block_parent is not None:
            if not stripped or column > block_parent:
                continue
            block_parent = None
        if not stripped or stripped.startswith("#"):
            continue
        if "\t" in line[:column]:
            tab = line.index("\t")
            problems.append(Problem(path, number, tab + 1, "tab in indentation; YAML indents with spaces", "tab"))
            continue  # its intended level is unknown
        key_match = _KEY.match(stripped)
        item_match = _ITEM.match(stripped)
        if key_match is None and item_match is None:
            continue  # a scalar continuing from the line above, or flow style
        dashes = key_match["dashes"] if key_match else item_match.group(0)
        while stack and stack[-1].column >= column:
            top = stack[-1]
            if dashes and top.column == column and top.opens_block:
                break  # `key:` then `- item` at the key's own column: the list is the key's value
            stack.pop()
        offset = 0
        for dash in re.finditer(r"-[ ]*", dashes):
            stack.append(_Frame(column + dash.start(), "[]"))
            offset = dash.end()
        if key_match is None:
            continue
        key, key_column = key_match["key"], column + offset
        if stack and stack[-1].name == "[]":
            entry = stack[-1]
            if entry.first_key_column is None:
                entry.first_key_column = key_column
                entry_columns[tuple(f.name for f in stack)] = key_column
        parents = tuple(f.name for f in stack)
        expected = PARENT_OF.get(key)
        if expected is not None and parents != expected and not any(p in FREE_FORM for p in parents):
            problems.append(
                Problem(path, number, key_column + 1, misplaced(key, parents, expected, entry_columns), "indent")
            )
        value = (key_match["value"] or "").strip()
        stack.append(_Frame(key_column, key, opens_block=not value or value.startswith("#")))
        if _BLOCK_SCALAR.match(value):
            block_parent = key_column
    return problems


def dotted(path: tuple[str, ...]) -> str:
    return ".".join(path).replace(".[]", "[]") or "the top level"


def misplaced(
    key: str, parents: tuple[str, ...], expected: tuple[str, ...], entries: dict[tuple[str, ...], int]
) -> str:
    where = f"{dotted(parents)}.{key}" if parents else key
    want = f"{dotted(expected)}.{key}" if expected else key
    message = f"'{key}' is at {where}, but the Sentinel rule schema puts it at {want}"
    if expected in entries:
        message += f"; indent it to column {entries[expected] + 1}, under the entry's first key"
    elif not expected:
        message += "; move it to column 1"
    return message


# ---------------------------------------------------------------- YAML


@dataclass(frozen=True, slots=True)
class Entry:
    """A top-level key of the rule: where the key is, its YAML node and its Python value."""

    line: int
    column: int
    node: yaml.Node
    value: Any

    @property
    def value_position(self) -> tuple[int, int]:
        return self.node.start_mark.line + 1, self.node.start_mark.column + 1


def yaml_problem(path: Path, error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    message = f"not valid YAML: {problem}" + (f" ({context})" if context else "")
    if mark is None:
        return Problem(path, 1, 1, message, "yaml")
    return Problem(path, mark.line + 1, mark.column + 1, message, "yaml")


def _entries(path: Path, root: yaml.Node, problems: list[Problem]) -> dict[str, Entry]:
    """Top-level keys of a mapping node; a repeated key is a problem (YAML would keep only the last)."""
    constructor = yaml.SafeLoader("")
    out: dict[str, Entry] = {}
    if isinstance(root, yaml.MappingNode):
        for key, node in root.value:
            if isinstance(key, yaml.ScalarNode):
                name, line, column = str(key.value), key.start_mark.line + 1, key.start_mark.column + 1
                if name in out:
                    message = f"key '{name}' repeats line {out[name].line}; YAML keeps only the last"
                    problems.append(Problem(path, line, column, message, "yaml"))
                out[name] = Entry(line, column, node, constructor.construct_document(node))
    return out


def compose_entries(path: Path, text: str) -> tuple[dict[str, Entry] | None, set[str], list[Problem]]:
    """Top-level entries; when the document is broken, each top-level key is read on its own.

    Returns (entries or None when nothing could be read, keys that could not be read, YAML problems).
    """
    problems: list[Problem] = []
    try:
        root = yaml.compose(text, Loader=_LOADER)
        if not isinstance(root, yaml.MappingNode):
            return None, set(), [Problem(path, 1, 1, "a rule must be a YAML mapping of keys to values", "schema")]
        return _entries(path, root, problems), set(), problems
    except yaml.YAMLError as error:
        problems = [yaml_problem(path, error)]
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _KEY.match(line) and not line.startswith(("-", " ", "#"))]
    entries: dict[str, Entry] = {}
    failed: set[str] = set()
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        key = _KEY.match(lines[start])["key"]  # type: ignore[index]
        chunk = "\n" * start + "\n".join(lines[start:end])  # keeps line numbers
        try:
            entries.update(_entries(path, yaml.compose(chunk, Loader=_LOADER), problems))
        except yaml.YAMLError:
            failed.add(key)
    return (entries or None), failed, problems


def query_origin(node: yaml.Node, lines: list[str]) -> tuple[int, int]:
    """(first file line of the query text, columns of indentation before each of its lines), as the loader does."""
    style = getattr(node, "style", None)
    if style in ("|", ">"):
        line = node.start_mark.line + 2
        first = lines[line - 1] if line - 1 < len(lines) else ""
        return line, len(first) - len(first.lstrip(" "))
    return node.start_mark.line + 1, node.start_mark.column + (1 if style in ("'", '"') else 0)


# ---------------------------------------------------------------- Sentinel schema


def schema_problems(path: Path, entries: dict[str, Entry], failed: set[str]) -> list[Problem]:
    problems: list[Problem] = []

    def report(key: str, message: str, node: yaml.Node | None = None) -> None:
        if node is not None:
            line, column = node.start_mark.line + 1, node.start_mark.column + 1
        elif key in entries:
            line, column = entries[key].line, entries[key].column
        else:
            line, column = 1, 1
        problems.append(Problem(path, line, column, message, "schema"))

    data = {k: e.value for k, e in entries.items()}
    try:
        Rule.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else ""
            if key in failed:
                continue
            where = ".".join(str(part) for part in error["loc"])
            if error["type"] == "missing":
                report(key, f"missing required key '{where}'")
            else:
                node = node_at(entries[key].node, *error["loc"][1:]) if key in entries else None
                report(key, f"'{where}': {error['msg'].lower()}", node)
    for key in ("name", "description", "requiredDataConnectors", "tactics", "relevantTechniques"):
        if key not in data and key not in failed:
            report(key, f"missing key '{key}', which Sentinel requires")
        elif key in ("name", "description") and key in data and not str(data[key] or "").strip():
            report(key, f"'{key}' is empty")
    rule_id = data.get("id")
    if rule_id is not None:
        try:
            uuid.UUID(str(rule_id))
        except ValueError:
            report("id", f"id {rule_id!r} is not a GUID, which Sentinel requires", entries["id"].node)
    for i, tactic in enumerate(_as_list(data.get("tactics"))):
        if isinstance(tactic, str) and tactic not in TACTICS:
            close = difflib.get_close_matches(tactic, sorted(TACTICS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            node = entries["tactics"].node
            item = node_at(node, i) if isinstance(node, yaml.SequenceNode) else node
            report("tactics", f"unknown tactic {tactic!r}{hint}", item)
    for i, technique in enumerate(_as_list(data.get("relevantTechniques"))):
        if isinstance(technique, str) and not TECHNIQUE.match(technique):
            node = entries["relevantTechniques"].node
            item = node_at(node, i) if isinstance(node, yaml.SequenceNode) else node
            report("relevantTechniques", f"{technique!r} is not a technique id like T1219 or T1219.001", item)
    if "version" in data and not VERSION.match(str(data["version"])):
        report("version", f"version {data['version']!r} is not like 1.0.0", entries["version"].node)
    problems.extend(entity_shape_problems(path, entries))
    kind = data.get("kind")
    if kind is not None:
        if kind not in ("Scheduled", "NRT"):
            report("kind", f"kind {kind!r} is not Scheduled or NRT", entries["kind"].node)
        else:
            scheduled_problems(data, report, kind)
    return problems


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value if isinstance(value, list) else []


def scheduled_problems(data: dict[str, Any], report: Callable[..., None], kind: str) -> None:
    if data.get("severity") not in SEVERITIES:
        report("severity", f"severity must be one of {', '.join(SEVERITIES)}, not {data.get('severity')!r}")
    if kind == "NRT":
        return
    for key in ("queryFrequency", "queryPeriod"):
        try:
            duration = parse_duration(str(data.get(key, "")))
        except ValueError:
            report(key, f"{key} must be a period like 5m, 1h or 1d, not {data.get(key)!r}")
            continue
        if not SHORTEST <= duration <= LONGEST:
            report(key, f"{key} {data.get(key)} is outside Sentinel's range of 5 minutes to 14 days")
    if str(data.get("triggerOperator")).lower() not in TRIGGER_OPERATORS:
        report("triggerOperator", f"triggerOperator must be one of gt, lt, eq, ne, not {data.get('triggerOperator')!r}")
    threshold = data.get("triggerThreshold")
    if not isinstance(threshold, int) or threshold not in THRESHOLD_RANGE:
        report("triggerThreshold", "triggerThreshold must be an integer from 0 to 10000")


def entity_shape_problems(path: Path, entries: dict[str, Entry]) -> list[Problem]:
    entry = entries.get("entityMappings")
    if entry is None or not isinstance(entry.value, list):
        return []
    problems = []

    def report(node: yaml.Node | None, message: str) -> None:
        mark = (node or entry.node).start_mark
        problems.append(Problem(path, mark.line + 1, mark.column + 1, message, "schema"))

    if len(entry.value) > MAX_ENTITY_MAPPINGS:
        report(entry.node, f"{len(entry.value)} entity mappings; Sentinel allows at most {MAX_ENTITY_MAPPINGS}")
    for i, mapping in enumerate(entry.value):
        node = node_at(entry.node, i)
        if not isinstance(mapping, dict):
            report(node, "an entity mapping must be a mapping with entityType and fieldMappings")
            continue
        kind = mapping.get("entityType")
        if kind not in ENTITY_TYPES:
            close = difflib.get_close_matches(str(kind), sorted(ENTITY_TYPES), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            report(node_at(entry.node, i, "entityType") or node, f"unknown entityType {kind!r}{hint}")
        fields = mapping.get("fieldMappings")
        if not isinstance(fields, list) or not fields:
            report(node, "an entity mapping needs a non-empty list of fieldMappings")
            continue
        if len(fields) > MAX_IDENTIFIERS:
            report(
                node_at(entry.node, i, "fieldMappings"),
                f"Sentinel allows at most {MAX_IDENTIFIERS} fieldMappings per entity",
            )
        for j, pair in enumerate(fields):
            if not isinstance(pair, dict) or not pair.get("identifier") or not pair.get("columnName"):
                report(node_at(entry.node, i, "fieldMappings", j), "a field mapping needs identifier and columnName")
    return problems


def entity_problems(path: Path, entries: dict[str, Entry], columns: Iterable[str]) -> list[Problem]:
    """Entity mappings must name columns of the query's output."""
    entry = entries.get("entityMappings")
    if entry is None or not isinstance(entry.value, list):
        return []
    available = list(columns)
    problems = []
    for i, mapping in enumerate(entry.value):
        fields = mapping.get("fieldMappings") if isinstance(mapping, dict) else None
        for j, pair in enumerate(fields if isinstance(fields, list) else []):
            column = pair.get("columnName") if isinstance(pair, dict) else None
            if not isinstance(column, str) or column in available:
                continue
            node = node_at(entry.node, i, "fieldMappings", j, "columnName") or entry.node
            close = difflib.get_close_matches(column, available, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            message = f"entity mapping column '{column}' is not in the query's output{hint}"
            problems.append(Problem(path, node.start_mark.line + 1, node.start_mark.column + 1, message, "entity"))
    return problems


def connector_problems(path: Path, entries: dict[str, Entry], failed: set[str], tables: set[str]) -> list[Problem]:
    """Every table the query reads should be listed in requiredDataConnectors[].dataTypes."""
    if "requiredDataConnectors" in failed or "requiredDataConnectors" not in entries:
        return []
    entry = entries["requiredDataConnectors"]
    listed = {
        str(t)
        for connector in (entry.value if isinstance(entry.value, list) else [])
        if isinstance(connector, dict)
        for t in (connector.get("dataTypes") or [])
    }
    missing = sorted(tables - listed)
    if not missing:
        return []
    names = ", ".join(missing)
    message = f"the query reads {names}, which requiredDataConnectors[].dataTypes does not list"
    return [Problem(path, entry.line, entry.column, message, "connector")]
