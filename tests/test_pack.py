"""The RMM pack: generated from the catalogue with stable ids, valid, and precise on look-alikes."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from rmmhunt import Workspace
from rmmhunt.api import HuntResult
from rmmhunt.demo.evaluate import score
from rmmhunt.demo.planted import planted_facts
from rmmhunt.rules import LoadedRule, builtin_rules_dir, load_rules
from rmmhunt.rules.lint import lint_paths

ROOT = Path(__file__).parent.parent
PACK = builtin_rules_dir() / "rmm"
SEED_ID = "ae49b070-4477-4660-a0a6-2377b08b76b4"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_pack", ROOT / "scripts" / "generate_pack.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


generate_pack = _generator()


@pytest.fixture(scope="module")
def pack() -> list[LoadedRule]:
    return load_rules(PACK)


def slug_and_kind(rule: LoadedRule) -> tuple[str, str]:
    stem = rule.path.stem
    kind = next(k for k in generate_pack.KINDS if stem.endswith("_" + k))
    return stem.removesuffix("_" + kind), kind


def test_regenerating_gives_the_same_files(tmp_path: Path) -> None:
    files = generate_pack.generate(tmp_path)
    generate_pack.write(files, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in PACK.glob("*.yaml"))
    for path, text in files.items():
        assert (PACK / path.name).read_text("utf-8") == text, f"{path.name}: run scripts/generate_pack.py"


def test_ids_are_uuid5_of_tool_and_kind_and_never_change(pack: list[LoadedRule]) -> None:
    assert generate_pack.rule_id("anydesk", "file_signature") == "0fc33aa6-3251-5b22-b48a-5a4e2383e77c"
    for item in pack:
        assert item.rule.id == generate_pack.rule_id(*slug_and_kind(item)), item.path


def test_ids_are_unique_and_the_seed_keeps_its_own(pack: list[LoadedRule]) -> None:
    [seed] = load_rules(builtin_rules_dir() / "seed")
    ids = [seed.rule.id, *(r.rule.id for r in pack)]
    assert seed.rule.id == SEED_ID and len(set(ids)) == len(ids)


def test_every_rule_is_a_complete_sentinel_hunting_query(pack: list[LoadedRule]) -> None:
    tables = {
        "file_signature": "DeviceFileCertificateInfo",
        "process": "DeviceProcessEvents",
        "network": "DeviceNetworkEvents",
    }
    for item in pack:
        rule, kind = item.rule, slug_and_kind(item)[1]
        assert rule.name and rule.description and rule.version == generate_pack.PACK_VERSION
        assert rule.tactics == ["CommandAndControl"] and rule.relevantTechniques == ["T1219"]
        assert [(c.connectorId, c.dataTypes) for c in rule.requiredDataConnectors] == [
            ("MicrosoftThreatProtection", [tables[kind]])
        ]
        assert rule.entityMappings[0] == {
            "entityType": "Host",
            "fieldMappings": [{"identifier": "FullName", "columnName": "DeviceName"}],
        }
        source = rule.model_extra["metadata"]["source"]
        assert source["kind"] == "Community" and (ROOT / source["sourceId"]).is_file()


def test_the_pack_lints_clean() -> None:
    report = lint_paths([builtin_rules_dir()])
    assert [str(p) for p in report.problems] == []
    assert sum(f.queries for f in report.files) == len(report.files) > 300


def test_remote_utilities_signature_is_only_the_seed(pack: list[LoadedRule]) -> None:
    assert not (PACK / "remote_utilities_file_signature.yaml").exists()
    for item in pack:
        if item.path.stem.endswith("file_signature"):
            assert "remote utilities" not in item.rule.query.lower(), item.path


def test_no_bare_shared_domain_in_any_rule(pack: list[LoadedRule]) -> None:
    tools, policy = generate_pack.load_catalogue()
    assert {"googleapis.com", "cloudflarestorage.com", "amazonaws.com"} <= policy.shared_domains
    for tool in tools:
        for domain in tool.domains:
            assert generate_pack.domain_problem(domain.value, policy) is None, (tool.slug, domain.value)
    for item in pack:
        for shared in policy.shared_domains | policy.shared_hosts:
            assert f'RemoteUrl has "{shared}"' not in item.rule.query, (item.path, shared)


def hunt_all(workspace: Workspace, pack: list[LoadedRule], now: datetime) -> list[HuntResult]:
    return workspace.hunt(pack, now)


def test_runs_on_an_empty_workspace(pack: list[LoadedRule], empty_ws: Workspace, now: datetime) -> None:
    results = hunt_all(empty_ws, pack, now)
    assert len(results) == len(pack) and all(r.table.num_rows == 0 for r in results)


def test_runs_on_the_demo_workspace_without_false_positives(
    pack: list[LoadedRule], demo_ws: Workspace, now: datetime
) -> None:
    """Every alert on the demo workspace is planted activity (demo/planted.py): the benign background and the
    look-alikes raise nothing; the seed finds its plants."""
    results = hunt_all(demo_ws, [*load_rules(builtin_rules_dir() / "seed"), *pack], now)
    assert score(results, planted_facts()).false_alerts == []
    assert any(r.rule.rule.id == SEED_ID and r.table.num_rows for r in results)


# ---------------------------------------------------------------- precision on a planted workspace

NETWORK = {
    "relay-12ab34cd.net.anydesk.com": "anydesk",
    "https://anydesk.com/en/downloads": "anydesk",
    "boot.net.AnyDesk.com:443": "anydesk",
    "router15.teamviewer.com": "teamviewer",
    "remotedesktop-pa.googleapis.com": "chrome_remote_desktop",
    "a1-backend-packages.s3.amazonaws.com": "action1",
    "assist.zoho.eu": "zoho_assist",
    # look-alikes and shared infrastructure: nothing may fire
    "fake-anydesk.com": None,
    "anydesk.com.evil.example": None,
    "notanydesk.com": None,
    "https://evil.example/anydesk.com": None,
    "www.googleapis.com": None,
    "storage.googleapis.com": None,
    "s3.amazonaws.com": None,
    "bucket.s3.amazonaws.com": None,
    "x.r2.cloudflarestorage.com": None,
    "raw.githubusercontent.com": None,
    "printer.local": None,
    "mail.zoho.com": None,
    "meeting.zoho.com": None,
    "www.goto.com": None,
    "www.ivanti.com": None,
    "www.faronics.com": None,
}
SIGNERS = {
    "AnyDesk Software GmbH": "anydesk",
    "TeamViewer Germany GmbH": "teamviewer",
    "XAnyDesk Software": None,
    "Google LLC": None,
    "Microsoft Corporation": None,
    "Famatech Corp.": None,  # Advanced IP Scanner's publisher, not only Radmin's
    "ZOHO Corporation Private Limited": None,
    "Simon Tatham": None,
    "win.rar GmbH": None,
    "Datto Inc": None,
}
COMPANY, PRODUCT = "ProcessVersionInfoCompanyName", "ProcessVersionInfoProductName"
PROCESSES = [
    ({COMPANY: "AnyDesk Software GmbH", PRODUCT: "AnyDesk"}, "anydesk"),
    ({"ProcessVersionInfoOriginalFileName": "AteraAgent.exe"}, "atera"),
    ({"FolderPath": r"C:\Program Files\Level\level.exe"}, "level"),
    ({COMPANY: "Famatech Corp.", PRODUCT: "Advanced IP Scanner"}, None),
    ({COMPANY: "Google LLC", PRODUCT: "Google Chrome"}, None),
    ({COMPANY: "Zoho Corporation", PRODUCT: "ManageEngine"}, None),
]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    return path


def test_matches_exactly_the_planted_tools(tmp_path: Path, pack: list[LoadedRule], now: datetime) -> None:
    ws = Workspace(tmp_path / "ws", create=True)
    base = {"Timestamp": (now - timedelta(hours=1)).isoformat(), "DeviceId": "d1", "DeviceName": "ws-1.contoso.com"}
    network = [{**base, "RemoteUrl": url, "InitiatingProcessFileName": "x.exe"} for url in NETWORK]
    signers = [{**base, "Signer": signer, "SHA1": f"{i:040x}"} for i, signer in enumerate(SIGNERS)]
    processes = [{**base, **fields, "SHA1": f"{i:040x}"} for i, (fields, _) in enumerate(PROCESSES)]
    ws.ingest("DeviceNetworkEvents", [write_jsonl(tmp_path / "n.jsonl", network)])
    ws.ingest("DeviceFileCertificateInfo", [write_jsonl(tmp_path / "c.jsonl", signers)])
    ws.ingest("DeviceProcessEvents", [write_jsonl(tmp_path / "p.jsonl", processes)])
    found = {
        (slug_and_kind(result.rule)[0], row.get("RemoteUrl") or row.get("Signer") or row["SHA1"])
        for result in hunt_all(ws, pack, now)
        for row in result.table.to_pylist()
    }
    expected = {(tool, url) for url, tool in NETWORK.items() if tool}
    expected |= {(tool, signer) for signer, tool in SIGNERS.items() if tool}
    expected |= {(tool, f"{i:040x}") for i, (_, tool) in enumerate(PROCESSES) if tool}
    assert found == expected
