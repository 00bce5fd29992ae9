"""The HTML report: self-contained, every value escaped, and checked in a real headless Chromium (Debian's, driven
by Playwright): it loads offline with no console errors or failed requests and shows the right counts."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from rmmhunt.alerts import Alert, AlertRun, ExclusionNote, RuleInfo, render_report, write_run
from rmmhunt.alerts.report import seen

NOW = datetime(2026, 11, 27, 12)
WINDOW = (NOW - timedelta(hours=1), NOW)
HOSTILE = "<script>alert('x')</script>"
RULE_A = RuleInfo("rule-a", "AnyDesk network", "High", ("CommandAndControl",), ("T1219",))
RULE_B = RuleInfo("rule-b", 'Signer "<b>bold</b>" & co', "Low", (), ())
RULE_QUIET = RuleInfo("rule-quiet", "Matches nothing", None, (), ())
CHROMIUM = Path("/usr/bin/chromium")


def alert(rule: RuleInfo, device: str, first: str | None = None, exclusion: str | None = None) -> Alert:
    row = {"DeviceName": device, "RemoteUrl": "https://relay.example/?q=<x>&y"}
    if first:
        row |= {"FirstSeen": first, "LastSeen": "2026-11-27T11:00:00.0000000Z"}
    entities = [{"type": "Host", "HostName": device}]
    return Alert(rule, rule.name, "", rule.severity, entities, {}, row, WINDOW, None, exclusion is not None, exclusion)


def sample_run() -> AlertRun:
    alerts = [
        alert(RULE_A, "host-1", "2026-11-20T08:00:00.0000000Z"),
        alert(RULE_A, HOSTILE, "2026-11-25T08:00:00.0000000Z"),
        alert(RULE_B, "host-1"),
        alert(RULE_A, "jump-host", exclusion="EXC-1"),
        alert(RULE_B, "jump-host", exclusion="EXC-1"),
    ]
    notes = {
        "EXC-1": ExclusionNote("EXC-1", "it-ops@example.com", "IT's <own> RMM", date(2027, 1, 1), "x.yaml:3"),
        "EXC-2": ExclusionNote("EXC-2", "a@example.com", "never matches", None, "x.yaml:9"),
        "EXC-3": ExclusionNote("EXC-3", "b@example.com", "old", date(2026, 1, 1), "x.yaml:15"),
    }
    return AlertRun(NOW, [RULE_A, RULE_B, RULE_QUIET], alerts, notes, expired=["EXC-3"], unused=["EXC-2"])


def test_values_are_escaped_and_nothing_is_fetched() -> None:
    html = render_report(sample_run())
    assert HOSTILE not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html and "IT&#x27;s &lt;own&gt; RMM" in html
    assert html.count("<script>") == 1  # the report's own sorting script, and no other
    for external in ("http://", "https://", "src=", "@import", "url("):
        assert external not in html.replace("https://relay.example/?q=&lt;x&gt;&amp;y", "")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"FirstSeen": "2026-11-20T08:00:00.0000000Z", "LastSeen": "2026-11-21T08:00:00Z"}, ("11-20 08", "11-21 08")),
        ({"StartTime": "2026-11-20T08:00:00Z", "EndTime": "2026-11-22T08:00:00Z"}, ("11-20 08", "11-22 08")),
        ({"Timestamp": "2026-11-26T01:00:00Z"}, ("11-26 01", "11-26 01")),
        ({"DeviceName": "no times"}, ("11-27 12", "11-27 12")),  # the alert's time: its run
    ],
)
def test_first_and_last_seen(row: dict, expected: tuple[str, str]) -> None:
    first, last = seen(Alert(RULE_A, "", "", None, [], {}, row, WINDOW))
    assert (first.strftime("%m-%d %H"), last.strftime("%m-%d %H")) == expected


def chromium_or_skip() -> None:
    if CHROMIUM.exists() and shutil.which("chromium"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI needs /usr/bin/chromium for the report's browser test: `make setup` installs it")
    pytest.skip("no /usr/bin/chromium (Debian's chromium package; `make setup` installs it as root)")


def test_report_in_headless_chromium(tmp_path: Path) -> None:
    chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api", reason="the dev extra installs playwright")
    write_run(sample_run(), tmp_path)
    errors: list[str] = []
    failed: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.on("request", lambda r: requests.append(r.url))
            page.goto((tmp_path / "report.html").as_uri(), wait_until="load")
            totals = {key: page.inner_text(f"#total-{key}") for key in ("alerts", "suppressed", "devices", "unused")}
            rule_alerts = {
                row.get_attribute("data-rule-id"): row.query_selector(".alerts").inner_text()
                for row in page.query_selector_all("#rules tbody tr")
            }
            devices = page.inner_text("#devices")
            bars = len(page.query_selector_all("#timeline rect.bar"))
            suppressed = [r.get_attribute("data-exclusion") for r in page.query_selector_all("#suppressed tbody tr")]
            exclusions = (page.inner_text("#expired"), page.inner_text("#unused"))
            page.click("#rules th:nth-child(4)")  # sort by alerts, ascending
            sorted_ids = [r.get_attribute("data-rule-id") for r in page.query_selector_all("#rules tbody tr")]
            injected = page.evaluate("document.querySelectorAll('script').length")
        finally:
            browser.close()
    assert errors == [] and failed == []
    assert requests == [(tmp_path / "report.html").as_uri()]
    assert totals == {"alerts": "3", "suppressed": "2", "devices": "2", "unused": "1"}
    assert rule_alerts == {"rule-a": "2", "rule-b": "1"}
    assert HOSTILE in devices and injected == 1  # the device named like a script stays text
    assert bars == 2
    assert suppressed == ["EXC-1", "EXC-1"]
    assert "EXC-3" in exclusions[0] and "EXC-2" in exclusions[1]
    assert sorted_ids == ["rule-b", "rule-a"]
