"""The Sentinel rule model: hunting queries and scheduled analytics rules share it.

Reference: the Azure-Sentinel repository's rule template schema (id, name, description,
requiredDataConnectors, tactics, relevantTechniques, query, and for scheduled rules kind,
severity, queryFrequency, queryPeriod, triggerOperator, triggerThreshold, entityMappings, customDetails,
alertDetailsOverride, eventGroupingSettings, incidentConfiguration). Durations and triggers are parsed and
checked, naming the file and line, by `rules.schedule`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

SEVERITIES = ("Informational", "Low", "Medium", "High")
# Sentinel's limits on what an analytics rule maps from its results
# (https://learn.microsoft.com/en-us/azure/sentinel/map-data-fields-to-entities and
# https://learn.microsoft.com/en-us/azure/sentinel/surface-custom-details-in-alerts).
MAX_ENTITY_MAPPINGS = 10
MAX_IDENTIFIERS = 3
MAX_CUSTOM_DETAILS = 20


class DataConnector(BaseModel):
    model_config = ConfigDict(extra="allow")

    connectorId: str
    dataTypes: list[str] = Field(default_factory=list)


class EventGroupingSettings(BaseModel):
    model_config = ConfigDict(extra="allow")

    aggregationKind: str = "SingleAlert"  # or AlertPerResult


class AlertDetailsOverride(BaseModel):
    """Alert name and description from `{{Column}}` formats, severity and tactics from columns."""

    model_config = ConfigDict(extra="allow")

    alertDisplayNameFormat: str | None = None
    alertDescriptionFormat: str | None = None
    alertSeverityColumnName: str | None = None
    alertTacticsColumnName: str | None = None


class Rule(BaseModel):
    """One rule; keys the model does not name are kept (Sentinel adds keys over time)."""

    model_config = ConfigDict(extra="allow")

    id: str
    query: str
    name: str = ""
    description: str = ""
    kind: str | None = None  # Scheduled or NRT for analytics rules; absent for hunting queries
    severity: str | None = None
    requiredDataConnectors: list[DataConnector] = Field(default_factory=list)
    tactics: list[str] = Field(default_factory=list)
    relevantTechniques: list[str] = Field(default_factory=list)
    queryFrequency: str | None = None
    queryPeriod: str | None = None
    triggerOperator: str | None = None
    triggerThreshold: int | None = None
    entityMappings: list[dict[str, Any]] = Field(default_factory=list)
    customDetails: dict[str, str] = Field(default_factory=dict)  # alert detail key -> result column
    alertDetailsOverride: AlertDetailsOverride | None = None
    eventGroupingSettings: EventGroupingSettings = Field(default_factory=EventGroupingSettings)
    incidentConfiguration: dict[str, Any] | None = None  # kept as written: incidents are Sentinel's, not ours
    version: str | None = None

    @field_validator("tactics", "relevantTechniques", mode="before")
    @classmethod
    def _scalar_to_list(cls, value: Any) -> Any:
        """The seed and many public rules write `tactics: CommandAndControl` rather than a list."""
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return [] if value is None else value

    @field_validator("id", "version", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) else value

    @property
    def is_scheduled(self) -> bool:
        return self.kind is not None and self.kind.lower() in ("scheduled", "nrt")

    @property
    def title(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class LoadedRule:
    rule: Rule
    path: Path
    query_line: int  # file line on which the query text starts (1-based)
    query_indent: int  # columns of indentation the YAML block adds to each query line

    def place(self, line: int, column: int) -> str:
        """`file:line:column` in the YAML file for a line:column inside the query."""
        return f"{self.path}:{self.query_line + line - 1}:{self.query_indent + column}"
