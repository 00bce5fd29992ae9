"""KQL -> one sqlglot tree -> the SQL dialect of any engine."""

from rmmhunt.compiler.compile import CompiledQuery, compile_query

__all__ = ["CompiledQuery", "compile_query"]
