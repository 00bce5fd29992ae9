"""Result tables to alerts: one alert per group of rows (see `rules.schedule.alert_groups`)."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from rmmhunt.alerts import enrich
from rmmhunt.alerts.model import Alert, Row, RuleInfo
from rmmhunt.output import rows as json_rows
from rmmhunt.rules.model import LoadedRule, Rule


def rule_info(rule: Rule) -> RuleInfo:
    return RuleInfo(rule.id, rule.title, rule.severity, tuple(rule.tactics), tuple(rule.relevantTechniques))


def result_rows(table: pa.Table) -> list[Row]:
    """Rows as dictionaries of JSON-ready values (the same conventions as `--format json`)."""
    return [dict(zip(table.column_names, values, strict=True)) for values in json_rows(table)]


def make_alerts(
    loaded: LoadedRule,
    table: pa.Table,
    groups: list[list[int]],
    window: tuple[datetime, datetime],
    *,
    summary: bool,
    exclusion: str | None = None,
) -> list[Alert]:
    """An alert for each group of row indexes; `summary` alerts (SingleAlert) carry all their rows in `rows`.

    Raises RuleError naming the rule's file:line when its alert settings name a column the result lacks.
    """
    enrich.check_alert_settings(loaded, table.column_names)
    everything = result_rows(table)
    info = rule_info(loaded.rule)
    alerts = []
    for group in groups:
        rows = [everything[i] for i in group]
        first = rows[0] if rows else {}
        title, description, severity = enrich.dynamic_details(loaded, first)
        alerts.append(
            Alert(
                rule=info,
                title=title,
                description=description,
                severity=severity,
                entities=enrich.entities(loaded, rows),
                custom_details=enrich.custom_details(loaded, rows),
                row=first,
                window=window,
                rows=rows if summary or len(rows) > 1 else None,
                suppressed=exclusion is not None,
                exclusion=exclusion,
            )
        )
    return alerts
