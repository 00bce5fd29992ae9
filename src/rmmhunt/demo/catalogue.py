"""The indicators of one RMM tool, read from the catalogue that generates the pack
(rules/catalogue/tools/<slug>.yaml), so that planted activity uses the very strings the rules look for."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path

import yaml

from rmmhunt.errors import RmmhuntError


class Kind(StrEnum):
    """The three rule kinds of the pack (scripts/generate_pack.py KINDS), one per Defender table."""

    FILE_SIGNATURE = "file_signature"
    PROCESS = "process"
    NETWORK = "network"


KIND_TABLES: dict[Kind, str] = {
    Kind.FILE_SIGNATURE: "DeviceFileCertificateInfo",
    Kind.PROCESS: "DeviceProcessEvents",
    Kind.NETWORK: "DeviceNetworkEvents",
}

ProcessMatcher = dict[str, tuple[str, ...]]  # catalogue field (company, product, ...) -> values, any of which match


def catalogue_dir() -> Path:
    return Path(str(resources.files("rmmhunt.rules").joinpath("catalogue")))


@dataclass(frozen=True, slots=True)
class ToolIndicators:
    slug: str
    name: str
    signers: tuple[str, ...]
    process: tuple[ProcessMatcher, ...]
    domains: tuple[str, ...]

    @property
    def kinds(self) -> tuple[Kind, ...]:
        """The kinds the pack has a rule for (the generator writes one when the catalogue gives indicators)."""
        present = {Kind.FILE_SIGNATURE: self.signers, Kind.PROCESS: self.process, Kind.NETWORK: self.domains}
        return tuple(kind for kind, indicators in present.items() if indicators)


def _values(entries: object) -> tuple[str, ...]:
    return tuple(e["value"] for e in entries or [] if isinstance(e, dict) and isinstance(e.get("value"), str))


@functools.cache
def tool_indicators(slug: str) -> ToolIndicators:
    """A catalogue tool by its slug (file stem); an unknown or malformed file names its path."""
    path = catalogue_dir() / "tools" / f"{slug}.yaml"
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RmmhuntError(f"{path}: cannot read the catalogue entry of tool {slug!r}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise RmmhuntError(f"{path}: expected a mapping with a 'name'")
    process = tuple(
        {key: tuple(values) for key, values in matcher.items() if key not in ("source", "note")}
        for matcher in data.get("process") or []
    )
    return ToolIndicators(slug, data["name"], _values(data.get("signers")), process, _values(data.get("domains")))
