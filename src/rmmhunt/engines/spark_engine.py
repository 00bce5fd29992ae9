"""The distributed engine: the compiled query as Spark SQL over the workspace's Parquet files.

A local session (`local[2]`) by default, or any cluster with `master="spark://host:7077"` (or `yarn`,
`k8s://...`); the cluster's executors must be able to read the workspace's paths. Each engine works
in its own `SparkSession.newSession()`, so engines sharing one Spark application (a notebook, the
tests) never see each other's table views.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
from sqlglot import exp

from rmmhunt.compiler import CompiledQuery
from rmmhunt.compiler.sqltypes import arrow_type
from rmmhunt.engines.base import EngineError, first_line, referenced_tables, with_kql_types
from rmmhunt.engines.dialects import for_dialect
from rmmhunt.engines.shared_scans import SharedScans
from rmmhunt.kql.types import KqlType
from rmmhunt.schema import default_catalog
from rmmhunt.store import WorkspaceStore
from rmmhunt.store.transaction import WorkspaceError
from rmmhunt.store.workspace import MARKER

try:
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException
    from pyspark.logger import PySparkLogger
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_type
    from pyspark.sql.types import LongType, StructField, StructType
except ImportError as missing:
    raise EngineError(
        f"the spark engine needs PySpark ({missing.name} is not installed): pip install 'rmmhunt[spark]'"
    ) from None

# PySpark warns about the pandas version it meets; rmmhunt takes Spark's results as Arrow, never as pandas.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
# PySpark logs each failed query with its Java stack trace; the engine reports the error itself, in one line.
for _logger in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
    PySparkLogger.getLogger(_logger).setLevel(logging.CRITICAL)

DEFAULT_MASTER = "local[2]"

# Set on every session the engine works in: they define what the SQL means, not how fast it runs.
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",  # unix_micros() and friends read TIMESTAMP_NTZ values as UTC
    "spark.sql.timestampType": "TIMESTAMP_NTZ",  # KQL datetimes are UTC without a zone, like DuckDB's TIMESTAMP
    "spark.sql.caseSensitive": "true",  # KQL names are case-sensitive
    "spark.sql.ansi.enabled": "false",  # a failed conversion or a division by zero is null, as in DuckDB
    # bag_merge() and make_bag() merge maps with map_concat, where a key in several maps takes the last one's
    # value, as in DuckDB (the compiler orders the maps so that this is Kusto's); Spark's default fails
    "spark.sql.mapKeyDedupPolicy": "LAST_WIN",
}

# Only when rmmhunt starts the Spark application itself; the driver logs errors only.
APPLICATION_CONF = {
    "spark.app.name": "rmmhunt",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}
JAVA_OPTIONS = "spark.driver.extraJavaOptions"
LOG_CONFIG = f"-Dlog4j2.configurationFile={Path(__file__).with_name('log4j2.properties')}"

# For a local master: listen on the loopback interface only, and few shuffle partitions for one machine.
LOCAL_CONF = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.shuffle.partitions": "8",
}


def start_session(master: str = DEFAULT_MASTER, conf: Mapping[str, str] | None = None) -> SparkSession:
    """The Spark application's session (an existing one if this process already has one).

    `conf` adds to or overrides rmmhunt's settings; JVM options in it are added to rmmhunt's log setting.
    """
    local = LOCAL_CONF if master.startswith("local") else {}
    settings = {**APPLICATION_CONF, **local, **SESSION_CONF, **(conf or {})}
    settings[JAVA_OPTIONS] = " ".join(filter(None, [LOG_CONFIG, settings.get(JAVA_OPTIONS)]))
    builder = SparkSession.builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except (PySparkException, Py4JError, OSError) as error:
        raise EngineError(f"spark: cannot start a session on {master}: {first_line(error)}") from None


def _storage_field(name: str, kql_type: KqlType) -> StructField:
    """How a column is read from Parquet: timespans are stored as whole microseconds."""
    spark_type = LongType() if kql_type is KqlType.TIMESPAN else from_arrow_type(arrow_type(kql_type))
    return StructField(name, spark_type, nullable=True)


def _column(name: str, kql_type: KqlType) -> Column:
    column = F.col("`" + name.replace("`", "``") + "`")
    if kql_type is KqlType.TIMESPAN:
        column = column * F.lit(timedelta(microseconds=1))
    return column.alias(name)


class SparkWorkspace:
    """A workspace read through Spark's filesystems: the same layout (`tables/<Table>/schema.json`,
    `tables/<Table>/day=*/*.parquet`) at a URI the driver and the executors can read.

    It answers what the compiler and the engine ask a workspace (columns, files); it is read-only.
    """

    def __init__(self, root: str, master: str | None = None, *, session: SparkSession | None = None):
        self.root = root.rstrip("/")
        self.session = session or start_session(master or DEFAULT_MASTER)
        self.catalog = default_catalog()
        self._columns: dict[str, dict[str, KqlType] | None] = {}
        jvm = self.session.sparkContext._jvm
        assert jvm is not None
        self._hadoop_path = jvm.org.apache.hadoop.fs.Path
        self._hadoop_conf = self.session.sparkContext._jsc.hadoopConfiguration()
        try:
            found = self._glob(f"{self.root}/{MARKER}")
        except (Py4JError, PySparkException) as error:
            raise WorkspaceError(f"{self.root}: cannot read it through Spark: {first_line(error)}") from None
        if not found:
            raise WorkspaceError(f"{self.root}: not an rmmhunt workspace (no {MARKER})")

    def _glob(self, pattern: str) -> list[str]:
        path = self._hadoop_path(pattern)
        statuses = path.getFileSystem(self._hadoop_conf).globStatus(path)
        return sorted(status.getPath().toString() for status in statuses or [])

    def table_columns(self, name: str) -> dict[str, KqlType] | None:
        """Catalog columns plus any extra columns stored for the table; None for an unknown table."""
        if name not in self._columns:
            schema_file = f"{self.root}/tables/{name}/schema.json"
            if self._glob(schema_file):
                [row] = self.session.read.text(schema_file, wholetext=True).collect()
                stored = json.loads(row.value)
                self._columns[name] = {column: KqlType(kql_type) for column, kql_type in stored.items()}
            else:
                self._columns[name] = self.catalog.table_columns(name)
        return self._columns[name]

    def table_names(self) -> list[str]:
        return self.catalog.table_names()

    def table_files(self, name: str) -> list[str]:
        return self._glob(f"{self.root}/tables/{name}/day=*/*.parquet")

    def watchlist_names(self) -> list[str]:
        return []  # watchlists are read from a local workspace only

    def watchlist_for_view(self, view: str) -> None:
        return None


class SparkEngine:
    name = "spark"
    dialect = "spark"

    def __init__(
        self,
        store: WorkspaceStore | SparkWorkspace | None,
        master: str | None = None,
        *,
        session: SparkSession | None = None,
        conf: Mapping[str, str] | None = None,
    ):
        """Views over the workspace's tables, made when a query first names them.

        `session`: an existing SparkSession to work in (then `master` and `conf` are not used).
        """
        parent = session or start_session(master or DEFAULT_MASTER, conf)
        self.session = parent.newSession()
        for key, value in SESSION_CONF.items():
            self.session.conf.set(key, value)
        self.store = store
        self.tables = store if store is not None else default_catalog()
        self.views: set[str] = set()
        self.scans = SharedScans(self.tables.table_columns)

    def table_frame(self, name: str, columns: dict[str, KqlType]) -> DataFrame:
        """The table's Parquet files with exactly its columns (null where a file lacks one)."""
        schema = StructType([_storage_field(n, t) for n, t in columns.items()])
        files = [str(p) for p in self.store.table_files(name)] if self.store is not None else []
        if not files:
            return self.session.createDataFrame([], schema)
        frame = self.session.read.schema(schema).parquet(*files)
        return frame.select(*[_column(n, t) for n, t in columns.items()])

    def register(self, tree: exp.Expression) -> None:
        for name in referenced_tables(tree) - self.views:
            columns = self.tables.table_columns(name)
            watchlist = self.store.watchlist_for_view(name) if self.store is not None and columns is None else None
            if watchlist is not None:
                self.session.createDataFrame(watchlist).createOrReplaceTempView(name)
                self.views.add(name)
                continue
            if columns is None:
                continue  # not a table (a subquery's alias): Spark names anything unknown
            self.table_frame(name, columns).createOrReplaceTempView(name)
            self.views.add(name)

    def materialize(self, name: str, query: exp.Select) -> int:
        """The query's rows as the cached temporary view `name` (see `shared_scans`); how many there are."""
        tree = for_dialect(query, self.dialect)
        try:
            self.register(tree)
            self.session.sql(exp.Cache(this=exp.to_table(name, quoted=True), expression=tree).sql(self.dialect))
            return self.session.table(name).count()
        except (PySparkException, Py4JError) as error:
            raise EngineError(f"the engine failed to share a scan of {name}: spark: {first_line(error)}") from None

    def drop(self, name: str) -> None:
        self.session.sql(exp.Uncache(this=exp.to_table(name, quoted=True), exists=True).sql(self.dialect))
        self.session.catalog.dropTempView(name)

    def execute(self, query: CompiledQuery) -> pa.Table:
        tree = for_dialect(self.scans.redirect(query.tree), self.dialect)
        try:
            self.register(tree)
            result = self.session.sql(tree.sql(self.dialect)).toArrow()
        except (PySparkException, Py4JError) as error:
            raise EngineError(f"the engine failed to run the query: spark: {first_line(error)}") from None
        return with_kql_types(result, query.columns)
