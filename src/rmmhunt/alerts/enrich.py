"""What Sentinel adds to an alert from the rule's result columns: entities, custom details, dynamic details.

Limits and forms from https://learn.microsoft.com/en-us/azure/sentinel/sentinel-analytic-rules-creation (at most
10 entity mappings of at most 3 identifiers each, 20 custom details, `{{Column}}` placeholders written exactly)
and https://learn.microsoft.com/en-us/azure/sentinel/surface-custom-details-in-alerts (a custom detail holds
up to 50 values: an alert over several rows lists each row's value).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rmmhunt.alerts.model import Row
from rmmhunt.output import text_cell
from rmmhunt.rules.loader import RuleError
from rmmhunt.rules.model import MAX_CUSTOM_DETAILS, MAX_ENTITY_MAPPINGS, MAX_IDENTIFIERS, SEVERITIES, LoadedRule
from rmmhunt.rules.schedule import rule_place

MAX_DETAIL_VALUES = 50
PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")


def _fail(loaded: LoadedRule, path: tuple[str | int, ...], message: str) -> RuleError:
    return RuleError(f"{rule_place(loaded, *path)}: rule {loaded.rule.id} ({loaded.rule.title}): {message}")


def _column_uses(loaded: LoadedRule) -> Iterable[tuple[tuple[str | int, ...], str, str]]:
    """(YAML path, column, what uses it) for every result column the rule's alert settings name."""
    rule = loaded.rule
    for i, mapping in enumerate(rule.entityMappings):
        for j, pair in enumerate(mapping.get("fieldMappings") or []):
            if isinstance(pair, dict) and isinstance(pair.get("columnName"), str):
                path = ("entityMappings", i, "fieldMappings", j, "columnName")
                yield path, pair["columnName"], f"entity mapping {mapping.get('entityType')}.{pair.get('identifier')}"
    for key, column in rule.customDetails.items():
        yield ("customDetails", key), column, f"custom detail {key!r}"
    override = rule.alertDetailsOverride
    if override is None:
        return
    for key in ("alertDisplayNameFormat", "alertDescriptionFormat"):
        for column in PLACEHOLDER.findall(getattr(override, key) or ""):
            yield ("alertDetailsOverride", key), column, f"{key} placeholder"
    for key in ("alertSeverityColumnName", "alertTacticsColumnName"):
        if getattr(override, key):
            yield ("alertDetailsOverride", key), getattr(override, key), key


def check_alert_settings(loaded: LoadedRule, columns: list[str]) -> None:
    """Every column the alert settings name must be in the query's output, within Sentinel's limits."""
    rule = loaded.rule
    if len(rule.entityMappings) > MAX_ENTITY_MAPPINGS:
        raise _fail(loaded, ("entityMappings",), f"{len(rule.entityMappings)} entity mappings; Sentinel allows 10")
    for i, mapping in enumerate(rule.entityMappings):
        pairs = mapping.get("fieldMappings")
        if not mapping.get("entityType") or not isinstance(pairs, list) or not pairs:
            raise _fail(loaded, ("entityMappings", i), "an entity mapping needs entityType and fieldMappings")
        if len(pairs) > MAX_IDENTIFIERS:
            raise _fail(loaded, ("entityMappings", i, "fieldMappings"), "Sentinel allows 3 identifiers per entity")
        for j, pair in enumerate(pairs):
            if not isinstance(pair, dict) or not pair.get("identifier") or not isinstance(pair.get("columnName"), str):
                path = ("entityMappings", i, "fieldMappings", j)
                raise _fail(loaded, path, "a field mapping needs identifier and columnName")
    if len(rule.customDetails) > MAX_CUSTOM_DETAILS:
        raise _fail(loaded, ("customDetails",), f"{len(rule.customDetails)} custom details; Sentinel allows 20")
    for path, column, use in _column_uses(loaded):
        if column not in columns:
            raise _fail(loaded, path, f"{use} names column {column!r}, which the query does not output")


def entities(loaded: LoadedRule, rows: list[Row]) -> list[dict[str, Any]]:
    """One entity per mapping and distinct identifier values over the rows; empty identifiers are left out."""
    found: list[dict[str, Any]] = []
    for mapping in loaded.rule.entityMappings:
        for row in rows:
            identifiers = {
                pair["identifier"]: row[pair["columnName"]]
                for pair in mapping["fieldMappings"]
                if row.get(pair["columnName"]) not in (None, "")
            }
            entity = {"type": mapping["entityType"], **identifiers}
            if identifiers and entity not in found:
                found.append(entity)
    return found


def custom_details(loaded: LoadedRule, rows: list[Row]) -> dict[str, list[Any]]:
    details = {}
    for key, column in loaded.rule.customDetails.items():
        values: list[Any] = []
        for row in rows:
            if row[column] is not None and row[column] not in values:
                values.append(row[column])
        details[key] = values[:MAX_DETAIL_VALUES]
    return details


def _format(template: str, row: Row) -> str:
    return PLACEHOLDER.sub(lambda m: text_cell(row.get(m[1])), template)


def dynamic_details(loaded: LoadedRule, row: Row) -> tuple[str, str, str | None]:
    """The alert's name, description and severity: the rule's, or alertDetailsOverride's from the row."""
    rule = loaded.rule
    title, description, severity = rule.title, rule.description.strip(), rule.severity
    override = rule.alertDetailsOverride
    if override is None:
        return title, description, severity
    if override.alertDisplayNameFormat:
        title = _format(override.alertDisplayNameFormat, row)
    if override.alertDescriptionFormat:
        description = _format(override.alertDescriptionFormat, row)
    if override.alertSeverityColumnName:
        # a value that is not one of the four severities keeps the rule's
        value = str(row.get(override.alertSeverityColumnName) or "").capitalize()
        severity = value if value in SEVERITIES else severity
    return title, description, severity
