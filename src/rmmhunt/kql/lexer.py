"""KQL tokenizer: turns query text into tokens with spans."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from enum import Enum, auto
from typing import NamedTuple

from rmmhunt.kql.errors import KqlSyntaxError, Span


class TokenKind(Enum):
    IDENT = auto()
    STRING = auto()
    INT = auto()
    REAL = auto()
    TIMESPAN = auto()
    TYPED_LITERAL = auto()  # datetime(...), timespan(...), guid(...): raw text inside the parentheses
    OP = auto()
    EOF = auto()


class T:
    """The token kinds by name, as plain class attributes: in Python 3.11 `TokenKind.OP` takes the slow path of
    EnumType.__getattr__ (about 6x a plain attribute), and the lexer and parser compare kinds several times a token."""

    IDENT = TokenKind.IDENT
    STRING = TokenKind.STRING
    INT = TokenKind.INT
    REAL = TokenKind.REAL
    TIMESPAN = TokenKind.TIMESPAN
    TYPED_LITERAL = TokenKind.TYPED_LITERAL
    OP = TokenKind.OP
    EOF = TokenKind.EOF


Lexeme = tuple[TokenKind, str, object]  # a token's kind, text and value, before its span and spacing are known


class Token(NamedTuple):  # a tuple rather than a frozen dataclass: a query has many, and tuples are built faster
    kind: TokenKind
    text: str
    span: Span
    value: object = None
    # True when whitespace or a comment separates this token from the previous one.
    spaced: bool = False

    def is_op(self, *ops: str) -> bool:
        return self.kind is T.OP and self.text in ops

    def is_word(self, *words: str) -> bool:
        return self.kind is T.IDENT and self.text in words


# Longest first, so that `!contains`-style operators are not split.
OPERATORS = sorted(
    [
        "==",
        "!=",
        "=~",
        "!~",
        "<=",
        ">=",
        "<>",
        "..",
        "=>",
        "|",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ";",
        ":",
        ".",
        "=",
        "<",
        ">",
        "~",
        "+",
        "-",
        "*",
        "/",
        "%",
        "!",
        "$",
        "?",
    ],
    key=len,
    reverse=True,
)

# Typed literals whose parentheses hold raw text rather than an expression.
RAW_LITERAL_WORDS = frozenset({"datetime", "date", "timespan", "time", "guid"})

# Microseconds per unit; a tick (100 ns) is below DuckDB's resolution and rounds.
TIMESPAN_UNITS: dict[str, Decimal] = {
    **dict.fromkeys(("d", "day", "days"), Decimal(86_400_000_000)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), Decimal(3_600_000_000)),
    **dict.fromkeys(("m", "min", "minute", "minutes"), Decimal(60_000_000)),
    **dict.fromkeys(("s", "sec", "second", "seconds"), Decimal(1_000_000)),
    **dict.fromkeys(("ms", "milli", "millis", "millisecond", "milliseconds"), Decimal(1000)),
    **dict.fromkeys(("microsecond", "microseconds"), Decimal(1)),
    **dict.fromkeys(("tick", "ticks"), Decimal("0.1")),
}

# Zero-width spaces and BOMs pasted from web pages count as white space.
_WS_OR_COMMENT = re.compile(r"(?:[\s\u200b\ufeff]+|//[^\n]*)+")
_NUMBER = re.compile(r"(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_HEX = re.compile(r"0[xX][0-9a-fA-F]+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATOR = re.compile("|".join(re.escape(op) for op in OPERATORS))  # in OPERATORS' order: the longest first
# Most tokens: white space, then a name or an operator that needs no second look (not the `h` of h'...',
# not datetime(...) and kin, not the `.` of `.5`). Anything else goes through `next_token`.
_SPACE_THEN_PLAIN = re.compile(
    rf"(?P<space>{_WS_OR_COMMENT.pattern})?"
    rf"(?:(?P<ident>(?![hH]['\"])(?!(?i:{'|'.join(RAW_LITERAL_WORDS)})\b){_IDENT.pattern})"
    rf"|(?P<op>(?!\.\d)(?:{_OPERATOR.pattern})))?"
)
_UNIT = re.compile(r"[A-Za-z]+")
_STRING_RUN = {quote: re.compile(rf"[^{quote}\\\n]*") for quote in "'\""}  # what a string needs no second look at
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0"}


class Lexer:
    def __init__(self, source: str):
        self.src = source
        self.pos = 0
        self.tokens: list[Token] = []

    def error(self, message: str, start: int, end: int | None = None) -> KqlSyntaxError:
        return KqlSyntaxError(message, Span(start, end if end is not None else start + 1), self.src)

    def run(self) -> list[Token]:
        src, end = self.src, len(self.src)
        tokens = self.tokens
        pos = 0  # a local in the loop, and self.pos only for next_token: this loop runs once per token
        while True:
            m = _SPACE_THEN_PLAIN.match(src, pos)
            plain = m.lastgroup
            if plain == "ident" or plain == "op":
                start, pos = m.span(plain)
                kind = T.IDENT if plain == "ident" else T.OP
                tokens.append(Token(kind, src[start:pos], Span(start, pos), None, start != m.start()))
                continue
            start = self.pos = m.end()
            if start >= end:
                tokens.append(Token(T.EOF, "", Span(end, end), spaced=True))
                return tokens
            kind, text, value = self.next_token()
            pos = self.pos
            tokens.append(Token(kind, text, Span(start, pos), value, plain == "space"))

    def next_token(self) -> Lexeme:
        """The token at `pos` as (kind, text, value), moving `pos` past it; `run` adds span and spacing."""
        src, start = self.src, self.pos
        ch = src[start]
        if ch in "'\"" or (ch in "@hH" and src[start + 1 : start + 2] in ("'", '"')):
            return self.string()
        if src.startswith("```", start):
            return self.multiline_string()
        if ch.isdigit() or (ch == "." and src[start + 1 : start + 2].isdigit()):
            return self.number()
        m = _IDENT.match(src, start)
        if m:
            self.pos = m.end()
            word = m.group()
            if word.lower() in RAW_LITERAL_WORDS:
                raw = self.raw_parenthesized()
                if raw is not None:
                    return T.TYPED_LITERAL, word.lower(), raw
            return T.IDENT, word, None
        m = _OPERATOR.match(src, start)
        if m:
            self.pos = m.end()
            return T.OP, m.group(), None
        raise self.error(f"unexpected character {ch!r}", start)

    def raw_parenthesized(self) -> str | None:
        """After `datetime` and kin: the raw text inside `( ... )`, or None if no parenthesis follows."""
        src = self.src
        m = re.compile(r"\s*\(").match(src, self.pos)
        if not m:
            return None
        close = src.find(")", m.end())
        if close < 0:
            raise self.error("missing ')' to close the literal", self.pos)
        raw = src[m.end() : close].strip()
        self.pos = close + 1
        return raw

    def string(self) -> Lexeme:
        src, start = self.src, self.pos
        verbatim = src[start] == "@"
        pos = start + 1 if src[start] in "@hH" else start
        quote = src[pos]
        pos += 1
        chunks: list[str] = []
        plain_run = _STRING_RUN[quote].match
        while True:
            run = plain_run(src, pos)  # the characters up to the next quote, backslash or line end, at once
            chunks.append(run.group())
            pos = run.end()
            if pos >= len(src) or src[pos] == "\n":
                raise self.error("unterminated string literal", start, pos)
            ch = src[pos]
            if ch == quote:
                if verbatim and src[pos + 1 : pos + 2] == quote:  # @'it''s' doubles the quote
                    chunks.append(quote)
                    pos += 2
                    continue
                pos += 1
                break
            if ch == "\\" and not verbatim:
                esc = src[pos + 1 : pos + 2]
                if esc in _ESCAPES:
                    chunks.append(_ESCAPES[esc])
                    pos += 2
                    continue
                if esc == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", src[pos + 2 : pos + 6]):
                    chunks.append(chr(int(src[pos + 2 : pos + 6], 16)))
                    pos += 6
                    continue
                raise self.error(f"unknown escape sequence '\\{esc}'", pos, pos + 2)
            chunks.append(ch)
            pos += 1
        self.pos = pos
        return T.STRING, src[start:pos], "".join(chunks)

    def multiline_string(self) -> Lexeme:
        start = self.pos
        end = self.src.find("```", start + 3)
        if end < 0:
            raise self.error("unterminated ``` string literal", start, start + 3)
        self.pos = end + 3
        return T.STRING, self.src[start : self.pos], self.src[start + 3 : end]

    def number(self) -> Lexeme:
        src, start = self.src, self.pos
        hexm = _HEX.match(src, start)
        if hexm:
            self.pos = hexm.end()
            return T.INT, hexm.group(), int(hexm.group(), 16)
        m = _NUMBER.match(src, start)
        assert m is not None
        text = m.group()
        self.pos = m.end()
        unit = _UNIT.match(src, self.pos)
        if unit and unit.group().lower() in TIMESPAN_UNITS:
            self.pos = unit.end()
            micros = round(Decimal(text) * TIMESPAN_UNITS[unit.group().lower()])
            try:
                value = timedelta(microseconds=micros)
            except OverflowError:
                raise self.error("timespan literal out of range", start, self.pos) from None
            return T.TIMESPAN, src[start : self.pos], value
        if unit:
            raise self.error(f"unknown timespan unit {unit.group()!r}", unit.start(), unit.end())
        if any(c in text for c in ".eE"):
            return T.REAL, text, float(text)
        if int(text) >= 2**63:
            raise self.error("integer literal out of range for long", start, self.pos)
        return T.INT, text, int(text)


def tokenize(source: str) -> list[Token]:
    return Lexer(source).run()
