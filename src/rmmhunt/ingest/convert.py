"""Records -> typed rows per table, and the records that cannot be, each with its reason. In DuckDB.

JSON records are parsed once per batch with `json_transform` into a struct of text fields, one per
column of the tables seen so far; the list of keys of each record is hashed, and every new key list
is checked against the table's columns, so a key the catalog does not know becomes a new (text)
column rather than being dropped. Values are then coerced to the columns' KQL types; a value that is
present but cannot be coerced sets the record aside with the column, the value and the type.

All SQL is built as sqlglot trees: values (table names, JSON keys, formats) are literals, names
are quoted identifiers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from rmmhunt.compiler.relation import col, ident
from rmmhunt.compiler.sqltypes import kql_type_of_arrow, sql_type
from rmmhunt.ingest.records import JSON_TEXT, LINE, RECORD, REJECT_SCHEMA
from rmmhunt.kql.types import KqlType, parse_type_name

STREAM_PREFIX = "AdvancedHunting-"
INDEX, TABLE, PARSED, KEYS, REASON, RAW = "__i", "__t", "__e", "__kh", "__reason", "__raw"
# Columns of Log Analytics / Sentinel rows that are not text; any other unknown column is stored as text.
KNOWN_EXTRAS = {"TimeGenerated": KqlType.DATETIME}
# The Defender portal's M/d/yyyy h:mm:ss tt, and the Azure portal's M/d/yyyy, h:mm:ss.fff tt (both UTC).
PORTAL_TIME_FORMATS = [
    f"%m/%d/%Y{comma} {time}"
    for comma in ("", ",")
    for time in ("%I:%M:%S %p", "%I:%M:%S.%f %p", "%H:%M:%S", "%H:%M:%S.%f")
]
TEXT_TYPES = (KqlType.STRING, KqlType.GUID, KqlType.DYNAMIC)
SCAN_CHUNK_ROWS = 16_384


def fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def lit(value: str | int) -> exp.Expression:
    return exp.Literal.string(value) if isinstance(value, str) else exp.Literal.number(value)


def is_null(expr: exp.Expression) -> exp.Expression:
    return exp.Is(this=expr, expression=exp.null())


def not_null(expr: exp.Expression) -> exp.Expression:
    return exp.Not(this=is_null(expr))


def kql_type_of_name(name: str) -> KqlType:
    """A column type as Graph's or the portal's schema spells it (DateTime, Int64, Object, ...)."""
    spelled = {"int64": KqlType.LONG, "int32": KqlType.INT, "object": KqlType.DYNAMIC, "sbyte": KqlType.BOOL}
    found = spelled.get(name.lower()) or parse_type_name(name)
    return KqlType.STRING if found in (None, KqlType.TIMESPAN) else found


# ---------------------------------------------------------------- coercion


def is_nested(source_type: str) -> bool:
    return source_type.startswith(("STRUCT", "MAP")) or source_type.endswith("]")


def as_text(expr: exp.Expression, source_type: str) -> exp.Expression:
    """A value as text: nested values as JSON, a JSON scalar ("5", true) as its plain text."""
    if source_type == "VARCHAR":
        return expr
    if source_type == "JSON":
        return exp.If(
            this=exp.EQ(this=fn("json_type", expr), expression=lit("VARCHAR")),
            true=fn("json_extract_string", expr.copy(), lit("$")),
            false=exp.cast(expr.copy(), "VARCHAR"),
        )
    if is_nested(source_type):
        return exp.cast(fn("to_json", expr), "VARCHAR")
    return exp.cast(expr, "VARCHAR")


def coerce(value: exp.Expression, source_type: str, kql_type: KqlType) -> exp.Expression:
    """SQL turning a source value into the column's type; NULL where it cannot."""
    text = as_text(value, source_type)
    if kql_type in (KqlType.STRING, KqlType.GUID):
        return exp.Coalesce(this=text, expressions=[lit("")])
    if kql_type is KqlType.DYNAMIC:
        if is_nested(source_type) or source_type == "JSON":
            return text
        # JSON text stays as it is; any other text becomes a JSON string.
        return exp.If(
            this=fn("json_valid", text), true=text.copy(), false=exp.cast(fn("to_json", text.copy()), "VARCHAR")
        )
    target = sql_type(kql_type)
    if kql_type is KqlType.DATETIME:
        if source_type.startswith("TIMESTAMP") or source_type == "DATE":
            return exp.cast(value, target)
        iso = exp.TryCast(this=exp.TryCast(this=text, to=exp.DataType.build("TIMESTAMPTZ")), to=target)
        formats = exp.Array(expressions=[lit(f) for f in PORTAL_TIME_FORMATS])
        return exp.Coalesce(this=iso, expressions=[fn("try_strptime", text.copy(), formats)])
    return exp.TryCast(this=text, to=target)


def can_fail(source_type: str, kql_type: KqlType) -> bool:
    if kql_type in TEXT_TYPES:
        return False
    return (
        source_type in ("VARCHAR", "JSON") or is_nested(source_type) or sql_type(kql_type).sql("duckdb") != source_type
    )


def failure_reason(columns: list[tuple[str, exp.Expression, str, KqlType]]) -> exp.Expression:
    """The first value that is present but could not be coerced, else a missing Timestamp, else NULL.

    `columns` are (name, source value, source type, KQL type), referring to `<name>` for the coerced
    value; the source values are evaluated again only for the checks.
    """
    ifs = []
    for name, value, source_type, kql_type in columns:
        if not can_fail(source_type, kql_type):
            continue
        text = as_text(value, source_type)
        present = exp.and_(not_null(text), exp.NEQ(this=fn("trim", text.copy()), expression=lit("")))
        failed = exp.and_(present, is_null(col(name)))
        message = fn(
            "concat",
            lit(f"column {name}: cannot read '"),
            fn("left", text.copy(), lit(80)),
            lit(f"' as {kql_type.value}"),
        )
        ifs.append(exp.If(this=failed, true=message))
    if any(name == "Timestamp" for name, *_ in columns):
        ifs.append(exp.If(this=is_null(col("Timestamp")), true=lit("no Timestamp")))
    return exp.Case(ifs=ifs) if ifs else exp.cast(exp.null(), "VARCHAR")


# ---------------------------------------------------------------- results


@dataclass
class Converted:
    """What one batch became: rows per table, set-aside records, records read per table."""

    rows: dict[str, pa.Table] = field(default_factory=dict)
    new_types: dict[str, dict[str, KqlType]] = field(default_factory=dict)
    rejected: list[pa.Table] = field(default_factory=list)
    read: Counter[str] = field(default_factory=Counter)

    def quarantined(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for table in self.rejected:
            counts.update(table.column("table").to_pylist())
        return counts


def _indexed(batch: pa.Table) -> pa.Table:
    """The batch numbered (`__i`), in chunks DuckDB can scan on several threads."""
    numbered = batch.add_column(0, INDEX, pa.array(np.arange(batch.num_rows, dtype=np.int64)))
    return pa.Table.from_batches(numbered.to_batches(max_chunksize=SCAN_CHUNK_ROWS), schema=numbered.schema)


def _split(result: pa.Table, table: str, converted: Converted) -> None:
    """Good rows (no reason) to `rows`, the others to `rejected`."""
    reasons = result.column(REASON)
    bad = pc.is_valid(reasons)
    if reasons.null_count < len(reasons):
        rejected = result.filter(bad)
        converted.rejected.append(
            pa.table(
                [
                    rejected.column(LINE),
                    rejected.column(RECORD),
                    pa.array([table] * rejected.num_rows, pa.string()),
                    rejected.column(REASON),
                    rejected.column(RAW).cast(pa.large_binary()),
                ],
                schema=REJECT_SCHEMA,
            )
        )
        result = result.filter(pc.invert(bad))
    internal = (INDEX, LINE, RECORD, TABLE, KEYS, REASON, RAW)
    converted.rows[table] = result.drop_columns([c for c in internal if c in result.column_names])


# ---------------------------------------------------------------- JSON


ColumnsOf = Callable[[str], dict[str, KqlType] | None]


class JsonConverter:
    """JSON records of one source. `stream`: Defender streaming API envelopes, else flat rows."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        columns_of: ColumnsOf,
        *,
        stream: bool,
        default_table: str | None,
        schema_types: dict[str, KqlType] | None = None,
    ):
        self.con = con
        self.columns_of = columns_of
        self.stream = stream
        self.default_table = default_table
        self.schema_types = schema_types or {}
        self.active: list[str] = [default_table] if default_table and columns_of(default_table) else []
        self.extras: dict[str, dict[str, KqlType]] = {}  # table -> unknown keys found in this source
        self.accepted: set[tuple[str, int]] = set()  # (table, hash of key list) already checked
        self.conflicts: dict[tuple[str, int], str] = {}  # (table, key hash) -> reason
        self.queries: dict[tuple[object, ...], tuple[str, str]] = {}  # SQL, by what it depends on

    # -- the parse

    def _columns(self, table: str) -> dict[str, KqlType]:
        columns = dict(self.columns_of(table) or {})
        for name, kql_type in self.extras.get(table, {}).items():
            columns.setdefault(name, kql_type)
        if self.stream:
            columns.setdefault("TenantId", KqlType.STRING)
        return columns

    def _groups(self) -> list[list[str]]:
        """Active tables in groups whose column names do not clash when letter case is ignored."""
        groups: list[tuple[list[str], dict[str, str]]] = []
        for table in self.active:
            names = {c.lower(): c for c in self._columns(table)}
            for members, seen in groups:
                if all(seen.get(k, v) == v for k, v in names.items()):
                    members.append(table)
                    seen.update(names)
                    break
            else:
                groups.append(([table], names))
        return [members for members, _ in groups] or [[]]

    def _spec(self, tables: list[str]) -> str:
        fields: dict[str, str] = {"Timestamp": "VARCHAR"}  # a struct needs a field, before any table is known
        for table in tables:
            fields.update(dict.fromkeys(self._columns(table), "VARCHAR"))
        if self.stream:
            return json.dumps({"category": "VARCHAR", "tenantId": "VARCHAR", "properties": fields})
        return json.dumps({"Type": "VARCHAR", **fields})

    def _field(self, name: str) -> exp.Expression:
        """The text of a column: a key of `properties` (of the envelope: `tenantId`), or of the row."""
        if not self.stream:
            return fn("struct_extract", col(PARSED), lit(name))
        value = fn("struct_extract", fn("struct_extract", col(PARSED), lit("properties")), lit(name))
        if name == "TenantId":
            return exp.Coalesce(this=value, expressions=[fn("struct_extract", col(PARSED), lit("tenantId"))])
        return value

    def _table_expr(self) -> exp.Expression:
        if self.stream:
            category = fn("struct_extract", col(PARSED), lit("category"))
            return exp.If(
                this=fn("starts_with", category, lit(STREAM_PREFIX)),
                true=fn("substr", category.copy(), lit(len(STREAM_PREFIX) + 1)),
                false=exp.null(),
            )
        named = fn("nullif", fn("struct_extract", col(PARSED), lit("Type")), lit(""))
        return exp.Coalesce(this=named, expressions=[lit(self.default_table or "")]) if self.default_table else named

    def _keys_path(self) -> str:
        return "$.properties" if self.stream else "$"

    def _parsed(self, tables: list[str], *, tolerant: bool = True) -> exp.Select:
        """The batch with each record parsed (for these tables' columns), its key-list hash and table.

        `tolerant`: text that is not JSON parses to NULL; otherwise it fails the query (which is faster).
        """
        spec = lit(self._spec(tables))
        guard = (lambda e: fn("try", e)) if tolerant else (lambda e: e)
        parsed = exp.select(
            col(INDEX),
            col(LINE),
            col(RECORD),
            col(JSON_TEXT),
            exp.alias_(guard(fn("json_transform", col(JSON_TEXT), spec)), PARSED),
            exp.alias_(fn("hash", guard(fn("json_keys", col(JSON_TEXT), lit(self._keys_path())))), KEYS),
        ).from_("batch")
        return exp.select(exp.Star(), exp.alias_(self._table_expr(), TABLE)).from_(parsed.subquery("p"))

    def convert(self, batch: pa.Table) -> Converted:
        self.con.register("batch", _indexed(batch))
        try:
            for _ in range(8):
                converted = self._convert()
                if converted is not None:
                    return converted
            raise AssertionError("the tables and columns of a batch did not settle")
        finally:
            self.con.unregister("batch")

    def _convert(self) -> Converted | None:
        """One pass over the batch per active table (the first also returns the records of no active
        table); None if a new table or column turned up, and the batch must be converted again."""
        converted = Converted()
        rest: pa.Table | None = None
        for group in self._groups():
            for table in group or [None]:
                result = self._select(group, table)
                if rest is None:  # the records of no active table, from the first pass
                    known = pa.array(self.active, pa.string())
                    rest = result.filter(pc.invert(pc.fill_null(pc.is_in(result.column(TABLE), known), False)))
                    rest = rest.select([INDEX, TABLE])
                if table is None:
                    continue
                if self._learn(table, result):
                    return None
                mine = result.filter(pc.fill_null(pc.equal(result.column(TABLE), table), False))
                converted.read[table] += mine.num_rows
                _split(mine, table, converted)
                converted.new_types[table] = {
                    n: t for n, t in self._columns(table).items() if n not in (self.columns_of(table) or {})
                }
        assert rest is not None
        new_tables = {t for t in rest.column(TABLE).to_pylist() if t and self.columns_of(t) is not None}
        if new_tables - set(self.active):
            self.active += sorted(new_tables - set(self.active))
            return None
        if rest.num_rows:
            self._set_aside(rest, converted)
        return converted

    def _select(self, group: list[str], table: str | None) -> pa.Table:
        """Index, table, key hash, and for `table`'s records the coerced columns, reason and raw text."""
        key = (tuple(group), table, len(self.active), sum(map(len, self.extras.values())), len(self.conflicts))
        if key not in self.queries:
            self.queries[key] = tuple(
                self._select_sql(self._parsed(group, tolerant=tolerant).subquery("parsed"), table)
                for tolerant in (False, True)
            )
        strict, tolerant = self.queries[key]
        try:  # Most batches are all JSON: parse them without TRY's overhead; else again, with it.
            return self.con.sql(strict).to_arrow_table()
        except duckdb.InvalidInputException:
            return self.con.sql(tolerant).to_arrow_table()

    def _select_sql(self, parsed: exp.Expression, table: str | None) -> str:
        # No WHERE for the table: DuckDB would push it below the parse and parse every record twice.
        items: list[exp.Expression] = [col(INDEX), col(LINE), col(RECORD), col(TABLE), col(KEYS)]
        if table is not None:
            columns = self._columns(table)
            sources = []
            for name, kql_type in columns.items():
                value = self._field(name)
                if name == "Timestamp" and not self.stream and "TimeGenerated" in columns:
                    value = exp.Coalesce(this=value, expressions=[self._field("TimeGenerated")])
                sources.append((name, value, "VARCHAR", kql_type))
            items += [exp.alias_(coerce(value, st, kt), ident(name)) for name, value, st, kt in sources]
            conflicts = [h for (t, h) in self.conflicts if t == table]
            reason = failure_reason(sources)
            if conflicts:
                clash = exp.In(this=col(KEYS), expressions=[lit(h) for h in conflicts])
                reason = exp.If(this=clash, true=lit(self.conflicts[(table, conflicts[0])]), false=reason)
            items.append(exp.alias_(reason, REASON))
        inner = exp.select(*items, col(JSON_TEXT)).from_(parsed)
        outer = exp.select(exp.Star(except_=[col(JSON_TEXT)])).from_(inner.subquery("c"))
        if table is not None:
            wanted = exp.and_(not_null(col(REASON)), exp.EQ(this=col(TABLE), expression=lit(table)))
            outer = outer.select(exp.alias_(exp.If(this=wanted, true=_record_text()), RAW))
        return outer.sql("duckdb")

    def _learn(self, table: str, result: pa.Table) -> bool:
        """Check each new key list of `table`'s records; True if a new column was found."""
        mine = result.filter(pc.fill_null(pc.equal(result.column(TABLE), table), False))
        firsts = mine.group_by(KEYS).aggregate([(INDEX, "min")])
        learned = False
        for key_hash, first in zip(
            firsts.column(KEYS).to_pylist(), firsts.column(f"{INDEX}_min").to_pylist(), strict=True
        ):
            if (table, key_hash) in self.accepted:
                continue
            query = (
                exp.select(fn("json_keys", col(JSON_TEXT), lit(self._keys_path())))
                .from_("batch")
                .where(exp.EQ(this=col(INDEX), expression=lit(first)))
            )
            keys = self.con.execute(query.sql("duckdb")).fetchall()[0][0] or []
            columns = self._columns(table)
            lower = {c.lower(): c for c in columns}
            for key in keys:
                if key in columns:
                    continue
                if key.lower() in lower:
                    self.conflicts[(table, key_hash)] = (
                        f"key {key!r} differs from column {lower[key.lower()]!r} only in letter case"
                    )
                    break
                kql_type = self.schema_types.get(key) or KNOWN_EXTRAS.get(key, KqlType.STRING)
                self.extras.setdefault(table, {})[key] = kql_type
                learned = True
            self.accepted.add((table, key_hash))
        return learned

    def _set_aside(self, rest: pa.Table, converted: Converted) -> None:
        """The records of no known table, each with its reason."""
        self.con.register("rest", rest.select([INDEX]))
        try:
            parsed = self._parsed([]).subquery("parsed")
            category = fn("struct_extract", col(PARSED), lit("category"))
            ifs = [
                exp.If(this=is_null(col(PARSED)), true=lit("not valid JSON")),
                exp.If(
                    this=exp.NEQ(this=fn("json_type", col(JSON_TEXT)), expression=lit("OBJECT")),
                    true=lit("not a JSON object"),
                ),
            ]
            if self.stream:
                ifs += [
                    exp.If(this=is_null(category), true=lit(f"no category (expected {STREAM_PREFIX}<Table>)")),
                    exp.If(
                        this=is_null(col(TABLE)),
                        true=fn(
                            "concat",
                            lit("unknown category '"),
                            category.copy(),
                            lit(f"'; expected {STREAM_PREFIX}<Table>"),
                        ),
                    ),
                ]
            else:
                ifs.append(
                    exp.If(this=is_null(col(TABLE)), true=lit("the record names no table (no Type); pass --table"))
                )
            unknown = fn("concat", lit("unknown table '"), col(TABLE), lit("': not in the schema catalog"))
            query = (
                exp.select(
                    exp.alias_(col(LINE), "line"),
                    exp.alias_(col(RECORD), "record"),
                    exp.alias_(exp.Coalesce(this=col(TABLE), expressions=[lit("")]), "table"),
                    exp.alias_(exp.Case(ifs=ifs, default=unknown), "reason"),
                    exp.alias_(fn("encode", _record_text()), "raw"),
                )
                .from_(parsed)
                .where(exp.In(this=col(INDEX), query=exp.select(col(INDEX)).from_("rest").subquery()))
            )
            rejected = _explain_invalid_json(self.con.sql(query.sql("duckdb")).to_arrow_table())
        finally:
            self.con.unregister("rest")
        converted.rejected.append(rejected.cast(REJECT_SCHEMA))
        converted.read.update(rejected.column("table").to_pylist())


def _record_text() -> exp.Expression:
    """A record's text without the line break that ended it."""
    return fn("rtrim", col(JSON_TEXT), lit("\r\n"))


def _explain_invalid_json(rejected: pa.Table) -> pa.Table:
    """'not valid JSON' with the parser's own words, e.g. "Expecting ',' delimiter: line 1 column 30"."""
    reasons = rejected.column("reason").to_pylist()
    if "not valid JSON" not in reasons:
        return rejected
    raws = rejected.column("raw").to_pylist()
    for i, reason in enumerate(reasons):
        if reason == "not valid JSON":
            try:
                json.loads(raws[i])
            except ValueError as error:
                reasons[i] = f"not valid JSON: {error}"
    return rejected.set_column(rejected.schema.get_field_index("reason"), "reason", pa.array(reasons, pa.string()))


# ---------------------------------------------------------------- columns (CSV, Parquet)


class ColumnsConverter:
    """Rows already in columns: CSV (all text) or Parquet (typed). The table is `Type`, else the default."""

    def __init__(self, con: duckdb.DuckDBPyConnection, columns_of: ColumnsOf, *, default_table: str | None):
        self.con = con
        self.columns_of = columns_of
        self.default_table = default_table

    def convert(self, batch: pa.Table) -> Converted:
        batch = _indexed(batch)
        self.con.register("batch", batch)
        try:
            source_types = {row[0]: row[1] for row in self.con.execute("DESCRIBE SELECT * FROM batch").fetchall()}
            data_columns = [n for n in batch.column_names if n not in (INDEX, LINE, RECORD)]
            raw = exp.cast(
                fn(
                    "to_json",
                    exp.Struct(expressions=[exp.PropertyEQ(this=ident(n), expression=col(n)) for n in data_columns]),
                ),
                "BLOB",
            )
            named = (
                fn("nullif", as_text(col("Type"), source_types["Type"]), lit("")) if "Type" in source_types else None
            )
            table_expr = (
                exp.Coalesce(this=named, expressions=[lit(self.default_table or "")])
                if named and self.default_table
                else named or (lit(self.default_table) if self.default_table else exp.null())
            )
            with_table = exp.select(exp.Star(), exp.alias_(table_expr, TABLE), exp.alias_(raw, RAW)).from_("batch")
            create = exp.Create(
                this=exp.Table(this=ident("parsed")),
                kind="TABLE",
                expression=with_table,
                replace=True,
                properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
            )
            self.con.execute(create.sql("duckdb"))
            counts = self.con.execute(
                exp.select(col(TABLE), exp.Count(this=exp.Star())).from_("parsed").group_by(col(TABLE)).sql("duckdb")
            ).fetchall()
            converted = Converted()
            converted.read.update({table or "": n for table, n in counts})
            arrow_types = {f.name: f.type for f in batch.schema}
            known = []
            for table, _ in counts:
                columns = self.columns_of(table) if table else None
                if columns is None:
                    continue
                known.append(table)
                sources = [(n, col(n), source_types[n], t) for n, t in columns.items() if n in source_types]
                new_types = {
                    n: KNOWN_EXTRAS.get(n, KqlType.STRING)
                    if source_types[n] == "VARCHAR"
                    else kql_type_of_arrow(arrow_types[n])
                    for n in data_columns
                    if n not in columns
                }
                sources += [(n, col(n), source_types[n], t) for n, t in new_types.items()]
                query = (
                    exp.select(
                        col(INDEX),
                        col(LINE),
                        col(RECORD),
                        *(exp.alias_(coerce(value, st, kt), ident(n)) for n, value, st, kt in sources),
                        exp.alias_(failure_reason(sources), REASON)
                        if "Timestamp" in source_types
                        else exp.alias_(lit("no Timestamp column"), REASON),
                    )
                    .from_("parsed")
                    .where(exp.EQ(this=col(TABLE), expression=lit(table)))
                )
                query = query.select(col(RAW), copy=False)
                outer = exp.select(
                    exp.Star(except_=[col(RAW)]), exp.alias_(exp.If(this=not_null(col(REASON)), true=col(RAW)), RAW)
                ).from_(query.subquery("c"))
                result = self.con.sql(outer.sql("duckdb")).to_arrow_table()
                converted.new_types[table] = new_types
                _split(result, table, converted)
            conditions = [is_null(col(TABLE))]
            if known:
                conditions.append(exp.Not(this=exp.In(this=col(TABLE), expressions=[lit(t) for t in known])))
            reason = exp.If(
                this=is_null(col(TABLE)),
                true=lit("the record names no table (no Type); pass --table"),
                false=fn("concat", lit("unknown table '"), col(TABLE), lit("': not in the schema catalog")),
            )
            rejected = self.con.sql(
                exp.select(
                    exp.alias_(col(LINE), "line"),
                    exp.alias_(col(RECORD), "record"),
                    exp.alias_(exp.Coalesce(this=col(TABLE), expressions=[lit("")]), "table"),
                    exp.alias_(reason, "reason"),
                    exp.alias_(col(RAW), "raw"),
                )
                .from_("parsed")
                .where(exp.or_(*conditions))
                .sql("duckdb")
            ).to_arrow_table()
            if rejected.num_rows:
                converted.rejected.append(rejected.cast(REJECT_SCHEMA))
            return converted
        finally:
            self.con.unregister("batch")
