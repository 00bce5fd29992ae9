"""Plain Parquet, CSV and JSON-lines files of one named table, coerced to the catalog's types.

DuckDB reads and coerces (fast, vectorised); a value that cannot be coerced stops the file with
an error naming file, line and column, and nothing of that file is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlglot import exp

from rmmhunt.compiler.relation import col, ident
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.errors import RmmhuntError
from rmmhunt.kql.types import KqlType
from rmmhunt.store import WorkspaceStore

LINE = "__rmmhunt_line"
RAW = "__rmmhunt_raw"


class IngestError(RmmhuntError):
    pass


@dataclass
class IngestReport:
    table: str
    rows_by_file: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.rows_by_file.values())


def _reader(path: Path) -> tuple[str, list[exp.Expression], int]:
    """DuckDB table function, its arguments, and the line of the first record."""
    name = path.name.lower().removesuffix(".gz")
    source = exp.Literal.string(str(path))
    if name.endswith(".parquet"):
        return "read_parquet", [source], 1
    if name.endswith(".csv"):
        options = [
            exp.EQ(this=exp.column("all_varchar"), expression=exp.true()),
            exp.EQ(this=exp.column("header"), expression=exp.true()),
        ]
        return "read_csv", [source, *options], 2
    if name.endswith((".json", ".jsonl", ".ndjson")):
        options = [exp.EQ(this=exp.column("format"), expression=exp.Literal.string("newline_delimited"))]
        return "read_json", [source, *options], 1
    raise IngestError(f"{path}: unknown file type; expected .parquet, .csv, .json, .jsonl or .ndjson")


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """DuckDB's errors while reading a file, as an IngestError naming the file."""
    try:
        yield
    except duckdb.Error as exc:
        raise IngestError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from None


def _is_nested(source_type: str) -> bool:
    return source_type.startswith(("STRUCT", "MAP")) or source_type.endswith("]")


def _as_text(expr: exp.Expression, source_type: str) -> exp.Expression:
    """The value as text: nested values as JSON, a JSON scalar ("5", true) as its plain text."""
    if source_type == "JSON":
        extracted = exp.Anonymous(this="json_extract_string", expressions=[expr, exp.Literal.string("$")])
        return exp.If(
            this=exp.EQ(
                this=exp.Anonymous(this="json_type", expressions=[expr.copy()]),
                expression=exp.Literal.string("VARCHAR"),
            ),
            true=extracted,
            false=exp.cast(expr.copy(), exp.DataType.build("VARCHAR")),
        )
    if _is_nested(source_type):
        return exp.cast(exp.Anonymous(this="to_json", expressions=[expr]), exp.DataType.build("VARCHAR"))
    return exp.cast(expr, exp.DataType.build("VARCHAR"))


def _coerce(column: str, source_type: str, kql_type: KqlType) -> exp.Expression:
    """SQL turning the raw column into the catalog type; NULL where it cannot."""
    raw = col(column)
    if kql_type in (KqlType.STRING, KqlType.GUID):
        return exp.Coalesce(this=_as_text(raw, source_type), expressions=[exp.Literal.string("")])
    if kql_type is KqlType.DYNAMIC:
        return _as_text(raw, source_type)
    text = _as_text(raw, source_type)
    if kql_type is KqlType.DATETIME:
        if source_type.startswith("TIMESTAMP"):
            return exp.cast(raw, sql_type(kql_type))
        with_zone = exp.TryCast(this=text, to=exp.DataType.build("TIMESTAMPTZ"))
        return exp.cast(with_zone, sql_type(kql_type))
    return exp.TryCast(this=text, to=sql_type(kql_type))


class FileIngester:
    def __init__(self, store: WorkspaceStore, table: str):
        columns = store.table_columns(table)
        if columns is None:
            raise IngestError(f"unknown table {table!r}")
        self.store, self.table, self.columns = store, table, columns
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")

    def read(self, path: Path) -> pa.Table:
        function, args, first_line = _reader(path)
        numbered = exp.select(exp.Star(), exp.alias_(exp.Window(this=exp.RowNumber()), LINE)).from_(
            exp.Table(this=exp.Anonymous(this=function, expressions=args))
        )
        # Materialised first: DuckDB would otherwise push TRY_CAST into the CSV reader as a strict cast.
        self._run(path, exp.Create(this=exp.Table(this=ident(RAW)), kind="TABLE", expression=numbered, replace=True))
        raw = self.con.table(RAW)
        source_types = dict(zip(raw.columns, map(str, raw.types), strict=True))
        items: list[exp.Expression] = []
        for name, kql_type in self.columns.items():
            if name in source_types:
                items.append(exp.alias_(_coerce(name, source_types[name], kql_type), ident(name)))
        # Columns the catalog does not know are kept; nested ones as JSON text.
        items += [
            exp.alias_(_as_text(col(n), t), ident(n)) if _is_nested(t) else col(n)
            for n, t in source_types.items()
            if n not in self.columns and n != LINE
        ]
        self.check(path, source_types, first_line)
        final = exp.select(*items).from_(exp.Table(this=ident(RAW))).order_by(col(LINE))
        with _reading(path):
            return self.con.sql(final.sql("duckdb")).to_arrow_table()

    def _run(self, path: Path, query: exp.Expression) -> duckdb.DuckDBPyConnection:
        with _reading(path):
            return self.con.execute(query.sql("duckdb"))

    def check(self, path: Path, source_types: dict[str, str], first_line: int) -> None:
        """Name the first value that is present in the input but cannot be coerced."""
        for name, kql_type in self.columns.items():
            if name not in source_types or kql_type in (KqlType.STRING, KqlType.GUID, KqlType.DYNAMIC):
                continue
            text = _as_text(col(name), source_types[name])
            failed = exp.and_(
                exp.Not(this=exp.Is(this=text, expression=exp.null())),
                exp.NEQ(this=text.copy(), expression=exp.Literal.string("")),
                exp.Is(this=_coerce(name, source_types[name], kql_type), expression=exp.null()),
            )
            query = exp.select(col(LINE), text.copy()).from_(exp.Table(this=ident(RAW))).where(failed)
            bad = self._run(path, query.order_by(col(LINE)).limit(1)).fetchone()
            if bad is not None:
                line, value = bad
                raise IngestError(
                    f"{path}:{line + first_line - 1}: column {name}: cannot read {value[:80]!r} as {kql_type.value}"
                )


def ingest_files(store: WorkspaceStore, table: str, paths: Iterable[str | Path]) -> IngestReport:
    ingester = FileIngester(store, table)
    report = IngestReport(table)
    for path in map(Path, paths):
        if not path.is_file():
            raise IngestError(f"{path}: no such file")
        report.rows_by_file[str(path)] = store.write(table, ingester.read(path))
    return report
