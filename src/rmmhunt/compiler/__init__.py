"""KQL -> one sqlglot tree -> the SQL dialect of any engine."""

from rmmhunt.compiler.compile import CompiledQuery, compile_query
from rmmhunt.compiler.context import TableFilter

__all__ = ["CompiledQuery", "TableFilter", "compile_query"]
