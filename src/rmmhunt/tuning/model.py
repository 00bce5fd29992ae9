"""The exclusions model: who sanctioned which use of which rule's matches, until when, and on what conditions."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rmmhunt.rules.model import Rule
from rmmhunt.tuning.globs import check_glob, glob_matches

_HEX = re.compile(r"[0-9A-Fa-f]+")


def _listed(value: Any) -> Any:
    """A single value where a list is expected is a list of one."""
    return [value] if isinstance(value, str | int | float) else value


def _hexes(values: list[str], lengths: tuple[int, ...], what: str) -> list[str]:
    for value in values:
        if not _HEX.fullmatch(value) or len(value) not in lengths:
            raise ValueError(f"{value!r} is not a {what} ({' or '.join(map(str, lengths))} hex digits)")
    return values


class Conditions(BaseModel):
    """All given conditions must hold; each one holds when any of its values matches."""

    model_config = ConfigDict(extra="forbid")

    extension: list[str] | None = None
    file_name: list[str] | None = None
    folder_path: list[str] | None = None
    sha1: list[str] | None = None
    sha256: list[str] | None = None
    signer: list[str] | None = None
    issuer: list[str] | None = None
    signer_hash: list[str] | None = None
    origin_url: list[str] | None = None
    origin_ip: list[str] | None = None
    initiating_process: list[str] | None = None
    scheduled_task: list[str] | None = None
    device: list[str] | None = None
    device_group: list[str] | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _as_list(cls, value: Any) -> Any:
        value = _listed(value)
        if isinstance(value, list):
            if not value:
                raise ValueError("an empty list matches nothing; leave the condition out instead")
            return [str(v) if isinstance(v, int | float) else v for v in value]
        return value

    @field_validator(
        "file_name",
        "folder_path",
        "signer",
        "issuer",
        "origin_url",
        "initiating_process",
        "scheduled_task",
        "device",
        "device_group",
    )
    @classmethod
    def _globs(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else [check_glob(v) for v in values]

    @field_validator("folder_path")
    @classmethod
    def _windows_paths(cls, values: list[str] | None) -> list[str] | None:
        for value in values or []:
            if "/" in value:
                raise ValueError(f"{value!r}: Windows paths use backslashes")
        return values

    @field_validator("extension")
    @classmethod
    def _extensions(cls, values: list[str] | None) -> list[str] | None:
        for value in values or []:
            if not re.fullmatch(r"\.[^.\\/*?]+", value):
                raise ValueError(f"{value!r} is not a file extension such as '.log'")
        return values

    @field_validator("sha1")
    @classmethod
    def _sha1(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _hexes(values, (40,), "SHA1")

    @field_validator("sha256")
    @classmethod
    def _sha256(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _hexes(values, (64,), "SHA256")

    @field_validator("signer_hash")
    @classmethod
    def _signer_hash(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _hexes(values, (40, 64), "signer hash")

    @field_validator("origin_ip")
    @classmethod
    def _cidrs(cls, values: list[str] | None) -> list[str] | None:
        for value in values or []:
            try:
                ipaddress.IPv4Network(value, strict=False)
            except ValueError:
                raise ValueError(f"{value!r} is not an IPv4 address or CIDR range such as 10.0.0.0/8") from None
        return values

    def given(self) -> dict[str, list[str]]:
        return {name: values for name, values in self if values is not None}


class Exclusion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    expires: date | None = None  # the last day on which it applies
    rules: list[str] = Field(default_factory=list)  # rule ids or name globs; empty: every rule
    when: Conditions

    @field_validator("id", mode="before")
    @classmethod
    def _text_id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @field_validator("rules", mode="before")
    @classmethod
    def _rules(cls, value: Any) -> Any:
        return _listed(value)

    @field_validator("rules")
    @classmethod
    def _rule_globs(cls, values: list[str]) -> list[str]:
        return [check_glob(v) for v in values]

    @model_validator(mode="after")
    def _some_condition(self) -> Exclusion:
        if not self.when.given():
            raise ValueError("'when' needs at least one condition: an exclusion of everything would blind the hunt")
        return self

    def is_active(self, at: datetime) -> bool:
        return self.expires is None or at.date() <= self.expires

    def applies_to(self, rule: Rule) -> bool:
        return not self.rules or any(glob_matches(p, rule.id) or glob_matches(p, rule.name) for p in self.rules)


@dataclass(frozen=True, slots=True)
class ExclusionSet:
    """Exclusions in file order (a source row is counted for the first one that matches it)."""

    exclusions: tuple[Exclusion, ...] = ()
    source: Path | None = None
    lines: dict[str, int] = field(default_factory=dict)  # exclusion id -> line of its entry in `source`

    @classmethod
    def empty(cls) -> ExclusionSet:
        return cls()

    def active(self, at: datetime) -> list[Exclusion]:
        return [e for e in self.exclusions if e.is_active(at)]

    def expired(self, at: datetime) -> list[Exclusion]:
        return [e for e in self.exclusions if not e.is_active(at)]

    def place(self, exclusion_id: str) -> str:
        """`file:line` of an exclusion, for reports."""
        line = self.lines.get(exclusion_id)
        return f"{self.source}:{line}" if self.source and line else str(self.source or "exclusions")

    def __iter__(self) -> Iterator[Exclusion]:
        return iter(self.exclusions)

    def __len__(self) -> int:
        return len(self.exclusions)
