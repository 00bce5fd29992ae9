"""Sentinel watchlists kept as CSV files: `_GetWatchlist('Name')` reads `<workspace>/watchlists/Name.csv`.

As in Sentinel (https://learn.microsoft.com/en-us/azure/sentinel/watchlists-queries): every column is text,
and each item also has `SearchKey` (the value of the watchlist's search key column), `_DTItemId` (the
item's id) and `LastUpdatedTimeUTC`. The search key column is the first CSV column unless `Name.yaml`
beside the CSV says `searchKey: <column>`.
"""

from __future__ import annotations

import csv
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import yaml

from rmmhunt.compiler.sqltypes import arrow_type
from rmmhunt.errors import RmmhuntError
from rmmhunt.kql.types import KqlType

SENTINEL_COLUMNS: dict[str, KqlType] = {
    "SearchKey": KqlType.STRING,
    "_DTItemId": KqlType.STRING,
    "LastUpdatedTimeUTC": KqlType.DATETIME,
}


class WatchlistError(RmmhuntError):
    pass


def watchlist_names(directory: Path) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.csv") if p.is_file()) if directory.is_dir() else []


def _header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise WatchlistError(f"{path}: cannot read the watchlist: {exc}") from None
    if not header or not all(name.strip() for name in header):
        raise WatchlistError(f"{path}:1: a watchlist's first line names its columns (none may be empty)")
    clashes = [name for name in header if name in SENTINEL_COLUMNS]
    if clashes or len(set(header)) != len(header):
        raise WatchlistError(f"{path}:1: column names must be unique and not {', '.join(SENTINEL_COLUMNS)}")
    return header


def _search_key(path: Path, header: list[str]) -> str:
    settings = path.with_suffix(".yaml")
    if not settings.exists():
        return header[0]
    try:
        data = yaml.safe_load(settings.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise WatchlistError(f"{settings}: cannot read: {exc}") from None
    key = data.get("searchKey") if isinstance(data, dict) else None
    if key not in header:
        raise WatchlistError(f"{settings}:1: searchKey must name a column of {path.name}: {', '.join(header)}")
    return str(key)


def watchlist_columns(path: Path) -> dict[str, KqlType]:
    return {**dict.fromkeys(_header(path), KqlType.STRING), **SENTINEL_COLUMNS}


def read_watchlist(path: Path) -> pa.Table:
    """The watchlist's items, one row per CSV line after the header."""
    header = _header(path)
    key = _search_key(path, header)
    updated = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
    rows: list[dict[str, object]] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        next(reader)
        for values in reader:
            if not values:
                continue
            if len(values) != len(header):
                raise WatchlistError(
                    f"{path}:{reader.line_num}: {len(values)} values for the {len(header)} columns {', '.join(header)}"
                )
            item = dict(zip(header, values, strict=True))
            item_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{path.stem}/{reader.line_num}")
            rows.append({**item, "SearchKey": item[key], "_DTItemId": str(item_id), "LastUpdatedTimeUTC": updated})
    columns = {**dict.fromkeys(header, KqlType.STRING), **SENTINEL_COLUMNS}
    schema = pa.schema([(name, arrow_type(kind)) for name, kind in columns.items()])
    return pa.Table.from_pylist(rows, schema=schema)
