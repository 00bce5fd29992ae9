"""Rows of a Log Analytics query API response (records.py reads them), made records, and its error.

A row is a JSON array in the order of its table's `columns`; in DuckDB it becomes an object of
column name -> value (a row of another length is set aside) and is then converted like any JSON
record, its table being its `Type`, else `--table`. The columns' Kusto types type the columns the
catalog does not know, as Graph's `schema` does. A response mixing tables (a union, told apart by
`Type`) lists every table's columns for every row, empty where a row's table has no such column: a
table gains only the columns new to it that its own rows hold a value in.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from rmmhunt.compiler.relation import col
from rmmhunt.ingest.convert import ColumnsOf, Converted, JsonConverter, fn, is_null, kql_type_of_name, lit
from rmmhunt.ingest.records import JSON_TEXT, LINE, RECORD, REJECT_SCHEMA, LogTable

VALUES, REASON = "__v", "__reason"
TEXT_SCHEMA = pa.schema([(LINE, pa.int64()), (RECORD, pa.int64()), (JSON_TEXT, pa.large_string())])


class RowsConverter:
    """The rows of one table of a response."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, columns_of: ColumnsOf, log_table: LogTable, default_table: str | None
    ):
        self.con = con
        self.columns_of = columns_of
        self.inner = JsonConverter(
            con,
            columns_of,
            stream=False,
            default_table=default_table,
            schema_types={name: kql_type_of_name(kusto_type) for name, kusto_type in log_table.columns},
        )
        self.query = _objects_sql(log_table)

    def convert(self, batch: pa.Table) -> Converted:
        self.con.register("rows", batch)
        try:
            result = self.con.sql(self.query).to_arrow_table()
        finally:
            self.con.unregister("rows")
        bad = result.filter(result.column(REASON).is_valid())
        good = result.filter(result.column(REASON).is_null()).select([LINE, RECORD, JSON_TEXT]).cast(TEXT_SCHEMA)
        converted = self.inner.convert(good) if good.num_rows else Converted()
        self._drop_unheld_columns(converted)
        if bad.num_rows:
            rejected = pa.table(
                [
                    bad.column(LINE),
                    bad.column(RECORD),
                    pa.array([""] * bad.num_rows, pa.string()),  # a malformed row: its Type is not to be trusted
                    bad.column(REASON),
                    bad.column("raw"),
                ],
                names=REJECT_SCHEMA.names,
            )
            converted.rejected.append(rejected.cast(REJECT_SCHEMA))
            converted.read.update([""] * bad.num_rows)
        return converted

    def _drop_unheld_columns(self, converted: Converted) -> None:
        """Leave out of each table's rows the columns new to it that none of them holds a value in."""
        for table, rows in converted.rows.items():
            known = self.columns_of(table) or {}
            unheld = [n for n in rows.column_names if n not in known and not _holds_value(rows.column(n))]
            converted.rows[table] = rows.drop_columns(unheld)
            types = converted.new_types.get(table, {})
            converted.new_types[table] = {n: t for n, t in types.items() if n not in unheld}


def _holds_value(values: pa.ChunkedArray) -> bool:
    """Whether any value is there: not null, and for text not empty (Kusto's value of a string it lacks)."""
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return bool(pc.any(pc.not_equal(values, "")).as_py())
    return values.null_count < len(values)


def _objects_sql(log_table: LogTable) -> str:
    """Line, record, reason; the row as an object where it is one of the table's length, else its text as raw."""
    text = col(JSON_TEXT)
    count = len(log_table.columns)
    where = f"table {log_table.number} of the response"
    reason = exp.Case(
        ifs=[
            exp.If(this=exp.Not(this=fn("json_valid", text)), true=lit("not valid JSON")),
            exp.If(
                this=exp.NEQ(this=fn("json_type", text.copy()), expression=lit("ARRAY")),
                true=lit(f"a row of {where} that is not a JSON array"),
            ),
            exp.If(
                this=exp.NEQ(this=fn("json_array_length", text.copy()), expression=lit(count)),
                true=fn(
                    "concat",
                    lit("a row of "),
                    fn("json_array_length", text.copy()),
                    lit(f" values where {where} has {count} columns"),
                ),
            ),
        ]
    )
    paths = exp.Array(expressions=[lit(f"$[{i}]") for i in range(count)])
    checked = exp.select(
        col(LINE),
        col(RECORD),
        text.copy(),
        exp.alias_(reason, REASON),
    ).from_("rows")
    values = exp.select(
        exp.Star(),
        exp.alias_(exp.If(this=is_null(col(REASON)), true=fn("json_extract", text.copy(), paths)), VALUES),
    ).from_(checked.subquery("c"))
    pairs = []
    for i, (name, _) in enumerate(log_table.columns):
        pairs += [lit(name), fn("list_extract", col(VALUES), lit(i + 1))]
    return (
        exp.select(
            col(LINE),
            col(RECORD),
            col(REASON),
            exp.alias_(exp.cast(fn("json_object", *pairs), "VARCHAR"), JSON_TEXT),
            exp.alias_(
                exp.If(this=exp.Not(this=is_null(col(REASON))), true=fn("encode", fn("rtrim", text.copy()))), "raw"
            ),
        )
        .from_(values.subquery("v"))
        .sql("duckdb")
    )


def error_note(error: object) -> str:
    """A response's partial error, e.g. {"code": "PartialError", "message": ..., "details": [...]}, in words."""
    return f"the response reports a partial error (its rows may be incomplete): {_messages(error)}"


def failure_message(error: object) -> str:
    """The error of a response holding nothing else, e.g. {"code": "BadArgumentError", "message": ...}, in words."""
    return f"the response holds no rows, only the error of a query that failed: {_messages(error)}"


def _messages(error: object) -> str:
    """The code and message of an error, its details and inner errors, in order."""
    if not isinstance(error, dict):
        return str(error)
    messages = []
    pending: list[object] = [error]
    while pending:
        item = pending.pop(0)
        if not isinstance(item, dict):
            continue
        said = ": ".join(str(item[k]) for k in ("code", "message") if item.get(k))
        if said and said not in messages:
            messages.append(said)
        details = item.get("details")
        pending += [*(details if isinstance(details, list) else []), item.get("innererror")]
    return "; ".join(messages)
