"""Sentinel watchlists: `_GetWatchlist('Name')` reads `<workspace>/watchlists/Name.csv`, so an allow-list
rule written for Sentinel runs unchanged (https://learn.microsoft.com/en-us/azure/sentinel/watchlists-queries)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmmhunt import Workspace
from rmmhunt.demo.scenarios import plant_seed_scenarios
from rmmhunt.errors import RmmhuntError
from rmmhunt.kql.errors import KqlError
from rmmhunt.store import WorkspaceStore

from .conftest import NOW

SANCTIONED = 'Signer,Owner,Ticket\nRemote Utilities LLC,it-ops@contoso.com,CHG-1042\n"Contoso, Ltd.",it-ops,CHG-7\n'


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    store = WorkspaceStore(path, create=True)
    store.write("DeviceFileCertificateInfo", plant_seed_scenarios(NOW)["DeviceFileCertificateInfo"])
    (path / "watchlists").mkdir()
    (path / "watchlists" / "SanctionedRMM.csv").write_text(SANCTIONED)
    return path


def test_sentinel_allow_list_rule_runs_unchanged(ws_path: Path) -> None:
    query = """
    let allow = _GetWatchlist('SanctionedRMM') | project SearchKey;
    DeviceFileCertificateInfo
    | where Signer !in (allow)
    | count
    """
    assert Workspace(ws_path).query(query, NOW).column(0).to_pylist() == [0]
    (ws_path / "watchlists" / "SanctionedRMM.csv").write_text("Signer\nSomeone Else\n")
    assert Workspace(ws_path).query(query, NOW).column(0).to_pylist() == [10]


def test_watchlist_columns_are_the_csv_header_and_sentinels(ws_path: Path) -> None:
    table = Workspace(ws_path).query("_GetWatchlist('SanctionedRMM') | order by Ticket asc", NOW)
    assert table.column_names == ["Signer", "Owner", "Ticket", "SearchKey", "_DTItemId", "LastUpdatedTimeUTC"]
    assert table.column("SearchKey").to_pylist() == ["Remote Utilities LLC", "Contoso, Ltd."]
    assert len(set(table.column("_DTItemId").to_pylist())) == 2


def test_search_key_column_named_in_the_yaml_beside_it(ws_path: Path) -> None:
    (ws_path / "watchlists" / "SanctionedRMM.yaml").write_text("searchKey: Ticket\n")
    table = Workspace(ws_path).query("_GetWatchlist('SanctionedRMM') | project SearchKey | order by SearchKey asc", NOW)
    assert table.column("SearchKey").to_pylist() == ["CHG-1042", "CHG-7"]


def test_watchlist_joins_like_a_table(ws_path: Path) -> None:
    query = """DeviceFileCertificateInfo
    | lookup kind=inner (_GetWatchlist('SanctionedRMM') | project Signer=SearchKey, Ticket) on Signer
    | summarize count() by Ticket"""
    assert Workspace(ws_path).query(query, NOW).to_pylist() == [{"Ticket": "CHG-1042", "count_": 10}]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "_GetWatchlist('Missing')",
            "1:1: unknown name: watchlist 'Missing' not found; the workspace has: SanctionedRMM",
        ),
        ("let name = 'ab';\n_GetWatchlist(strcat(name, ''))", "2:1: unknown name: watchlist 'ab' not found"),
        ("let allow = _GetWatchlist('Nope');\nallow", "1:13: unknown name: watchlist 'Nope' not found"),
        ("_GetWatchlist(42)", "1:1: type error: _GetWatchlist() takes one constant string"),
    ],
)
def test_unknown_watchlist_is_a_query_error(ws_path: Path, query: str, message: str) -> None:
    with pytest.raises(KqlError) as error:
        Workspace(ws_path).query(query, NOW)
    assert message in error.value.render()


def test_without_a_workspace_there_are_no_watchlists() -> None:
    with pytest.raises(KqlError, match="the workspace has none"):
        Workspace(None).query("_GetWatchlist('SanctionedRMM')", NOW)


@pytest.mark.parametrize(
    ("csv", "yaml", "message"),
    [
        ("Signer,Owner\nRemote Utilities LLC\n", None, "SanctionedRMM.csv:2: 1 values for the 2 columns Signer, Owner"),
        ("Signer,,Owner\n", None, "SanctionedRMM.csv:1: a watchlist's first line names its columns"),
        ("Signer,SearchKey\n", None, "SanctionedRMM.csv:1: column names must be unique"),
        ("Signer\nx\n", "searchKey: Nope\n", "SanctionedRMM.yaml:1: searchKey must name a column"),
    ],
)
def test_bad_watchlist_files_name_the_place(ws_path: Path, csv: str, yaml: str | None, message: str) -> None:
    (ws_path / "watchlists" / "SanctionedRMM.csv").write_text(csv)
    if yaml is not None:
        (ws_path / "watchlists" / "SanctionedRMM.yaml").write_text(yaml)
    with pytest.raises(RmmhuntError, match=message):
        Workspace(ws_path).query("_GetWatchlist('SanctionedRMM')", NOW)
