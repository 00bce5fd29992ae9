"""Hand-written DuckDB SQL for each rule of the RMM pack, built from the catalogue the rules are built from.

What a DuckDB user would write for the same answer, per rule kind, in two variants:

- "regexp": one case-insensitive regular expression per column (the indicators as one alternation
  between term boundaries), `lower(x) IN (...)` for `in~`, `contains(lower(x), ...)` for `contains`;
- "prefilter": the same behind a cheap substring test (`contains(lower(x), ...)` for any indicator).

A network rule's `has` pre-filter is implied by its host regular expression (the host is the domain
or ends in "." plus the domain, and is followed by a port, a path or the end), so the hand-written
form tests the host expression alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from benchmarks.catalogue import ToolIndicators, generate_pack, tools

VARIANTS = ("regexp", "prefilter")
LOOKBACK = timedelta(days=7)  # the pack's `let lookback = 7d`
BOUNDARY_BEFORE, BOUNDARY_AFTER = "(?:^|[^0-9a-z])", "(?:$|[^0-9a-z])"  # Kusto's term boundaries, under (?i)
SELECTS = {
    "file_signature": ("DeviceFileCertificateInfo", ["DeviceId", "DeviceName", "Signer", "SHA1"], True),
    "process": (
        "DeviceProcessEvents",
        ["DeviceId", "DeviceName", "AccountDomain", "AccountName", "FileName", "SHA1"],
        True,
    ),
    "network": (
        "DeviceNetworkEvents",
        [
            "DeviceId",
            "DeviceName",
            "InitiatingProcessAccountDomain",
            "InitiatingProcessAccountName",
            "InitiatingProcessFileName",
            "RemoteUrl",
        ],
        False,
    ),
}


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def has_any(column: str, phrases: Iterable[str], variant: str) -> str:
    """`column has p1 or column has p2 ...` as one expression."""
    phrases = list(phrases)
    pattern = "(?i)" + BOUNDARY_BEFORE + "(?:" + "|".join(re.escape(p) for p in phrases) + ")" + BOUNDARY_AFTER
    test = f"regexp_matches({column}, {literal(pattern)})"
    if variant == "prefilter":
        return f"({substring_any(column, phrases)}) AND {test}"
    return test


def substring_any(column: str, values: Iterable[str]) -> str:
    return " OR ".join(f"contains(lower({column}), {literal(v.lower())})" for v in values)


def process_condition(matcher: dict[str, tuple[str, ...]], variant: str) -> str:
    fields = generate_pack().PROCESS_FIELDS
    parts = []
    for key, values in matcher.items():
        column = fields[key]
        if key in ("original_file_name", "file_name"):
            parts.append(f"lower({column}) IN ({', '.join(literal(v.lower()) for v in values)})")
        elif key == "folder_path":
            parts.append(f"({substring_any(column, values)})")
        else:
            parts.append(f"({has_any(column, values, variant)})")
    return "(" + " AND ".join(parts) + ")"


def condition(tool: ToolIndicators, kind: str, variant: str) -> str:
    if kind == "file_signature":
        return has_any("Signer", tool.signers, variant)
    if kind == "process":
        return " OR ".join(process_condition(m, variant) for m in tool.process)
    test = f"regexp_matches(RemoteUrl, {literal(generate_pack().host_regex(tool.domains))})"
    return f"({substring_any('RemoteUrl', tool.domains)}) AND {test}" if variant == "prefilter" else test


def rule_sql(slug: str, kind: str, variant: str) -> tuple[str, str]:
    """(table, SQL) for the pack's rule `<slug>_<kind>`; the SQL reads `read_parquet($files)` after `$since`."""
    tool = next(t for t in tools() if t.slug == slug)
    table, keys, hashed = SELECTS[kind]
    extra = ", 'SHA1' AS HashAlgorithm" if hashed else ""
    return table, (
        f"SELECT {', '.join(keys)}, min(Timestamp) AS FirstSeen, max(Timestamp) AS LastSeen, count(*) AS Count, "
        f"{literal(tool.name)} AS RmmTool{extra}\n"
        f"FROM read_parquet($files)\n"
        f"WHERE Timestamp > $since AND ({condition(tool, kind, variant)})\n"
        f"GROUP BY ALL"
    )


def since(now: datetime) -> datetime:
    return now - LOOKBACK
