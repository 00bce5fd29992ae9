"""Regenerate the RMM rule pack (src/rmmhunt/rules/packs/rmm/) from the catalogue.

    .venv/bin/python scripts/generate_pack.py            # rewrite the pack in place
    .venv/bin/python scripts/generate_pack.py --out DIR  # write it elsewhere (tests compare the two)
    .venv/bin/python scripts/generate_pack.py --check    # exit 1 if the pack is not what the catalogue gives

Each tool in src/rmmhunt/rules/catalogue/tools/ gives up to three Sentinel hunting queries: a file
signed by the tool's publisher (DeviceFileCertificateInfo), a process whose version information
names the tool (DeviceProcessEvents), a connection to the tool's domains (DeviceNetworkEvents).
Rule ids are uuid5(NAMESPACE, "<slug>/<kind>"), so regenerating never changes them. The output is
a pure function of the catalogue: same catalogue, same bytes.
"""

from __future__ import annotations

import argparse
import difflib
import ipaddress
import re
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rmmhunt.errors import RmmhuntError

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "src" / "rmmhunt" / "rules" / "catalogue"
PACK = ROOT / "src" / "rmmhunt" / "rules" / "packs" / "rmm"

NAMESPACE = uuid.UUID("5a0e6c1e-7f3b-4d2a-9c51-0b6e2f4d8a17")  # fixed forever: rule ids derive from it
PACK_VERSION = "1.0.0"  # bump when the catalogue changes what the rules match
LOOKBACK = "7d"
SOURCES = {"jischell": "jischell-msft/RemoteManagementMonitoringTools", "lolrmm": "magicsword-io/LOLRMM"}
KINDS = ("file_signature", "process", "network")
PROCESS_FIELDS = {
    "company": "ProcessVersionInfoCompanyName",
    "product": "ProcessVersionInfoProductName",
    "description": "ProcessVersionInfoFileDescription",
    "original_file_name": "ProcessVersionInfoOriginalFileName",
    "file_name": "FileName",
    "folder_path": "FolderPath",
}
DOMAIN = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$")
TERM_BOUNDARY = re.compile(r"[^0-9a-z]")


class CatalogueError(RmmhuntError):
    """A problem in the catalogue data, naming the file and the entry."""


# ---------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Indicator:
    value: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ProcessMatcher:
    fields: dict[str, tuple[str, ...]]  # PROCESS_FIELDS key -> values (any may match); all fields must hold
    sources: tuple[str, ...]


@dataclass
class Tool:
    slug: str
    name: str
    path: Path
    sources: dict[str, list[str]]
    signers: list[Indicator] = field(default_factory=list)
    process: list[ProcessMatcher] = field(default_factory=list)
    domains: list[Indicator] = field(default_factory=list)


@dataclass(frozen=True)
class Policy:
    shared_domains: frozenset[str]
    shared_hosts: frozenset[str]
    non_public_suffixes: tuple[str, ...]


def _list_of_str(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogueError(f"{where}: expected a non-empty list of strings")
    return tuple(v.strip() for v in value)


def _sources(entry: dict[str, Any], where: str) -> tuple[str, ...]:
    sources = _list_of_str(entry.get("source"), f"{where}.source")
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise CatalogueError(f"{where}.source: unknown source {unknown[0]!r}; known: {', '.join(SOURCES)}")
    return sources


def _indicators(raw: Any, where: str) -> list[Indicator]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise CatalogueError(f"{where}: expected a list")
    out = []
    for i, entry in enumerate(raw):
        here = f"{where}[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), str) or not entry["value"].strip():
            raise CatalogueError(f"{here}: expected a mapping with a 'value'")
        extra = set(entry) - {"value", "source", "note"}
        if extra:
            raise CatalogueError(f"{here}: unknown key {sorted(extra)[0]!r}")
        out.append(Indicator(entry["value"].strip(), _sources(entry, here)))
    return out


def _process(raw: Any, where: str) -> list[ProcessMatcher]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise CatalogueError(f"{where}: expected a list")
    out = []
    for i, entry in enumerate(raw):
        here = f"{where}[{i}]"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{here}: expected a mapping")
        extra = set(entry) - set(PROCESS_FIELDS) - {"source", "note"}
        if extra:
            raise CatalogueError(f"{here}: unknown key {sorted(extra)[0]!r}; fields are {', '.join(PROCESS_FIELDS)}")
        fields = {k: _list_of_str(entry[k], f"{here}.{k}") for k in PROCESS_FIELDS if k in entry}
        if not fields:
            raise CatalogueError(f"{here}: a matcher needs at least one of {', '.join(PROCESS_FIELDS)}")
        out.append(ProcessMatcher(fields, _sources(entry, here)))
    return out


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: {exc}") from None


def load_tool(path: Path) -> Tool:
    data = _read_yaml(path)
    where = str(path)
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise CatalogueError(f"{where}: expected a mapping with a 'name'")
    extra = set(data) - {"name", "sources", "signers", "process", "domains", "dropped"}
    if extra:
        raise CatalogueError(f"{where}: unknown key {sorted(extra)[0]!r}")
    sources = data.get("sources")
    if not isinstance(sources, dict) or not sources or set(sources) - set(SOURCES):
        raise CatalogueError(f"{where}: 'sources' must map {' and/or '.join(SOURCES)} to paths")
    for dropped in data.get("dropped") or []:
        if not isinstance(dropped, dict) or not dropped.get("reason"):
            raise CatalogueError(f"{where}: every dropped indicator needs a 'reason'")
    return Tool(
        slug=path.stem,
        name=data["name"].strip(),
        path=path,
        sources={k: list(_list_of_str(v, f"{where}.sources.{k}")) for k, v in sources.items()},
        signers=_indicators(data.get("signers"), f"{where}: signers"),
        process=_process(data.get("process"), f"{where}: process"),
        domains=_indicators(data.get("domains"), f"{where}: domains"),
    )


def load_policy(path: Path) -> Policy:
    data = _read_yaml(path)
    try:
        return Policy(
            frozenset(e["domain"] for e in data["shared_domains"]),
            frozenset(e["host"] for e in data["shared_hosts"]),
            tuple(data["non_public_suffixes"]),
        )
    except (KeyError, TypeError) as exc:
        raise CatalogueError(f"{path}: malformed policy ({exc})") from None


def load_catalogue(directory: Path = CATALOGUE) -> tuple[list[Tool], Policy]:
    tools = [load_tool(p) for p in sorted((directory / "tools").glob("*.yaml"))]
    if not tools:
        raise CatalogueError(f"{directory / 'tools'}: no tool files")
    policy = load_policy(directory / "policy.yaml")
    validate(tools, policy)
    return tools, policy


# ---------------------------------------------------------------- validation


def domain_problem(domain: str, policy: Policy) -> str | None:
    """Why a domain may not be matched on its own, or None."""
    if not DOMAIN.match(domain):
        return "not a lower-case domain name"
    try:
        ipaddress.ip_address(domain)
        return "an IP address"
    except ValueError:
        pass
    if domain.endswith(policy.non_public_suffixes):
        return "not a public name"
    if domain in policy.shared_hosts:
        return "a shared platform host"
    if domain in policy.shared_domains:
        return "a bare shared domain"
    return None


def has_term(text: str, phrase: str) -> bool:
    """Kusto's `has` on plain text: `phrase` occurs in `text` starting and ending at term boundaries."""
    text, phrase = text.lower(), phrase.lower()
    start = text.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        left_ok = start == 0 or not phrase[0].isalnum() or TERM_BOUNDARY.match(text[start - 1])
        right_ok = end == len(text) or not phrase[-1].isalnum() or TERM_BOUNDARY.match(text[end])
        if left_ok and right_ok:
            return True
        start = text.find(phrase, start + 1)
    return False


def validate(tools: list[Tool], policy: Policy) -> None:
    signer_owner: dict[str, str] = {}
    domain_owner: dict[str, str] = {}
    for tool in tools:
        if not re.fullmatch(r"[a-z0-9_]+", tool.slug):
            raise CatalogueError(f"{tool.path}: the file name must be a slug of [a-z0-9_]")
        for domain in tool.domains:
            problem = domain_problem(domain.value, policy)
            if problem:
                raise CatalogueError(f"{tool.path}: domain {domain.value!r} is {problem}; drop it with a reason")
            if domain.value in domain_owner:
                raise CatalogueError(f"{tool.path}: domain {domain.value!r} is also {domain_owner[domain.value]}'s")
            domain_owner[domain.value] = tool.slug
        for signer in tool.signers:
            key = signer.value.lower()
            if key in signer_owner:
                raise CatalogueError(f"{tool.path}: signer {signer.value!r} is also {signer_owner[key]}'s")
            signer_owner[key] = tool.slug
    for key, owner in signer_owner.items():
        for other, other_owner in signer_owner.items():
            if other != key and other_owner != owner and has_term(other, key):
                raise CatalogueError(
                    f"catalogue: signer {key!r} ({owner}) also matches {other!r} ({other_owner}); make one specific"
                )


# ---------------------------------------------------------------- KQL text


def kql_string(value: str) -> str:
    if "\\" in value:
        return '@"' + value.replace('"', '""') + '"'
    return '"' + value.replace('"', '\\"') + '"'


def collapse(values: Iterable[str], covers: Callable[[str, str], bool]) -> list[str]:
    """Distinct values (any case), in first-seen order, without those that another covers: covers(broad, narrow)."""
    unique: dict[str, str] = {}
    for v in values:
        unique.setdefault(v.lower(), v)
    kept = list(unique.values())
    return [v for v in kept if not any(o is not v and covers(o, v) for o in kept)]


def either(column: str, op: str, values: list[str], joiner: str = " or ") -> str:
    return joiner.join(f"{column} {op} {kql_string(v)}" for v in values)


def alternatives(clauses: list[str]) -> str:
    """`where` body: one clause per line, `or` between them."""
    return "\n    or ".join(clauses)


def domain_covers(parent: str, child: str) -> bool:
    return child.endswith("." + parent)


def host_regex(domains: list[str]) -> str:
    """A URL or host whose host part is one of `domains` or a subdomain of one (scheme, user, port, path allowed)."""
    names = "|".join(d.replace(".", r"\.") for d in domains)
    return rf"(?i)^(?:[a-z][a-z0-9+.-]*://)?(?:[^/?#@]*@)?(?:[^/?#@:]*\.)?(?:{names})(?::[0-9]+)?(?:[/?#]|$)"


def header(table: str) -> str:
    return f"let lookback = {LOOKBACK};\n{table}\n| where Timestamp > ago(lookback)\n"


def summarize(by: str, tool: Tool, extra: str = "") -> str:
    return (
        "| summarize FirstSeen = min(Timestamp), LastSeen = max(Timestamp), Count = count()\n"
        f"    by {by}\n"
        f"| extend RmmTool = {kql_string(tool.name)}{extra}\n"
    )


def signature_query(tool: Tool, signers: list[str]) -> str:
    return (
        header("DeviceFileCertificateInfo")
        + f"| where {alternatives([f'Signer has {kql_string(s)}' for s in signers])}\n"
        + summarize("DeviceId, DeviceName, Signer, SHA1", tool, ', HashAlgorithm = "SHA1"')
    )


def process_clause(matcher: ProcessMatcher) -> str:
    parts = []
    for key, values in matcher.fields.items():
        column = PROCESS_FIELDS[key]
        if key in ("original_file_name", "file_name"):
            parts.append(f"{column} in~ ({', '.join(kql_string(v) for v in values)})")
        else:
            op = "contains" if key == "folder_path" else "has"
            parts.append(either(column, op, list(values)))
    if len(parts) == 1:
        return parts[0]
    return "(" + " and ".join(f"({p})" if " or " in p else p for p in parts) + ")"


def process_query(tool: Tool) -> str:
    """One clause per matcher; matchers that are only original file names share one `in~` list."""
    names_only = [m for m in tool.process if set(m.fields) == {"original_file_name"}]
    clauses = [process_clause(m) for m in tool.process if m not in names_only]
    if names_only:
        names = collapse((v for m in names_only for v in m.fields["original_file_name"]), lambda a, b: False)
        clauses.append(f"ProcessVersionInfoOriginalFileName in~ ({', '.join(kql_string(v) for v in names)})")
    return (
        header("DeviceProcessEvents")
        + f"| where {alternatives(clauses)}\n"
        + summarize(
            "DeviceId, DeviceName, AccountDomain, AccountName, FileName, SHA1", tool, ', HashAlgorithm = "SHA1"'
        )
    )


def network_query(tool: Tool, domains: list[str]) -> str:
    prefilter = alternatives([f"RemoteUrl has {kql_string(d)}" for d in domains])
    return (
        header("DeviceNetworkEvents")
        + f"| where {prefilter}\n"
        + "// the host part must be one of the domains or a subdomain of one\n"
        + f'| where RemoteUrl matches regex @"{host_regex(domains)}"\n'
        + summarize(
            "DeviceId, DeviceName, InitiatingProcessAccountDomain, InitiatingProcessAccountName,\n"
            "        InitiatingProcessFileName, RemoteUrl",
            tool,
        )
    )


# ---------------------------------------------------------------- rule YAML


def rule_id(slug: str, kind: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{slug}/{kind}"))


def cited(indicators: Iterable[Indicator]) -> str:
    return "; ".join(f"{i.value} [{', '.join(i.sources)}]" for i in indicators)


def describe_matcher(matcher: ProcessMatcher) -> str:
    parts = [f"{k.replace('_', ' ')} {' or '.join(repr(v) for v in vs)}" for k, vs in matcher.fields.items()]
    return " and ".join(parts) + f" [{', '.join(matcher.sources)}]"


def references(tool: Tool) -> list[str]:
    commits = {
        "jischell": "7bb251e68abd13989445195e9d812cb189277715",
        "lolrmm": "3c75cf091b10bf7e8ecd576055c44d172b35ff21",
    }
    kinds = {"jischell": "tree", "lolrmm": "blob"}
    return [
        f"https://github.com/{SOURCES[s]}/{kinds[s]}/{commits[s]}/{p.replace(' ', '%20')}"
        for s, paths in sorted(tool.sources.items())
        for p in paths
    ]


PURPOSE = (
    "{name} is remote monitoring and management (RMM) / remote-access software. Attackers install such tools "
    "for persistent hands-on access and as a command-and-control channel (MITRE ATT&CK T1219); IT teams use them "
    "legitimately, so confirm each match against the tools your organisation sanctions."
)
ENTITY_HOST = {"entityType": "Host", "fieldMappings": [{"identifier": "FullName", "columnName": "DeviceName"}]}


def entity(kind: str, **columns: str) -> dict[str, Any]:
    return {"entityType": kind, "fieldMappings": [{"identifier": k, "columnName": v} for k, v in columns.items()]}


def rule_for(tool: Tool, kind: str) -> dict[str, Any] | None:
    purpose = PURPOSE.format(name=tool.name)
    if kind == "file_signature":
        signers = collapse([s.value for s in tool.signers], lambda broad, narrow: has_term(narrow, broad))
        if not signers:
            return None
        title, table, query = (
            "file signed by its publisher",
            "DeviceFileCertificateInfo",
            signature_query(tool, signers),
        )
        what = f"Finds files signed by {tool.name}'s publishers on each device. Signers: {cited(tool.signers)}."
        entities = [ENTITY_HOST, entity("FileHash", Algorithm="HashAlgorithm", Value="SHA1")]
    elif kind == "process":
        if not tool.process:
            return None
        title, table, query = "process", "DeviceProcessEvents", process_query(tool)
        matchers = "; ".join(describe_matcher(m) for m in tool.process)
        what = f"Finds processes whose version information (or install folder) names {tool.name}: {matchers}."
        entities = [
            ENTITY_HOST,
            entity("Account", Name="AccountName", NTDomain="AccountDomain"),
            entity("FileHash", Algorithm="HashAlgorithm", Value="SHA1"),
        ]
    else:
        domains = collapse([d.value for d in tool.domains], domain_covers)
        if not domains:
            return None
        title, table, query = "connection to its domains", "DeviceNetworkEvents", network_query(tool, domains)
        what = (
            f"Finds connections to {tool.name}'s domains or their subdomains (the host part of RemoteUrl, "
            f"not a substring). Domains: {cited(tool.domains)}."
        )
        entities = [
            ENTITY_HOST,
            entity("Account", Name="InitiatingProcessAccountName", NTDomain="InitiatingProcessAccountDomain"),
            entity("URL", Url="RemoteUrl"),
        ]
    catalogue_path = tool.path.relative_to(ROOT).as_posix() if tool.path.is_relative_to(ROOT) else tool.path.name
    return {
        "id": rule_id(tool.slug, kind),
        "name": f"RMM tool {tool.name} - {title}",
        "description": f"{purpose}\n{what}\nSources: {', '.join(references(tool))}.\n",
        "requiredDataConnectors": [{"connectorId": "MicrosoftThreatProtection", "dataTypes": [table]}],
        "tactics": ["CommandAndControl"],
        "relevantTechniques": ["T1219"],
        "query": query,
        "entityMappings": entities,
        "version": PACK_VERSION,
        "metadata": {
            "source": {
                "kind": "Community",
                "name": " and ".join(SOURCES[s] for s in sorted(tool.sources)),
                "sourceId": catalogue_path,
            },
            "author": {"name": "rmmhunt"},
            "support": {"tier": "Community"},
            "categories": {"domains": ["Security - Threat Protection"]},
        },
    }


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def render(tool: Tool, rule: dict[str, Any]) -> str:
    body = yaml.dump(rule, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)
    source = tool.path.relative_to(ROOT).as_posix() if tool.path.is_relative_to(ROOT) else tool.path.name
    return f"# Generated by scripts/generate_pack.py from {source}; edit the catalogue, not this file.\n{body}"


def generate(out: Path, catalogue: Path = CATALOGUE) -> dict[Path, str]:
    """The pack's files (path under `out` -> text) for the catalogue."""
    tools, _ = load_catalogue(catalogue)
    files: dict[Path, str] = {}
    for tool in tools:
        for kind in KINDS:
            rule = rule_for(tool, kind)
            if rule is not None:
                files[out / f"{tool.slug}_{kind}.yaml"] = render(tool, rule)
    return files


def write(files: dict[Path, str], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for stale in sorted(set(out.glob("*.yaml")) - set(files)):
        stale.unlink()
    for path, text in files.items():
        if not path.exists() or path.read_text("utf-8") != text:
            path.write_text(text, "utf-8")


def check(files: dict[Path, str], out: Path) -> list[str]:
    """Differences between `files` and what is on disk under `out`."""
    problems = [f"{p}: not generated by the catalogue" for p in sorted(set(out.glob("*.yaml")) - set(files))]
    for path, text in files.items():
        current = path.read_text("utf-8") if path.exists() else ""
        if current != text:
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), str(path), "catalogue", lineterm="")
            problems.append("\n".join(list(diff)[:20]) or f"{path}: missing")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=PACK, help="where to write the rules (default: the pack)")
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    args = parser.parse_args(argv)
    try:
        files = generate(args.out)
    except CatalogueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        problems = check(files, args.out)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    write(files, args.out)
    print(f"{len(files)} rules in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
