"""Alerts as JSON lines and CSV, and the output directory of `rmmhunt run`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from rmmhunt.alerts.model import Alert, AlertRun
from rmmhunt.alerts.report import render_report
from rmmhunt.errors import RmmhuntError
from rmmhunt.output import format_datetime

CSV_COLUMNS = (
    "rule_id",
    "rule_name",
    "severity",
    "tactics",
    "techniques",
    "title",
    "window_start",
    "window_end",
    "suppressed",
    "exclusion",
    "entities",
    "custom_details",
    "row",
    "rows",
)


def alert_object(alert: Alert) -> dict[str, Any]:
    """One alert as `alerts.jsonl` holds it."""
    rule = alert.rule
    payload: dict[str, Any] = {
        "rule": {
            "id": rule.id,
            "name": rule.name,
            "severity": rule.severity,
            "tactics": list(rule.tactics),
            "techniques": list(rule.techniques),
        },
        "title": alert.title,
        "description": alert.description,
        "severity": alert.severity,
        "entities": alert.entities,
        "custom_details": alert.custom_details,
        "row": alert.row,
    }
    if alert.rows is not None:
        payload["rows"] = alert.rows
    payload["window"] = {"start": format_datetime(alert.window[0]), "end": format_datetime(alert.window[1])}
    payload["suppressed"] = alert.suppressed
    payload["exclusion"] = alert.exclusion
    return payload


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def to_jsonl(alerts: list[Alert]) -> str:
    return "".join(_json(alert_object(a)) + "\n" for a in alerts)


def to_csv(alerts: list[Alert]) -> str:
    """The JSON lines flattened: one column per top-level member, nested values as JSON text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for alert in alerts:
        payload = alert_object(alert)
        rule, window = payload["rule"], payload["window"]
        writer.writerow(
            [
                rule["id"],
                rule["name"],
                alert.severity or "",
                _json(rule["tactics"]),
                _json(rule["techniques"]),
                alert.title,
                window["start"],
                window["end"],
                "true" if alert.suppressed else "false",
                alert.exclusion or "",
                _json(payload["entities"]),
                _json(payload["custom_details"]),
                _json(payload["row"]),
                _json(payload["rows"]) if "rows" in payload else "",
            ]
        )
    return buffer.getvalue()


def write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, "utf-8")
    except OSError as error:
        raise RmmhuntError(f"{path}: cannot write: {error.strerror or error}") from None


def write_run(run: AlertRun, directory: Path) -> dict[str, Path]:
    """alerts.jsonl, alerts.csv and report.html in `directory` (created if missing)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RmmhuntError(f"{directory}: cannot create the output directory: {error.strerror or error}") from None
    if not directory.is_dir():
        raise RmmhuntError(f"{directory}: not a directory")
    files = {
        "alerts.jsonl": to_jsonl(run.alerts),
        "alerts.csv": to_csv(run.alerts),
        "report.html": render_report(run),
    }
    written = {}
    for name, text in files.items():
        write_text(directory / name, text)
        written[name] = directory / name
    return written
