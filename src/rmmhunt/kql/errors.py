"""Errors raised for KQL text: each carries the span it is about and renders a caret under it."""

from __future__ import annotations

from typing import NamedTuple

from rmmhunt.errors import RmmhuntError


class Span(NamedTuple):  # a tuple, as lexer.Token: one per token and per syntax node, and tuples are built faster
    """Half-open character range [start, end) in the query text."""

    start: int
    end: int

    def to(self, other: Span) -> Span:
        return Span(self.start, max(self.end, other.end))


def line_col(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = source.count("\n", 0, offset) + 1
    col = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, col


class KqlError(RmmhuntError):
    """Any problem with a query: syntax, names, types, unsupported constructs."""

    kind = "error"

    def __init__(self, message: str, span: Span | None = None, source: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.source = source

    def with_source(self, source: str) -> KqlError:
        if self.source is None:
            self.source = source
        return self

    @property
    def position(self) -> tuple[int, int] | None:
        if self.span is None or self.source is None:
            return None
        return line_col(self.source, self.span.start)

    def __str__(self) -> str:
        return self.render()

    def render(self, origin: str = "query") -> str:
        """`origin:line:col: kind: message`, the offending line and a caret under the span."""
        pos = self.position
        if pos is None:
            return f"{origin}: {self.kind}: {self.message}"
        assert self.span is not None and self.source is not None
        line, col = pos
        text = self.source.splitlines()[line - 1] if self.source.strip() else ""
        line_end = col - 1 + max(1, len(text) - (col - 1))
        width = max(1, min(self.span.end - self.span.start, line_end - (col - 1)))
        caret = " " * (col - 1) + "^" * width
        return f"{origin}:{line}:{col}: {self.kind}: {self.message}\n    {text}\n    {caret}"


class KqlSyntaxError(KqlError):
    kind = "syntax error"


class KqlNameError(KqlError):
    kind = "unknown name"


class KqlTypeError(KqlError):
    kind = "type error"


class KqlNotSupported(KqlError):
    kind = "not supported"

    def __init__(self, construct: str, span: Span | None = None, source: str | None = None):
        super().__init__(construct, span, source)
        self.construct = construct
