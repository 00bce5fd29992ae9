"""The HTML report of a run: one self-contained file (inline CSS, inline SVG, a small inline script; nothing
fetched, which the Content-Security-Policy enforces) in which every value from the data is escaped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from rmmhunt.alerts.model import Alert, AlertRun, rule_summaries
from rmmhunt.output import format_datetime

# Columns that hunting queries use for the first and last event of a group (the seed and the pack: FirstSeen,
# LastSeen; Sentinel's template guidance: StartTime, EndTime).
FIRST_SEEN = ("FirstSeen", "StartTime")
LAST_SEEN = ("LastSeen", "EndTime")
NO_DEVICE = "(no device)"
TIMELINE_WIDTH, TIMELINE_LABEL, TIMELINE_ROW = 900, 220, 22

STYLE = """
:root { --ink:#1d2330; --muted:#5b6475; --line:#dde2ea; --bg:#f6f7fa; --card:#fff; --accent:#2457c5;
        --high:#b3261e; --medium:#c26a00; --low:#2e7d32; --info:#546e7a; --sup:#8a6d3b; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink);
       background:var(--bg); }
header { background:#1d2330; color:#fff; padding:18px 28px; }
header h1 { margin:0; font-size:20px; } header p { margin:4px 0 0; color:#c5cbd6; }
main { padding:20px 28px 40px; max-width:1400px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px 18px;
          margin-bottom:18px; }
h2 { margin:0 0 10px; font-size:16px; } .hint { color:var(--muted); margin:0 0 10px; }
.totals { display:flex; flex-wrap:wrap; gap:12px; margin-bottom:18px; }
.total { flex:1 1 140px; background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 16px; }
.total .n { font-size:26px; font-weight:600; } .total .what { color:var(--muted); }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#eef1f6; position:sticky; top:0; white-space:nowrap; }
th.sortable { cursor:pointer; user-select:none; } th.sortable::after { content:" \\2195"; color:var(--muted); }
th[aria-sort="ascending"]::after { content:" \\2191"; } th[aria-sort="descending"]::after { content:" \\2193"; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr:hover td { background:#f3f6fc; }
code, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12.5px; }
.sev { display:inline-block; padding:1px 7px; border-radius:10px; color:#fff; font-size:12px; background:var(--info); }
.sev-High { background:var(--high); } .sev-Medium { background:var(--medium); } .sev-Low { background:var(--low); }
.empty { color:var(--muted); font-style:italic; }
.scroll { max-height:520px; overflow:auto; }
svg text { font:12px system-ui,sans-serif; fill:var(--ink); }
"""

# Sorts a table by the clicked header: numbers numerically (data-sort holds the sort key when it differs).
SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th.sortable").forEach(function (th, index) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0];
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var key = function (row) {
        var cell = row.cells[index];
        var text = cell.getAttribute("data-sort") || cell.textContent.trim();
        var number = Number(text);
        return text !== "" && !isNaN(number) ? number : text.toLowerCase();
      };
      Array.from(body.rows)
        .sort(function (a, b) {
          var x = key(a), y = key(b);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        })
        .forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=None)


def _first(row: dict[str, Any], names: tuple[str, ...]) -> datetime | None:
    return next((t for name in names if (t := _parse_time(row.get(name))) is not None), None)


def seen(alert: Alert) -> tuple[datetime, datetime]:
    """First and last seen of an alert: FirstSeen/LastSeen of its rows, else their Timestamp, else the run time."""
    firsts, lasts = [], []
    for row in alert.rows or [alert.row]:
        first = _first(row, FIRST_SEEN) or _first(row, ("Timestamp", "TimeGenerated"))
        last = _first(row, LAST_SEEN) or first
        if first is not None and last is not None:
            firsts.append(first)
            lasts.append(last)
    if not firsts:
        return alert.window[1], alert.window[1]
    return min(firsts), max(lasts)


@dataclass
class DeviceSummary:
    name: str
    alerts: int = 0
    suppressed: int = 0
    rules: set[str] | None = None
    first: datetime | None = None
    last: datetime | None = None

    def add(self, alert: Alert) -> None:
        self.rules = (self.rules or set()) | {alert.rule.name}
        if alert.suppressed:
            self.suppressed += 1
            return
        self.alerts += 1
        first, last = seen(alert)
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)


def device_summaries(run: AlertRun) -> list[DeviceSummary]:
    devices: dict[str, DeviceSummary] = {}
    for alert in run.alerts:
        for name in alert.devices or [NO_DEVICE]:
            devices.setdefault(name, DeviceSummary(name)).add(alert)
    return sorted(devices.values(), key=lambda d: (-d.alerts, -d.suppressed, d.name.lower()))


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _time(value: datetime | None) -> str:
    return "" if value is None else format_datetime(value).replace(".0000000Z", "Z").replace("T", " ")


def _table(table_id: str, headers: list[tuple[str, bool]], rows: list[str], empty: str) -> str:
    """A sortable table; headers are (title, numeric); rows are ready <tr> elements."""
    if not rows:
        return f'<p class="empty" id="{table_id}-empty">{_e(empty)}</p>'
    head = "".join(f'<th class="sortable{" num" if numeric else ""}">{_e(title)}</th>' for title, numeric in headers)
    return (
        f'<div class="scroll"><table class="sortable" id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _severity(value: str | None) -> str:
    return f'<span class="sev sev-{_e(value)}">{_e(value)}</span>' if value else ""


def _totals(run: AlertRun, devices: list[DeviceSummary]) -> str:
    with_alerts = [d for d in devices if d.alerts and d.name != NO_DEVICE]
    items = [
        ("total-alerts", len(run.raised), "alerts"),
        ("total-rules-fired", len({a.rule.id for a in run.raised}), f"of {len(run.rules)} rules fired"),
        ("total-devices", len(with_alerts), "devices with alerts"),
        ("total-suppressed", len(run.suppressed), "suppressed matches"),
        ("total-expired", len(run.expired), "expired exclusions"),
        ("total-unused", len(run.unused), "unused exclusions"),
    ]
    cards = "".join(
        f'<div class="total"><div class="n" id="{key}">{count}</div><div class="what">{_e(what)}</div></div>'
        for key, count, what in items
    )
    return f'<div class="totals">{cards}</div>'


def _rules_section(run: AlertRun) -> str:
    matched = rule_summaries(run)
    rows = []
    for summary in matched:
        rule = summary.rule
        rows.append(
            f'<tr data-rule-id="{_e(rule.id)}"><td>{_e(rule.name)}<br><code>{_e(rule.id)}</code></td>'
            f"<td>{_severity(rule.severity)}</td><td>{_e(', '.join(rule.techniques))}</td>"
            f'<td class="num alerts">{summary.alerts}</td><td class="num devices">{summary.devices}</td>'
            f'<td class="num suppressed">{summary.suppressed}</td></tr>'
        )
    headers = [("Rule", False), ("Severity", False), ("Techniques", False), ("Alerts", True), ("Devices", True)]
    table = _table("rules", [*headers, ("Suppressed", True)], rows, "No rule matched anything.")
    quiet = len(run.rules) - len(matched)
    return f"<section><h2>Alerts per rule</h2><p class='hint'>{quiet} rules matched nothing.</p>{table}</section>"


def _devices_section(devices: list[DeviceSummary]) -> str:
    rows = [
        f'<tr data-device="{_e(d.name)}"><td>{_e(d.name)}</td><td class="num alerts">{d.alerts}</td>'
        f'<td class="num suppressed">{d.suppressed}</td><td>{_e(", ".join(sorted(d.rules or ())))}</td>'
        f'<td class="mono" data-sort="{_e(_time(d.first))}">{_e(_time(d.first))}</td>'
        f'<td class="mono">{_e(_time(d.last))}</td></tr>'
        for d in devices
    ]
    headers = [("Device", False), ("Alerts", True), ("Suppressed", True), ("Rules", False)]
    table = _table("devices", [*headers, ("First seen", False), ("Last seen", False)], rows, "No device involved.")
    return f"<section><h2>Alerts per device</h2>{table}</section>"


def _timeline_section(devices: list[DeviceSummary]) -> str:
    shown = [d for d in devices if d.alerts and d.first is not None and d.last is not None]
    if not shown:
        return "<section><h2>Timeline</h2><p class='empty'>No alerts to place in time.</p></section>"
    start = min(d.first for d in shown if d.first)
    end = max(d.last for d in shown if d.last)
    span = max((end - start).total_seconds(), 1.0)
    plot = TIMELINE_WIDTH - TIMELINE_LABEL - 20
    height = TIMELINE_ROW * len(shown) + 30
    parts = []
    for i, d in enumerate(shown):
        assert d.first is not None and d.last is not None
        y = 10 + i * TIMELINE_ROW
        x = TIMELINE_LABEL + plot * (d.first - start).total_seconds() / span
        width = max(plot * (d.last - d.first).total_seconds() / span, 3.0)
        tip = f"{d.name}: {_time(d.first)} to {_time(d.last)}, {d.alerts} alerts"
        parts.append(
            f'<text x="{TIMELINE_LABEL - 8}" y="{y + 13}" text-anchor="end">{_e(d.name[:32])}</text>'
            f'<rect class="bar" x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="14" rx="3" fill="#2457c5">'
            f"<title>{_e(tip)}</title></rect>"
        )
    axis_y = height - 8
    parts.append(f'<text x="{TIMELINE_LABEL}" y="{axis_y}">{_e(_time(start))}</text>')
    parts.append(f'<text x="{TIMELINE_WIDTH - 20}" y="{axis_y}" text-anchor="end">{_e(_time(end))}</text>')
    svg = (
        f'<svg id="timeline" role="img" aria-label="First and last seen per device" width="100%" '
        f'viewBox="0 0 {TIMELINE_WIDTH} {height}" preserveAspectRatio="xMinYMin meet">{"".join(parts)}</svg>'
    )
    hint = "Each bar runs from the first to the last time a device was seen in its alerts (hover for the times)."
    return f"<section><h2>Timeline: first and last seen per device</h2><p class='hint'>{hint}</p>{svg}</section>"


def _alerts_section(run: AlertRun) -> str:
    rows = []
    for alert in sorted(run.raised, key=lambda a: (seen(a)[1], a.rule.name), reverse=True):
        first, last = seen(alert)
        entities = "; ".join(
            ", ".join(f"{k}={v}" for k, v in e.items() if k != "type") + f" ({e['type']})" for e in alert.entities
        )
        rows.append(
            f'<tr class="alert"><td class="mono" data-sort="{_e(_time(last))}">{_e(_time(last))}</td>'
            f"<td>{_severity(alert.severity)}</td><td>{_e(alert.title)}</td>"
            f"<td>{_e(', '.join(alert.devices))}</td><td>{_e(entities)}</td>"
            f'<td class="num">{len(alert.rows or [alert.row])}</td><td class="mono">{_e(_time(first))}</td></tr>'
        )
    headers = [("Last seen", False), ("Severity", False), ("Alert", False), ("Devices", False)]
    table = _table("alerts", [*headers, ("Entities", False), ("Rows", True), ("First seen", False)], rows, "No alerts.")
    return f"<section><h2>Alerts</h2>{table}</section>"


def _suppressed_section(run: AlertRun) -> str:
    rows = []
    for alert in run.suppressed:
        note = run.exclusions.get(alert.exclusion or "")
        rows.append(
            f'<tr class="suppressed" data-exclusion="{_e(alert.exclusion)}"><td>{_e(alert.rule.name)}</td>'
            f"<td>{_e(', '.join(alert.devices))}</td><td><code>{_e(alert.exclusion)}</code></td>"
            f"<td>{_e(note.owner if note else '')}</td><td>{_e(note.reason if note else '')}</td>"
            f'<td class="mono">{_e(_time(seen(alert)[1]))}</td></tr>'
        )
    headers = [("Rule", False), ("Devices", False), ("Exclusion", False), ("Owner", False), ("Reason", False)]
    table = _table("suppressed", [*headers, ("Last seen", False)], rows, "No match was suppressed.")
    hint = "Matches that an exclusion set aside: sanctioned use, recorded with who sanctioned it and why."
    return f"<section><h2>Suppressed matches</h2><p class='hint'>{hint}</p>{table}</section>"


def _exclusions_section(run: AlertRun, title: str, table_id: str, ids: list[str], empty: str) -> str:
    rows = []
    for exclusion_id in ids:
        note = run.exclusions.get(exclusion_id)
        rows.append(
            f'<tr data-exclusion="{_e(exclusion_id)}"><td><code>{_e(exclusion_id)}</code></td>'
            f"<td>{_e(note.owner if note else '')}</td><td>{_e(note.reason if note else '')}</td>"
            f"<td>{_e(note.expires if note and note.expires else '')}</td>"
            f'<td class="mono">{_e(note.place if note else "")}</td></tr>'
        )
    headers = [("Exclusion", False), ("Owner", False), ("Reason", False), ("Expires", False), ("Where", False)]
    return f"<section><h2>{_e(title)}</h2>{_table(table_id, headers, rows, empty)}</section>"


def render_report(run: AlertRun) -> str:
    devices = device_summaries(run)
    body = "".join(
        [
            _totals(run, devices),
            _rules_section(run),
            _devices_section(devices),
            _timeline_section(devices),
            _alerts_section(run),
            _suppressed_section(run),
            _exclusions_section(run, "Expired exclusions", "expired", run.expired, "No exclusion has expired."),
            _exclusions_section(
                run, "Unused exclusions (matched nothing)", "unused", run.unused, "Every exclusion matched something."
            ),
        ]
    )
    policy = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>rmmhunt report {_e(_time(run.now))}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>rmmhunt report</h1><p>Run at {_e(_time(run.now))} UTC over {len(run.rules)} rules</p></header>"
        f"<main>{body}</main><script>{SCRIPT}</script></body></html>\n"
    )
