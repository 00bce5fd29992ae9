"""The fast path for JSON lines: DuckDB's `read_json` reads a plain or gzip file itself, parsing
each record once and typing its values as it goes, on every core.

It is safe because it refuses anything the per-line path (convert.py) would treat specially, by
failing the query, after which the caller reads the file again on the per-line path:

- keys: `read_json` detects the columns from a sample at the start of the file and, when every
  column is read, raises at a record holding a key the sample did not have (DuckDB sets
  `error_unknown_key` while auto-detecting: JSONScanData::InitializeTransformOptions), so no key is
  dropped; keys of the sample that the catalog does not know become columns as on the per-line path;
- values: a value that does not fit the detected type, or that cannot be cast to the column's KQL
  type, fails (casts are strict: `CAST`, never `TRY_CAST`); text that is not JSON fails;
- records: one of another table than the first, or without a Timestamp, fails (`error()`).

So a file either loads whole here, every record stored, or is re-read per line, where each record
is stored or quarantined with its line and reason.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlglot import exp

from rmmhunt.compiler.relation import col, ident
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.ingest.convert import (
    KNOWN_EXTRAS,
    STREAM_PREFIX,
    TEXT_TYPES,
    ColumnsOf,
    as_text,
    coerce,
    fn,
    is_nested,
    is_null,
    lit,
)
from rmmhunt.ingest.records import RECORD_KEYS, RESPONSE_KEYS, SCHEMA_KEYS, is_error_response
from rmmhunt.kql.types import KqlType

GUARD, TABLE, SEEN = "__guard", "__t", "__seen"
# DuckDB reads twice this per buffer (also for the sample); a longer record fails: read per line.
MAX_OBJECT_BYTES = 16 << 20
SAMPLE_RECORDS = 20_480  # DuckDB's default: the records the columns are detected from
FIRST_LINE_BYTES = 1 << 20
# How deep DuckDB detects types: the values of a record (2), of a stream record's properties (3).
# Deeper values are JSON, kept as their text.
DEPTH = {True: 3, False: 2}


@dataclass(frozen=True)
class FastPlan:
    """How to read one file: its table, the query, and the types of the columns the catalog lacks."""

    table: str
    query: str
    new_types: dict[str, KqlType]


def _read_json(path: Path, *, stream: bool, max_record_bytes: int) -> exp.Expression:
    def option(name: str, value: exp.Expression) -> exp.Expression:
        return exp.EQ(this=exp.column(name), expression=value)

    return exp.Table(
        this=fn(
            "read_json",
            lit(str(path)),
            option("format", lit("newline_delimited")),
            option("records", exp.true()),
            option("sample_size", lit(SAMPLE_RECORDS)),
            option("maximum_object_size", lit(min(max_record_bytes, MAX_OBJECT_BYTES))),
            option("maximum_depth", lit(DEPTH[stream])),
            option("map_inference_threshold", lit(-1)),  # objects with many keys stay structs
            option("field_appearance_threshold", lit(0)),  # and so do objects whose keys vary
        )
    )


def _describe(con: duckdb.DuckDBPyConnection, source: exp.Expression) -> dict[str, duckdb.DuckDBPyType]:
    """The columns DuckDB detects from the sample, with their types."""
    relation = con.sql(exp.select(exp.Star()).from_(source).sql("duckdb"))
    return dict(zip(relation.columns, relation.types, strict=True))


def _first_record(path: Path) -> dict[str, object] | None:
    """The first record of a JSON lines file (plain or gzip), if its first line holds an object."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            line = b""
            while not line.strip():
                line = handle.readline(FIRST_LINE_BYTES)
                if not line:
                    return None
        value = json.loads(line)
    except (OSError, EOFError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _same_type(source_type: str, kql_type: KqlType) -> bool:
    try:
        return exp.DataType.build(source_type, dialect="duckdb").sql("duckdb") == sql_type(kql_type).sql("duckdb")
    except Exception:  # a DuckDB type sqlglot does not know is not the target type
        return False


def strict_coerce(value: exp.Expression, source_type: str, kql_type: KqlType) -> exp.Expression:
    """SQL turning a detected value into the column's type, failing the query where it cannot.

    Text and dynamic columns cannot fail and take the per-line path's coercion; a value of another
    type is cast through its text, as the per-line path (which reads every value as text) does.
    """
    if kql_type in TEXT_TYPES:
        return coerce(as_text(value, source_type), "VARCHAR", kql_type)
    if _same_type(source_type, kql_type):
        return value
    target = sql_type(kql_type)
    if kql_type is KqlType.DATETIME:
        if source_type.startswith("TIMESTAMP") or source_type == "DATE":
            return exp.cast(value, target)
        return exp.cast(exp.cast(as_text(value, source_type), "TIMESTAMPTZ"), target)
    return exp.cast(as_text(value, source_type), target)


def plan(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    columns_of: ColumnsOf,
    *,
    default_table: str | None,
    max_record_bytes: int,
) -> FastPlan | None:
    """The query reading `path` on the fast path; None when the file is not one it takes.

    Taken: JSON lines of Defender streaming API records, or of flat rows whose table is `Type` or
    `default_table`, all of one table of the catalog. Not taken: Event Hubs messages, Graph
    results, Log Analytics responses (error responses too), documents, and anything DuckDB cannot
    read at all (it fails here, before any work).
    """
    first = _first_record(path)
    if first is None or set(first) & (RECORD_KEYS | SCHEMA_KEYS | RESPONSE_KEYS) or is_error_response(first):
        return None
    stream = "category" in first and "properties" in first
    if stream:
        category = first["category"]
        table = category.removeprefix(STREAM_PREFIX) if isinstance(category, str) else None
    else:
        named = first.get("Type")
        table = named if isinstance(named, str) and named else default_table
    columns = columns_of(table) if table else None
    if columns is None:
        return None
    source = _read_json(path, stream=stream, max_record_bytes=max_record_bytes)
    try:
        top = _describe(con, source)
    except duckdb.Error:
        return None
    if stream:
        properties = top.get("properties")
        if properties is None or properties.id != "struct":
            return None
        fields = {name: str(kind) for name, kind in properties.children}
        table_expr = _stream_table(top)
    else:
        fields = {name: str(kind) for name, kind in top.items()}
        table_expr = _row_table(top, default_table)
    if table_expr is None or any(is_nested(t) for t in fields.values()):
        return None  # a struct would give absent keys back as nulls: the per-line path keeps the text
    columns = dict(columns)
    if stream:
        columns.setdefault("TenantId", KqlType.STRING)
    lower = {name.lower(): name for name in columns}
    new_types: dict[str, KqlType] = {}
    for key in fields:
        if key in columns:
            continue
        if key.lower() in lower:
            return None  # differs from a column only in letter case: the per-line path sets it aside
        new_types[key] = KNOWN_EXTRAS.get(key, KqlType.STRING)
    columns.update(new_types)

    def field(name: str) -> exp.Expression | None:
        if name not in fields:
            return None
        return fn("struct_extract", col("properties"), lit(name)) if stream else col(name)

    items: list[exp.Expression] = []
    for name, kql_type in columns.items():
        value = field(name)
        coerced = None if value is None else strict_coerce(value, fields[name], kql_type)
        if stream and name == "TenantId" and "tenantId" in top:
            envelope = as_text(col("tenantId"), str(top["tenantId"]))
            coerced = envelope if coerced is None else exp.Coalesce(this=coerced, expressions=[envelope])
        if not stream and name == "Timestamp" and "TimeGenerated" in fields:
            generated = strict_coerce(col("TimeGenerated"), fields["TimeGenerated"], kql_type)
            coerced = generated if coerced is None else exp.Coalesce(this=coerced, expressions=[generated])
        if coerced is None:
            coerced = strict_coerce(exp.null(), "VARCHAR", kql_type)
        items.append(exp.alias_(coerced, ident(name)))
    every = exp.and_(*(is_null(col(name)) for name in top))
    inner = exp.select(*items, exp.alias_(table_expr, TABLE), exp.alias_(every, SEEN)).from_(source)
    guard = _guard(table, "Timestamp" in columns)
    query = exp.select(exp.Star(except_=[col(TABLE), col(SEEN)]), exp.alias_(guard, GUARD)).from_(inner.subquery("r"))
    return FastPlan(table, query.sql("duckdb"), new_types)


def _stream_table(top: dict[str, duckdb.DuckDBPyType]) -> exp.Expression | None:
    if str(top.get("category")) != "VARCHAR":
        return None
    category = col("category")
    return exp.If(
        this=fn("starts_with", category, lit(STREAM_PREFIX)),
        true=fn("substr", category.copy(), lit(len(STREAM_PREFIX) + 1)),
        false=exp.null(),
    )


def _row_table(top: dict[str, duckdb.DuckDBPyType], default_table: str | None) -> exp.Expression | None:
    if "Type" in top and str(top["Type"]) != "VARCHAR":
        return None
    named = fn("nullif", col("Type"), lit("")) if "Type" in top else None
    if named is not None and default_table:
        return exp.Coalesce(this=named, expressions=[lit(default_table)])
    return named or (lit(default_table) if default_table else None)


def _guard(table: str, timestamped: bool) -> exp.Expression:
    """Fails the query at a record the fast path does not take; else reads every top-level column
    (`SEEN`: DuckDB raises at an unknown key only while the query reads all of them)."""
    ifs = [
        exp.If(
            this=exp.NullSafeNEQ(this=col(TABLE), expression=lit(table)),
            true=fn("error", lit(f"a record not of table {table}")),
        )
    ]
    if timestamped:
        ifs.append(exp.If(this=is_null(col("Timestamp")), true=fn("error", lit("a record without Timestamp"))))
    return exp.Case(ifs=ifs, default=col(SEEN))


class Refused(Exception):
    """DuckDB stopped at a record the fast path does not take (or could not read on)."""


def batches(con: duckdb.DuckDBPyConnection, fast: FastPlan, batch_rows: int) -> Iterator[pa.Table]:
    """The file's rows in batches, in the order of the file, the guard column dropped; Refused at a
    record refused, after the batches of the records before it."""
    try:
        for batch in con.sql(fast.query).to_arrow_reader(batch_rows):
            yield pa.Table.from_batches([batch]).drop_columns([GUARD])
    except (duckdb.Error, OSError) as error:  # once streaming, DuckDB's errors come through Arrow as OSError
        raise Refused(str(error).strip().splitlines()[0]) from error
