"""Recursive-descent KQL parser: statements and tabular operators by dispatch, scalars by precedence.

Adding a tabular operator is one entry in `Parser.OPERATORS` and one `op_*` method; adding a
binary operator is one entry in `BINARY_PRECEDENCE` (words) or `SYMBOL_PRECEDENCE`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import ClassVar

from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNotSupported, KqlSyntaxError, Span
from rmmhunt.kql.lexer import T, Token, tokenize
from rmmhunt.kql.types import DATETIME_TEXT_FORMATS, KqlType, parse_type_name

# Binding strength of binary operators; higher binds tighter.
OR, AND, COMPARE, ADD, MUL = 1, 2, 3, 4, 5

SYMBOL_PRECEDENCE = {
    "==": COMPARE,
    "!=": COMPARE,
    "<>": COMPARE,
    "=~": COMPARE,
    "!~": COMPARE,
    "<": COMPARE,
    "<=": COMPARE,
    ">": COMPARE,
    ">=": COMPARE,
    "+": ADD,
    "-": ADD,
    "*": MUL,
    "/": MUL,
    "%": MUL,
}

# String operators spelled as words; each also exists negated with a leading `!`.
STRING_OPERATORS = frozenset(
    {
        "has",
        "has_cs",
        "hasprefix",
        "hasprefix_cs",
        "hassuffix",
        "hassuffix_cs",
        "contains",
        "contains_cs",
        "startswith",
        "startswith_cs",
        "endswith",
        "endswith_cs",
        "has_any",
        "has_all",
    }
)

JOIN_KINDS = frozenset(
    {
        "innerunique",
        "inner",
        "leftouter",
        "rightouter",
        "fullouter",
        "leftanti",
        "rightanti",
        "leftsemi",
        "rightsemi",
    }
)
JOIN_KIND_ALIASES = {"anti": "leftanti", "leftantisemi": "leftanti", "rightantisemi": "rightanti", "semi": "leftsemi"}

# Types whose name followed by `(` is a literal: `int(5)`, `long(null)`, `string(x)`.
SCALAR_LITERAL_TYPES = frozenset(
    {KqlType.BOOL, KqlType.INT, KqlType.LONG, KqlType.REAL, KqlType.DECIMAL, KqlType.STRING}
)

# Words that may follow `|` but are not supported yet; named in the error rather than "unexpected".
KNOWN_UNSUPPORTED_OPERATORS = frozenset(
    {
        "make-graph",
        "facet",
        "fork",
        "scan",
        "externaldata",
        "reduce",
        "consume",
        "order",
        "sort",
    }
)


class Parser:
    def __init__(self, source: str):
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0
        self.tok = self.tokens[0]

    # ------------------------------------------------------------ token helpers

    def seek(self, i: int) -> None:
        """Move the cursor to token `i`. `tok` is an attribute rather than a property because it is read far
        more often than the cursor moves; only advance() and seek() move it."""
        self.i = i
        self.tok = self.tokens[i]

    def peek(self, ahead: int = 1) -> Token:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else self.tokens[-1]

    def advance(self) -> Token:
        token = self.tok
        if token.kind is not T.EOF:
            self.i += 1
            self.tok = self.tokens[self.i]
        return token

    def error(self, message: str, token: Token | None = None) -> KqlSyntaxError:
        token = token or self.tok
        span = token.span if token.kind is not T.EOF else Span(token.span.start, token.span.start + 1)
        return KqlSyntaxError(message, span, self.source)

    def describe(self, token: Token) -> str:
        return "end of query" if token.kind is T.EOF else repr(token.text)

    def expect_op(self, op: str) -> Token:
        tok = self.tok
        if tok.kind is not T.OP or tok.text != op:
            raise self.error(f"expected {op!r} but found {self.describe(tok)}")
        return self.advance()

    def accept_op(self, op: str) -> Token | None:
        tok = self.tok
        if tok.kind is not T.OP or tok.text != op:
            return None
        return self.advance()

    def accept_word(self, *words: str) -> Token | None:
        tok = self.tok
        if tok.kind is T.IDENT and tok.text.lower() in words:
            return self.advance()
        return None

    def expect_word(self, word: str) -> Token:
        token = self.accept_word(word)
        if token is None:
            raise self.error(f"expected {word!r} but found {self.describe(self.tok)}")
        return token

    def identifier(self, what: str = "a name") -> tuple[str, Span]:
        """A plain name or a bracketed one: `Name`, `['Name with spaces']`."""
        tok = self.tok
        if tok.kind is T.IDENT:
            self.advance()
            return tok.text, tok.span
        if tok.is_op("[") and self.peek().kind is T.STRING and self.peek(2).is_op("]"):
            self.advance()
            name = self.advance().value
            end = self.advance()
            return str(name), tok.span.to(end.span)
        if self.at_table_column():
            self.advance()
            end = self.advance()
            return "$table", tok.span.to(end.span)
        raise self.error(f"expected {what} but found {self.describe(tok)}")

    def at_table_column(self) -> bool:
        """`$table`, the column search and union withsource add (https://learn.microsoft.com/en-us/kusto/query/search-operator)."""
        after = self.peek()
        return self.tok.is_op("$") and after.is_word("table") and not after.spaced

    def glued_word(self) -> tuple[str, Span]:
        """An operator name that may be hyphenated with no spaces: `mv-expand`, `project-away`."""
        name, span = self.identifier("an operator")
        while self.tok.is_op("-") and not self.tok.spaced and self.peek().kind is T.IDENT and not self.peek().spaced:
            self.advance()
            part = self.advance()
            name, span = f"{name}-{part.text}", span.to(part.span)
        return name, span

    # ------------------------------------------------------------ statements

    def parse_query(self) -> ast.Query:
        lets: list[ast.Let] = []
        body: ast.Tabular | None = None
        while self.tok.kind is not T.EOF:
            if self.accept_op(";"):
                continue
            if self.tok.is_word("let"):
                lets.append(self.parse_let())
                continue
            if body is not None:  # https://learn.microsoft.com/en-us/kusto/query/batches
                second = self.parse_tabular()
                construct = "a batch of several tabular expression statements, each with its own result"
                raise KqlNotSupported(construct, second.span, self.source)
            body = self.parse_tabular()
            if not (self.tok.is_op(";") or self.tok.kind is T.EOF):
                raise self.error(f"unexpected {self.describe(self.tok)} after the end of the query")
        if body is None:
            raise KqlSyntaxError(
                "the query has no tabular expression to run", Span(len(self.source), len(self.source) + 1), self.source
            )
        return ast.Query(tuple(lets), body, self.source)

    def parse_let(self) -> ast.Let:
        start = self.advance()
        name, _ = self.identifier("a name after 'let'")
        self.expect_op("=")
        value: ast.Expr | ast.Tabular | ast.FunctionDef
        if self.tok.is_word("view") and self.peek().is_op("("):
            # `let f = view () { ... }`: `view` only makes `union *` see the function, and rmmhunt's `union *`
            # reads the stored tables (https://learn.microsoft.com/en-us/kusto/query/let-statement).
            self.advance()
            if not self._looks_like_function_definition():
                raise self.error("expected a function definition `() { ... }` after 'view'")
            value = self.parse_function_definition()
        elif self.tok.is_op("(") and self._looks_like_function_definition():
            value = self.parse_function_definition()
        else:
            value = self.parse_tabular() if self._starts_tabular() else self.parse_expr()
        end = self.expect_op(";") if self.tok.kind is not T.EOF else self.tok
        return ast.Let(name, value, start.span.to(end.span))

    def parse_function_definition(self) -> ast.FunctionDef:
        """`(a:long, T:(*), b:string = "x") { let ...; body }`."""
        start = self.expect_op("(")
        parameters: list[ast.Parameter] = []
        while not self.tok.is_op(")"):
            name, span = self.identifier("a parameter name")
            self.expect_op(":")
            kql_type: KqlType | None = None
            if self.accept_op("("):  # tabular parameter: (*) or (col:type, ...)
                depth = 1
                while depth:
                    if self.tok.kind is T.EOF:
                        raise self.error("missing ')' in a tabular parameter's schema")
                    depth += self.tok.is_op("(") - self.tok.is_op(")")
                    self.advance()
            else:
                type_tok = self.advance()
                kql_type = parse_type_name(type_tok.text)
                if kql_type is None:
                    raise self.error(f"unknown type {type_tok.text!r}", type_tok)
            default = self.parse_expr() if self.accept_op("=") else None
            parameters.append(ast.Parameter(name, kql_type, default, span))
            if not self.accept_op(","):
                break
        self.expect_op(")")
        self.expect_op("{")
        lets: list[ast.Let] = []
        while self.tok.is_word("let"):
            lets.append(self.parse_let())
        body: ast.Expr | ast.Tabular = self.parse_tabular() if self._starts_tabular() else self.parse_expr()
        self.accept_op(";")
        end = self.expect_op("}")
        return ast.FunctionDef(tuple(parameters), tuple(lets), body, start.span.to(end.span))

    def _looks_like_function_definition(self) -> bool:
        depth, j = 0, self.i
        while j < len(self.tokens):
            t = self.tokens[j]
            if t.is_op("("):
                depth += 1
            elif t.is_op(")"):
                depth -= 1
                if depth == 0:
                    return self.tokens[j + 1].is_op("{")
            elif t.kind is T.EOF:
                return False
            j += 1
        return False

    def _starts_tabular(self) -> bool:
        tok, nxt = self.tok, self.peek()
        if tok.is_op("("):  # `(T | where ...)`, `(datatable(...) [...])`
            self.seek(self.i + 1)
            try:
                return self._starts_tabular()
            finally:
                self.seek(self.i - 1)
        if tok.kind is not T.IDENT:
            return False
        if tok.text in ("externaldata", "find", "search", "evaluate"):
            return True
        if tok.text in ("datatable", "print", "union"):
            return True
        if tok.text == "range":  # the operator `range x from ...`, not the function range(start, stop)
            return nxt.kind is T.IDENT and self.peek(2).is_word("from")
        if nxt.is_op("("):  # `f(...) | where ...`: a tabular function's result piped on (_GetWatchlist('x') | ...)
            return self._after_parentheses(self.i + 1).is_op("|")
        return nxt.is_op("|")

    def _after_parentheses(self, j: int) -> Token:
        """The token after the parenthesized group that opens at token `j`."""
        depth = 0
        while j < len(self.tokens) and self.tokens[j].kind is not T.EOF:
            depth += self.tokens[j].is_op("(") - self.tokens[j].is_op(")")
            j += 1
            if depth == 0:
                break
        return self.tokens[min(j, len(self.tokens) - 1)]

    # ------------------------------------------------------------ tabular

    def parse_tabular(self) -> ast.Tabular:
        source = self.parse_source()
        operators: list[ast.Operator] = []
        while self.accept_op("|"):
            operators.append(self.parse_operator())
        if not operators:
            return source
        return ast.Pipeline(source.span.to(operators[-1].span), source, tuple(operators))

    def parse_source(self) -> ast.Tabular:
        tok = self.tok
        if tok.is_op("("):
            self.advance()
            inner = self.parse_tabular()
            self.expect_op(")")
            return inner
        if tok.kind is T.IDENT and tok.text == "datatable":
            return self.parse_datatable()
        if tok.kind is T.IDENT and tok.text == "print":
            self.advance()
            items = self.assignments()
            return ast.Print(tok.span.to(items[-1].span), items)
        if tok.is_word("union") and not self.peek().is_op("|", ";"):
            self.advance()
            return self.parse_union(tok.span, ())
        if tok.is_word("range") and self.peek().kind is T.IDENT and self.peek(2).is_word("from"):
            return self.parse_range()
        if tok.is_word("search") and not self.peek().is_op("|", ";"):
            return self.parse_search()
        if tok.is_word("find") and not self.peek().is_op("|", ";"):
            return self.parse_find()
        if tok.kind is T.IDENT and tok.text in KNOWN_UNSUPPORTED_OPERATORS and not self.peek().is_op("|", ";"):
            raise KqlNotSupported(tok.text, tok.span, self.source)
        if tok.kind is T.IDENT and self.peek().is_op("("):
            call = self.parse_word(tok)
            assert isinstance(call, ast.Call)
            return ast.TabularCall(call.span, call)
        name, span = self.identifier("a table name")
        return ast.TableRef(span, name)

    def table_list(self) -> tuple[ast.Tabular, ...]:
        """`in (T1, Device*Events, ...)` of search and find."""
        self.expect_word("in")
        self.expect_op("(")
        tables = [self.union_table()]
        while self.accept_op(","):
            tables.append(self.union_table())
        self.expect_op(")")
        return tuple(tables)

    def search_kind(self) -> bool:
        kind = self.options("kind").get("kind", ("default", None))[0].lower()
        if kind not in ("default", "case_insensitive", "case_sensitive"):
            raise self.error(f"search kind must be case_sensitive or case_insensitive, not {kind!r}")
        return kind == "case_sensitive"

    def parse_search(self) -> ast.Search:
        start = self.advance()
        case_sensitive = self.search_kind()
        tables = self.table_list() if self.tok.is_word("in") and self.peek().is_op("(") else ()
        predicate = self.parse_expr()
        return ast.Search(start.span.to(predicate.span), tables, predicate, case_sensitive)

    def parse_find(self) -> ast.Find:
        start = self.advance()
        withsource = self.options("withsource").get("withsource", ("source_", None))[0]
        tables = self.table_list()
        self.expect_word("where")
        predicate = self.parse_expr()
        project = None
        if self.accept_word("project"):
            names = [self.identifier("a column name")[0]]
            while self.accept_op(","):
                names.append(self.identifier("a column name")[0])
            project = tuple(names)
        return ast.Find(start.span.to(self._end()), tables, predicate, project, withsource)

    def op_search(self, span: Span) -> ast.Operator:
        case_sensitive = self.search_kind()
        predicate = self.parse_expr()
        return ast.SearchOp(span.to(predicate.span), predicate, case_sensitive)

    def parse_range(self) -> ast.Range:
        start = self.advance()
        name, _ = self.identifier("a column name after 'range'")
        self.expect_word("from")
        low = self.parse_expr()
        self.expect_word("to")
        high = self.parse_expr()
        self.expect_word("step")
        step = self.parse_expr()
        return ast.Range(start.span.to(step.span), name, low, high, step)

    def options(self, *names: str) -> dict[str, tuple[str, Span]]:
        """`name=value` options before an operator's arguments (kind=inner, withsource=T, hint.x=y)."""
        found: dict[str, tuple[str, Span]] = {}
        while self.tok.kind is T.IDENT and (self.peek().is_op("=") or self.peek().is_op(".")):
            start = self.i
            key, _ = self.identifier()
            while self.accept_op("."):
                part, _ = self.identifier()
                key = f"{key}.{part}"
            if not self.accept_op("=") or not (key.lower() in names or key.lower().startswith("hint.")):
                self.seek(start)
                break
            value = self.advance()
            found[key.lower()] = (str(value.value if value.kind is T.STRING else value.text), value.span)
        return found

    def parse_union(self, span: Span, leading: tuple[ast.Tabular, ...]) -> ast.Union:
        options = self.options("kind", "withsource", "isfuzzy")
        kind = options.get("kind", ("outer", span))[0].lower()
        if kind not in ("inner", "outer"):
            raise KqlSyntaxError(f"union kind must be inner or outer, not {kind!r}", options["kind"][1], self.source)
        tables = list(leading)
        while True:
            tables.append(self.union_table())
            if not self.accept_op(","):
                break
        withsource = options.get("withsource", (None, span))[0]
        return ast.Union(span.to(self._end()), tuple(tables), kind, withsource)

    def union_table(self) -> ast.Tabular:
        """A union leg: a parenthesized expression, a name, or a wildcard name such as `Device*Events`."""
        tok = self.tok
        if tok.is_op("("):
            return self.parse_source()
        pattern, span = "", tok.span
        while (self.tok.kind is T.IDENT or self.tok.is_op("*")) and (not pattern or not self.tok.spaced):
            part = self.advance()
            pattern += part.text
            span = span.to(part.span)
        if not pattern:
            raise self.error(f"expected a table name but found {self.describe(tok)}")
        if "*" in pattern:
            return ast.TablePattern(span, pattern)
        return ast.TableRef(span, pattern)

    def parse_datatable(self) -> ast.Datatable:
        start = self.advance()
        self.expect_op("(")
        columns = self.column_types()
        self.expect_op(")")
        self.expect_op("[")
        values: list[ast.Expr] = []
        while not self.tok.is_op("]"):
            values.append(self.parse_expr())
            if not self.accept_op(","):
                break
        end = self.expect_op("]")
        if len(values) % len(columns):
            raise KqlSyntaxError(
                f"datatable has {len(columns)} columns but {len(values)} values, not a whole number of rows",
                start.span.to(end.span),
                self.source,
            )
        return ast.Datatable(start.span.to(end.span), tuple(columns), tuple(values))

    def column_types(self) -> list[tuple[str, KqlType]]:
        """`Name:type, ...` of a datatable or an output schema."""
        columns: list[tuple[str, KqlType]] = []
        while True:
            name, _ = self.identifier("a column name")
            self.expect_op(":")
            type_tok = self.advance()
            kql_type = parse_type_name(type_tok.text) if type_tok.kind in (T.IDENT, T.TYPED_LITERAL) else None
            if kql_type is None:
                raise self.error(f"unknown type {type_tok.text!r}", type_tok)
            columns.append((name, kql_type))
            if not self.accept_op(","):
                return columns

    def parse_operator(self) -> ast.Operator:
        spelled, span = self.glued_word()
        name = spelled.lower()
        method = self.OPERATORS.get(name)
        if method is None:
            if name in KNOWN_UNSUPPORTED_OPERATORS:
                raise KqlNotSupported(name, span, self.source)
            hint = ""
            if self.binary_operator() is not None:  # `| Sha1 in (...)`: a filter without its `where`
                hint = f"; a filter needs 'where': | where {spelled} ..."
            raise KqlSyntaxError(f"unknown tabular operator {spelled!r}{hint}", span, self.source)
        return method(self, span)

    def _end(self) -> Span:
        return self.tokens[self.i - 1].span

    def op_where(self, span: Span) -> ast.Operator:
        predicate = self.parse_expr()
        return ast.Where(span.to(predicate.span), predicate)

    def op_project(self, span: Span) -> ast.Operator:
        items = self.assignments()
        return ast.Project(span.to(self._end()), items)

    def op_extend(self, span: Span) -> ast.Operator:
        items = self.assignments()
        return ast.Extend(span.to(self._end()), items)

    def op_summarize(self, span: Span) -> ast.Operator:
        self.options()  # hint.shufflekey=..., hint.strategy=... change nothing offline
        aggregates: tuple[ast.Assignment, ...] = ()
        if not self.tok.is_word("by"):
            aggregates = self.assignments()
        by: tuple[ast.Assignment, ...] = ()
        if self.accept_word("by"):
            by = self.assignments()
        if not aggregates and not by:
            raise self.error("summarize needs an aggregate or a 'by' clause")
        return ast.Summarize(span.to(self._end()), aggregates, by)

    def op_take(self, span: Span) -> ast.Operator:
        count = self.parse_expr()
        return ast.Take(span.to(count.span), count)

    def op_sort(self, span: Span) -> ast.Operator:
        self.expect_word("by")
        keys = self.sort_keys()
        return ast.Sort(span.to(self._end()), keys)

    def op_top(self, span: Span) -> ast.Operator:
        count = self.parse_expr()
        self.expect_word("by")
        keys = self.sort_keys()
        return ast.Top(span.to(self._end()), count, keys)

    def op_top_nested(self, span: Span) -> ast.Operator:
        levels = [self.top_nested_level()]
        while self.accept_op(","):
            word, word_span = self.glued_word()
            if word.lower() != "top-nested":
                raise KqlSyntaxError(f"expected 'top-nested' but found {word!r}", word_span, self.source)
            levels.append(self.top_nested_level())
        return ast.TopNested(span.to(self._end()), tuple(levels))

    def top_nested_level(self) -> ast.TopNestedLevel:
        count = None if self.tok.is_word("of") else self.parse_expr()
        self.expect_word("of")
        value = self.assignment()
        others = None
        if self.accept_word("with"):
            self.expect_word("others")
            self.expect_op("=")
            others = self.parse_expr()
        self.expect_word("by")
        aggregate = self.assignment()
        descending = self.accept_word("asc") is None  # desc unless told asc
        if descending:
            self.accept_word("desc")
        return ast.TopNestedLevel(count, value, others, aggregate, descending)

    def op_count(self, span: Span) -> ast.Operator:
        return ast.Count(span)

    def op_distinct(self, span: Span) -> ast.Operator:
        if self.accept_op("*"):
            return ast.Distinct(span.to(self._end()), ())
        items = self.assignments()
        return ast.Distinct(span.to(self._end()), items)

    def name_patterns(self) -> tuple[ast.NamePattern, ...]:
        """Column names, each possibly with `*` wildcards: `a, Initiating*, *Id`."""
        patterns: list[ast.NamePattern] = []
        while True:
            start = self.tok
            if start.is_op("[") or self.at_table_column():
                name, span = self.identifier()
                patterns.append(ast.NamePattern(name, span))
            else:
                text, span = "", start.span
                while (self.tok.kind is T.IDENT or self.tok.is_op("*")) and (not text or not self.tok.spaced):
                    part = self.advance()
                    text += part.text
                    span = span.to(part.span)
                if not text:
                    raise self.error(f"expected a column name but found {self.describe(start)}")
                patterns.append(ast.NamePattern(text, span))
            if not self.accept_op(","):
                return tuple(patterns)

    def op_project_away(self, span: Span) -> ast.Operator:
        patterns = self.name_patterns()
        return ast.ProjectAway(span.to(self._end()), patterns)

    def op_project_keep(self, span: Span) -> ast.Operator:
        patterns = self.name_patterns()
        return ast.ProjectKeep(span.to(self._end()), patterns)

    def op_project_reorder(self, span: Span) -> ast.Operator:
        patterns = self.name_patterns()
        return ast.ProjectReorder(span.to(self._end()), patterns)

    def op_project_rename(self, span: Span) -> ast.Operator:
        renames = []
        while True:
            new, new_span = self.identifier("a new column name")
            self.expect_op("=")
            old, old_span = self.identifier("a column name")
            renames.append((new, old, new_span.to(old_span)))
            if not self.accept_op(","):
                break
        return ast.ProjectRename(span.to(self._end()), tuple(renames))

    def join_keys(self) -> tuple[ast.JoinKey, ...]:
        """`on a, b` or `on $left.a == $right.b and ...`."""
        self.expect_word("on")
        keys: list[ast.JoinKey] = []
        while True:
            start = self.tok
            if start.is_op("$"):
                left = self.side_column("left")
                self.expect_op("==")
                right = self.side_column("right")
                keys.append(ast.JoinKey(left, right, start.span.to(self._end())))
            else:
                name, span = self.identifier("a join column")
                keys.append(ast.JoinKey(name, name, span))
            if not (self.accept_op(",") or self.accept_word("and")):
                return tuple(keys)

    def side_column(self, side: str) -> str:
        self.expect_op("$")
        self.expect_word(side)
        self.expect_op(".")
        name, _ = self.identifier("a column name")
        return name

    def op_join(self, span: Span) -> ast.Operator:
        options = self.options("kind")
        kind, kind_span = options.get("kind", ("innerunique", span))
        kind = JOIN_KIND_ALIASES.get(kind.lower(), kind.lower())
        if kind not in JOIN_KINDS:
            raise KqlSyntaxError(f"unknown join kind {kind!r}", kind_span, self.source)
        right = self.parse_source()
        keys = self.join_keys()
        return ast.Join(span.to(self._end()), kind, right, keys)

    def op_lookup(self, span: Span) -> ast.Operator:
        options = self.options("kind")
        kind, kind_span = options.get("kind", ("leftouter", span))
        if kind.lower() not in ("leftouter", "inner"):
            raise KqlSyntaxError(f"lookup kind must be leftouter or inner, not {kind!r}", kind_span, self.source)
        right = self.parse_source()
        keys = self.join_keys()
        return ast.Lookup(span.to(self._end()), kind.lower(), right, keys)

    def op_union(self, span: Span) -> ast.Operator:
        union = self.parse_union(span, ())
        return ast.UnionOp(union.span, union)

    def op_mv_expand(self, span: Span) -> ast.Operator:
        options = self.options("bagexpansion", "with_itemindex", "kind")
        kind, kind_span = options.get("kind") or options.get("bagexpansion") or ("bag", span)
        if kind.lower() not in ("bag", "array"):
            raise KqlSyntaxError(f"mv-expand kind must be bag or array, not {kind!r}", kind_span, self.source)
        items = self.expand_items()
        limit = self.parse_expr() if self.accept_word("limit") else None
        index = options.get("with_itemindex", (None, span))[0]
        return ast.MvExpand(span.to(self._end()), items, index, limit, kind.lower())

    def op_mv_apply(self, span: Span) -> ast.Operator:
        options = self.options("with_itemindex")
        items = self.expand_items()
        limit = self.parse_expr() if self.accept_word("limit") else None
        self.expect_word("on")
        subquery = self.piped_subquery()
        index = options.get("with_itemindex", (None, span))[0]
        return ast.MvApply(span.to(self._end()), items, index, limit, subquery)

    def op_partition(self, span: Span) -> ast.Operator:
        """`partition [hint.strategy=...] by Column (subquery)`; the `{ subquery with its own source }` form
        is not supported. https://learn.microsoft.com/en-us/kusto/query/partition-operator"""
        self.options()  # hints only: how Kusto spreads the work
        self.expect_word("by")
        column, column_span = self.identifier("the partition column")
        if self.tok.is_op("{"):
            raise KqlNotSupported("partition with a { subquery } that names its own source", self.tok.span, self.source)
        subquery = self.piped_subquery()
        return ast.Partition(span.to(self._end()), column, column_span, subquery)

    def piped_subquery(self) -> tuple[ast.Operator, ...]:
        """`( [|] op | op ... )`: operators applied to an input the enclosing operator supplies."""
        self.expect_op("(")
        self.accept_op("|")
        subquery = [self.parse_operator()]
        while self.accept_op("|"):
            subquery.append(self.parse_operator())
        self.expect_op(")")
        return tuple(subquery)

    def expand_items(self) -> tuple[ast.MvExpandItem, ...]:
        """`[Name =] ArrayExpression [to typeof(Type)], ...` of mv-expand and mv-apply."""
        items: list[ast.MvExpandItem] = []
        while True:
            name = None
            if self.tok.kind is T.IDENT and self.peek().is_op("="):
                name, _ = self.identifier()
                self.advance()
            expr = self.parse_expr()
            to_type = None
            if self.accept_word("to"):
                self.expect_word("typeof")
                self.expect_op("(")
                type_tok = self.advance()
                to_type = parse_type_name(type_tok.text)
                if to_type is None:
                    raise self.error(f"unknown type {type_tok.text!r}", type_tok)
                self.expect_op(")")
            items.append(ast.MvExpandItem(name, expr, to_type))
            if not self.accept_op(","):
                return tuple(items)

    def op_parse(self, span: Span, where: bool = False) -> ast.Operator:
        options = self.options("kind", "flags")
        kind = options.get("kind", ("simple", span))[0].lower()
        if kind not in ("simple", "regex", "relaxed"):
            raise KqlSyntaxError(
                f"parse kind must be simple, regex or relaxed, not {kind!r}", options["kind"][1], self.source
            )
        source = self.parse_expr()
        self.expect_word("with")
        parts: list[str | ast.ParseCapture | None] = []
        while not (self.tok.is_op("|", ")", ";") or self.tok.kind is T.EOF):
            tok = self.tok
            if tok.kind is T.STRING:
                parts.append(str(self.advance().value))
            elif tok.is_op("*"):
                self.advance()
                parts.append(None)
            else:
                name, name_span = self.identifier("a column name, a string or '*'")
                kql_type = KqlType.STRING
                if self.accept_op(":"):
                    type_tok = self.advance()
                    found = parse_type_name(type_tok.text)
                    if found is None:
                        raise self.error(f"unknown type {type_tok.text!r}", type_tok)
                    kql_type = found
                parts.append(ast.ParseCapture(name, kql_type, name_span))
        if not any(isinstance(p, ast.ParseCapture) for p in parts):
            raise self.error("parse needs at least one column to extract")
        flags = options.get("flags", ("", span))[0]
        return ast.Parse(span.to(self._end()), kind, source, tuple(parts), flags, where)

    def op_parse_where(self, span: Span) -> ast.Operator:
        return self.op_parse(span, where=True)

    def op_make_series(self, span: Span) -> ast.Operator:
        self.options("kind")
        aggregates: list[tuple[ast.Assignment, ast.Expr | None]] = []
        while True:
            item = self.assignment()
            default = None
            if self.tok.is_word("default") and self.peek().is_op("="):
                self.advance()
                self.advance()
                default = self.parse_expr()
            aggregates.append((item, default))
            if not self.accept_op(","):
                break
        self.expect_word("on")
        axis = self.parse_postfix(self.parse_primary())  # not parse_expr: `in range(...)` may follow
        start = end = None
        if self.accept_word("in"):  # on Axis in range(start, stop, step)
            self.expect_word("range")
            bounds, _ = self.parenthesized_list()
            if len(bounds) != 3:
                raise self.error("range() in make-series takes start, stop and step")
            start, end, step = bounds
        else:
            start = self.parse_expr() if self.accept_word("from") else None
            end = self.parse_expr() if self.accept_word("to") else None
            self.expect_word("step")
            step = self.parse_expr()
        by = self.assignments() if self.accept_word("by") else ()
        return ast.MakeSeries(span.to(self._end()), tuple(aggregates), axis, start, end, step, by)

    def op_serialize(self, span: Span) -> ast.Operator:
        items = () if self.tok.is_op("|", ")", ";") or self.tok.kind is T.EOF else self.assignments()
        return ast.Serialize(span.to(self._end()), items)

    def op_as(self, span: Span) -> ast.Operator:
        self.options("hint.materialized")
        name, name_span = self.identifier("a name after 'as'")
        return ast.As(span.to(name_span), name)

    def op_render(self, span: Span) -> ast.Operator:
        """Charts are for the portal; the rows are the same without them (accepted and ignored)."""
        depth = 0
        while not (self.tok.kind is T.EOF or (depth == 0 and self.tok.is_op("|", ")", ";"))):
            depth += self.tok.is_op("(") - self.tok.is_op(")")
            self.advance()
        return ast.Render(span.to(self._end()))

    def op_sample(self, span: Span) -> ast.Operator:
        count = self.parse_expr()
        return ast.Sample(span.to(count.span), count)

    def op_sample_distinct(self, span: Span) -> ast.Operator:
        count = self.parse_expr()
        self.expect_word("of")
        column = self.parse_expr()
        return ast.SampleDistinct(span.to(column.span), count, column)

    def op_getschema(self, span: Span) -> ast.Operator:
        return ast.GetSchema(span)

    def op_evaluate(self, span: Span) -> ast.Operator:
        self.options()  # hint.distribution=... and the like
        tok = self.tok
        call = self.parse_word(tok) if tok.kind is T.IDENT else None
        if not isinstance(call, ast.Call):
            raise self.error("evaluate needs a plugin call such as bag_unpack(Column)", tok)
        schema, keeps_input = None, False
        if self.accept_op(":"):
            self.expect_op("(")
            keeps_input = self.accept_op("*") is not None and self.accept_op(",") is not None
            schema = tuple(self.column_types())
            self.expect_op(")")
        return ast.Evaluate(span.to(self._end()), call, schema, keeps_input)

    def op_invoke(self, span: Span) -> ast.Operator:
        tok = self.tok
        call = self.parse_word(tok) if tok.kind is T.IDENT else None
        if not isinstance(call, ast.Call):
            raise self.error("invoke needs a function call such as f()", tok)
        return ast.Invoke(span.to(call.span), call)

    OPERATORS: ClassVar[dict[str, Callable[[Parser, Span], ast.Operator]]] = {
        "project-away": op_project_away,
        "project-keep": op_project_keep,
        "project-reorder": op_project_reorder,
        "project-rename": op_project_rename,
        "join": op_join,
        "lookup": op_lookup,
        "union": op_union,
        "mv-expand": op_mv_expand,
        "mvexpand": op_mv_expand,
        "mv-apply": op_mv_apply,
        "partition": op_partition,
        "mvapply": op_mv_apply,
        "parse": op_parse,
        "parse-where": op_parse_where,
        "serialize": op_serialize,
        "make-series": op_make_series,
        "as": op_as,
        "render": op_render,
        "sample": op_sample,
        "sample-distinct": op_sample_distinct,
        "getschema": op_getschema,
        "invoke": op_invoke,
        "evaluate": op_evaluate,
        "search": op_search,
        "where": op_where,
        "filter": op_where,
        "project": op_project,
        "extend": op_extend,
        "summarize": op_summarize,
        "take": op_take,
        "limit": op_take,
        "sort": op_sort,
        "order": op_sort,
        "top": op_top,
        "top-nested": op_top_nested,
        "count": op_count,
        "distinct": op_distinct,
    }

    def assignments(self) -> tuple[ast.Assignment, ...]:
        items = [self.assignment()]
        while self.accept_op(","):
            items.append(self.assignment())
        return tuple(items)

    def assignment(self) -> ast.Assignment:
        start = self.tok
        if start.is_op("(") and self._is_tuple_assignment():
            self.advance()
            names = [self.identifier()[0]]
            while self.accept_op(","):
                names.append(self.identifier()[0])
            self.expect_op(")")
            self.expect_op("=")
            expr = self.parse_expr()
            return ast.Assignment(None, expr, start.span.to(expr.span), tuple(names))
        if (start.kind is T.IDENT or start.is_op("[")) and self._is_named_assignment():
            name, _ = self.identifier()
            self.expect_op("=")
            expr = self.parse_expr()
            return ast.Assignment(name, expr, start.span.to(expr.span))
        expr = self.parse_expr()
        return ast.Assignment(None, expr, expr.span)

    def _is_tuple_assignment(self) -> bool:
        """`(A, B) = ...`: names separated by commas, a closing parenthesis, then `=`."""
        j = self.i + 1
        while self.tokens[j].kind is T.IDENT and self.tokens[j + 1].is_op(","):
            j += 2
        return self.tokens[j].kind is T.IDENT and self.tokens[j + 1].is_op(")") and self.tokens[j + 2].is_op("=")

    def _is_named_assignment(self) -> bool:
        if self.tok.kind is T.IDENT:
            return self.peek().is_op("=")
        return self.peek().kind is T.STRING and self.peek(2).is_op("]") and self.peek(3).is_op("=")

    def sort_keys(self) -> tuple[ast.SortKey, ...]:
        keys = [self.sort_key()]
        while self.accept_op(","):
            keys.append(self.sort_key())
        return tuple(keys)

    def sort_key(self) -> ast.SortKey:
        expr = self.parse_expr()
        descending = True  # Kusto sorts descending unless told otherwise
        if self.accept_word("asc"):
            descending = False
        elif self.accept_word("desc"):
            descending = True
        nulls_first = not descending
        if self.accept_word("nulls"):
            which = self.accept_word("first", "last")
            if which is None:
                raise self.error("expected 'first' or 'last' after 'nulls'")
            nulls_first = which.text.lower() == "first"
        return ast.SortKey(expr, descending, nulls_first)

    # ------------------------------------------------------------ scalar expressions

    def parse_expr(self, min_precedence: int = OR) -> ast.Expr:
        left = self.parse_unary()
        while True:
            op = self.binary_operator()
            if op is None:
                return left
            name, precedence, width = op
            if precedence < min_precedence:
                return left
            for _ in range(width):
                self.advance()
            left = self.parse_binary_rest(name, precedence, left)

    def binary_operator(self) -> tuple[str, int, int] | None:
        """The binary operator at the cursor: (name, precedence, tokens it spans), or None."""
        tok = self.tok
        if tok.kind is T.OP:
            if tok.text in SYMBOL_PRECEDENCE:
                return tok.text, SYMBOL_PRECEDENCE[tok.text], 1
            return self.negated_operator() if tok.text == "!" else None
        if tok.kind is not T.IDENT:
            return None
        word = tok.text.lower()
        if word == "or":
            return "or", OR, 1
        if word == "and":
            return "and", AND, 1
        if word in STRING_OPERATORS or word == "between":
            return word, COMPARE, 1
        if word == "in":
            nxt = self.peek()
            if nxt.is_op("~") and not nxt.spaced:
                return "in~", COMPARE, 2
            return "in", COMPARE, 1
        if word == "matches" and self.peek().is_word("regex"):
            return "matches regex", COMPARE, 2
        return None

    def negated_operator(self) -> tuple[str, int, int] | None:
        """After a `!`: `!has`, `!between`, `!in`, `!in~` ... as binary_operator gives them."""
        nxt = self.peek()
        if nxt.kind is not T.IDENT or nxt.spaced:
            return None
        word = nxt.text.lower()
        if word in STRING_OPERATORS or word == "between":
            return "!" + word, COMPARE, 2
        if word == "in":
            after = self.peek(2)
            if after.is_op("~") and not after.spaced:
                return "!in~", COMPARE, 3
            return "!in", COMPARE, 2
        return None

    def parse_binary_rest(self, op: str, precedence: int, left: ast.Expr) -> ast.Expr:
        if op.lstrip("!") == "between":
            return self.parse_between(op, left)
        if op.lstrip("!").startswith("in") or op.lstrip("!") in ("has_any", "has_all"):
            items, end = self.parenthesized_list()
            if op.lstrip("!") in ("has_any", "has_all"):
                return ast.Call(left.span.to(end), op, (left, *items), left.span)
            return ast.InList(left.span.to(end), left, items, op.startswith("!"), op.endswith("~"))
        right = self.parse_expr(precedence + 1)
        return ast.Binary(left.span.to(right.span), op, left, right)

    def parse_between(self, op: str, left: ast.Expr) -> ast.Expr:
        self.expect_op("(")
        low = self.parse_expr()
        self.expect_op("..")
        high = self.parse_expr()
        end = self.expect_op(")")
        return ast.Between(left.span.to(end.span), left, low, high, op.startswith("!"))

    def parenthesized_list(self) -> tuple[tuple[ast.Expr, ...], Span]:
        """`(a, b, c)` for calls and `in`; an item may be a tabular expression (`in (T | project x)`)."""
        self.expect_op("(")
        items: list[ast.Expr] = []
        while not self.tok.is_op(")"):
            items.append(self.list_item())
            comma = self.accept_op(",")
            if comma is None:
                break
            if self.tok.is_op(")"):
                raise self.error("trailing comma: expected another value before ')'", comma)
        end = self.expect_op(")")
        return tuple(items), end.span

    def list_item(self) -> ast.Expr:
        if self._starts_tabular():
            tabular = self.parse_tabular()
            return ast.TabularExpr(tabular.span, tabular)
        return self.parse_expr()

    def parse_unary(self) -> ast.Expr:
        tok = self.tok
        if tok.kind is T.OP and tok.text in ("-", "+"):
            self.advance()
            operand = self.parse_unary()
            return ast.Unary(tok.span.to(operand.span), tok.text, operand)
        return self.parse_postfix(self.parse_primary())

    def parse_postfix(self, expr: ast.Expr) -> ast.Expr:
        while True:
            tok = self.tok
            if tok.kind is not T.OP:  # most expressions: no `.name` or `[index]` follows
                return expr
            if tok.text == "." and self.peek().kind is T.IDENT:
                self.advance()
                name_tok = self.advance()
                expr = ast.Member(expr.span.to(name_tok.span), expr, name_tok.text)
            elif tok.text == "[":
                self.advance()
                index = self.parse_expr()
                end = self.expect_op("]")
                expr = ast.Index(expr.span.to(end.span), expr, index)
            else:
                return expr

    def parse_primary(self) -> ast.Expr:
        tok = self.tok
        if tok.kind is T.IDENT:  # first: the commonest, and no other branch takes a name
            return self.parse_word(tok)
        if tok.kind is T.STRING:
            self.advance()
            span = tok.span
            value = str(tok.value)
            while self.tok.kind is T.STRING:  # adjacent literals concatenate
                nxt = self.advance()
                value += str(nxt.value)
                span = span.to(nxt.span)
            return ast.Literal(span, value, KqlType.STRING)
        if tok.kind is T.INT:
            self.advance()
            return ast.Literal(tok.span, tok.value, KqlType.LONG)  # Kusto integer literals are long
        if tok.kind is T.REAL:
            self.advance()
            return ast.Literal(tok.span, tok.value, KqlType.REAL)
        if tok.kind is T.TIMESPAN:
            self.advance()
            return ast.Literal(tok.span, tok.value, KqlType.TIMESPAN)
        if tok.kind is T.TYPED_LITERAL:
            self.advance()
            return self.typed_literal(tok)
        if tok.is_op("("):
            self.advance()
            inner = self.parse_expr()
            self.expect_op(")")
            return inner
        if tok.is_op("*"):
            self.advance()
            return ast.Star(tok.span)
        if tok.is_op("[") or self.at_table_column():
            name, span = self.identifier()
            return ast.Name(span, name)
        raise self.error(f"expected an expression but found {self.describe(tok)}")

    def parse_word(self, tok: Token) -> ast.Expr:
        word = tok.text
        lower = word.lower()
        called = self.peek().is_op("(")
        if not called:
            self.advance()
            if lower in ("true", "false"):
                return ast.Literal(tok.span, lower == "true", KqlType.BOOL)
            return ast.Name(tok.span, word)
        if lower == "dynamic":
            return self.parse_dynamic()
        scalar_type = parse_type_name(lower)
        if scalar_type in SCALAR_LITERAL_TYPES:
            return self.typed_scalar_literal(tok, scalar_type)
        self.advance()
        args, end = self.parenthesized_list()
        return ast.Call(tok.span.to(end), word, args, tok.span)

    def typed_scalar_literal(self, tok: Token, kql_type: KqlType) -> ast.Expr:
        """`int(5)`, `long(null)`, `real(1.5)`, `bool(true)`, `string(x)` ..."""
        self.advance()
        self.expect_op("(")
        inner = self.tok
        negative = False
        if inner.is_op("-"):
            negative = True
            self.advance()
            inner = self.tok
        self.advance()
        end = self.expect_op(")")
        span = tok.span.to(end.span)
        if inner.is_word("null"):
            return ast.Literal(span, None, kql_type)
        try:
            if kql_type is KqlType.BOOL and inner.kind is T.IDENT:
                return ast.Literal(span, inner.text.lower() == "true", kql_type)
            if kql_type.is_numeric and inner.kind in (T.INT, T.REAL):
                value = inner.value
                value = -value if negative else value
                return ast.Literal(span, float(value) if kql_type is KqlType.REAL else value, kql_type)
            if kql_type is KqlType.STRING and inner.kind is T.STRING:
                return ast.Literal(span, inner.value, kql_type)
        except (TypeError, ValueError):
            pass
        raise KqlSyntaxError(f"invalid {kql_type.value} literal", span, self.source)

    def typed_literal(self, tok: Token) -> ast.Literal:
        raw = str(tok.value)
        if raw.lower() == "null":
            kind = {"datetime": KqlType.DATETIME, "date": KqlType.DATETIME, "guid": KqlType.GUID}
            return ast.Literal(tok.span, None, kind.get(tok.text, KqlType.TIMESPAN))
        try:
            if tok.text in ("datetime", "date"):
                return ast.Literal(tok.span, parse_datetime_literal(raw), KqlType.DATETIME)
            if tok.text in ("timespan", "time"):
                return ast.Literal(tok.span, parse_timespan_literal(raw), KqlType.TIMESPAN)
            return ast.Literal(tok.span, parse_guid_literal(raw), KqlType.GUID)
        except (ValueError, OverflowError, KqlSyntaxError) as exc:
            reason = exc.message if isinstance(exc, KqlSyntaxError) else exc
            raise KqlSyntaxError(f"invalid {tok.text} literal {raw!r}: {reason}", tok.span, self.source) from None

    def parse_dynamic(self) -> ast.Expr:
        start = self.advance()
        open_tok = self.expect_op("(")
        depth, j = 1, self.i
        while depth:
            t = self.tokens[j]
            if t.kind is T.EOF:
                raise self.error("missing ')' to close dynamic(", open_tok)
            depth += t.is_op("(") - t.is_op(")")
            j += 1
        close = self.tokens[j - 1]
        raw = self.source[open_tok.span.end : close.span.start]
        self.seek(j)
        span = start.span.to(close.span)
        try:
            value = parse_dynamic_literal(raw)
        except ValueError as exc:
            raise KqlSyntaxError(f"invalid dynamic literal: {exc}", span, self.source) from None
        return ast.Literal(span, value, KqlType.DYNAMIC)


# ---------------------------------------------------------------- literal text


_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def parse_datetime_literal(raw: str) -> datetime:
    """The forms Kusto accepts in `datetime(...)`: ISO 8601 with up to 7 fractional digits and optional Z, then
    the RFC 822/850 and US forms of DATETIME_TEXT_FORMATS; the text may be quoted, `datetime('2024-01-31')`."""
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    for fmt in DATETIME_TEXT_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    text = text.rstrip("Zz").strip()
    fraction = ""
    m = re.fullmatch(r"(.*?:\d\d)\.(\d{1,7})", text)
    if m:
        text, fraction = m.group(1), m.group(2)
    for fmt in _DATETIME_FORMATS:
        try:
            value = datetime.strptime(text, fmt)
        except ValueError:
            continue
        micros = int((fraction + "000000")[:6]) if fraction else 0
        return value.replace(microsecond=micros)
    raise ValueError("expected a date such as 2024-01-31 or 2024-01-31T12:00:00.1234567Z")


def parse_timespan_literal(raw: str) -> timedelta:
    """`timespan(5d)`, `timespan(1.5h)`, `time(1.02:03:04.5)`, `time(02:03)`."""
    text = raw.strip()
    spelled = re.fullmatch(r"([0-9.]+)\s+([A-Za-z]+)", text)  # timespan(15 seconds)
    tokens = tokenize("".join(spelled.groups()) if spelled else text)
    if len(tokens) == 2 and tokens[0].kind is T.TIMESPAN:
        return tokens[0].value  # type: ignore[return-value]
    if len(tokens) == 2 and tokens[0].kind in (T.INT, T.REAL):
        return timedelta(days=float(tokens[0].value))  # a bare number counts days
    m = re.fullmatch(r"(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?", text)
    if not m:
        raise ValueError("expected a timespan such as 1d, 2h or 1.02:03:04")
    sign, days, hours, minutes, seconds, fraction = m.groups()
    value = timedelta(
        days=int(days or 0),
        hours=int(hours),
        minutes=int(minutes),
        seconds=int(seconds or 0),
        microseconds=int(((fraction or "") + "000000")[:6]),
    )
    return -value if sign else value


def parse_guid_literal(raw: str) -> str:
    text = raw.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text):
        raise ValueError("expected a GUID such as 00000000-0000-0000-0000-000000000000")
    return text


def parse_dynamic_literal(raw: str) -> object:
    """The JSON-like text of `dynamic(...)`: JSON, plus single-quoted strings and a bare `null`."""
    text = raw.strip()
    if not text:
        raise ValueError("empty")
    # Comments go, and white space JSON does not know (a no-break space, a zero-width space) becomes a space,
    # as it is white space to the lexer; strings stay as they are.
    text = re.sub(
        r'("(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')|//[^\n]*|[^\S \t\r\n]|[\u200b\ufeff]',
        lambda m: m.group(1) or ("" if m.group().startswith("//") else " "),
        text,
    )
    converted = re.sub(r"'((?:[^'\\]|\\.)*)'", lambda m: json.dumps(m.group(1).replace("\\'", "'")), text)
    converted = re.sub(r",\s*([\]}])", r"\1", converted)  # Kusto tolerates a trailing comma
    try:
        return json.loads(converted)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(str(exc) if isinstance(exc, json.JSONDecodeError) else "nested too deeply") from None


def parse(source: str) -> ast.Query:
    """Parse a whole query: `let` statements and one tabular expression."""
    try:
        return Parser(source).parse_query()
    except RecursionError:
        raise KqlSyntaxError("the query nests too deeply to parse", None, source) from None
