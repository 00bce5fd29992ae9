"""The Defender Advanced Hunting tables, as data: names, columns and KQL types."""

from rmmhunt.schema.catalog import Catalog, TableSchema, default_catalog

__all__ = ["Catalog", "TableSchema", "default_catalog"]
