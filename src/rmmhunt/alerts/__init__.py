"""Alerts: the model, Sentinel's enrichment (entities, custom details, dynamic details), writers and the HTML report."""

from rmmhunt.alerts.build import make_alerts, rule_info
from rmmhunt.alerts.model import Alert, AlertRun, ExclusionNote, RuleInfo
from rmmhunt.alerts.report import render_report
from rmmhunt.alerts.writers import alert_object, to_csv, to_jsonl, write_run

__all__ = [
    "Alert",
    "AlertRun",
    "ExclusionNote",
    "RuleInfo",
    "alert_object",
    "make_alerts",
    "render_report",
    "rule_info",
    "to_csv",
    "to_jsonl",
    "write_run",
]
