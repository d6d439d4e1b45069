"""SCIM filters (``userName eq "jane" and emails.value co "@example"``) as predicates.

The grammar of SCIM 1.1 §3.2.2.2 (the same as RFC 7644 §3.4.2.2 without ``not`` and
``[...]``): ``eq co sw pr gt ge lt le``, ``and`` binding tighter than ``or``, parentheses.
Attribute names and string comparisons ignore case, as for ``userName`` (caseExact false).
A dotted path (``emails.value``, ``name.givenName``) looks into objects and lists of objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]
TOKEN = re.compile(
    r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<word>[A-Za-z0-9_.:$-]+))"
)
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "co": lambda a, b: isinstance(a, str) and isinstance(b, str) and b in a,
    "sw": lambda a, b: isinstance(a, str) and isinstance(b, str) and a.startswith(b),
    "gt": lambda a, b: type(a) is type(b) and a > b,
    "ge": lambda a, b: type(a) is type(b) and a >= b,
    "lt": lambda a, b: type(a) is type(b) and a < b,
    "le": lambda a, b: type(a) is type(b) and a <= b,
}


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def values_at(resource: Any, path: str) -> list[Any]:
    """Every value at a dotted ``path`` in ``resource`` (names matched ignoring case)."""
    found = [resource]
    for name in path.split("."):
        step: list[Any] = []
        for item in found:
            for element in item if isinstance(item, list) else [item]:
                if isinstance(element, dict):
                    match = next((k for k in element if k.lower() == name.lower()), None)
                    if match is not None:
                        step.append(element[match])
        found = step
    return [v for item in found for v in (item if isinstance(item, list) else [item])]


def _value(raw: str) -> Any:
    """A comparison value: a JSON string, number, true, false or null."""
    try:
        return json.loads(raw)
    except ValueError:
        raise ValueError(f"expected a value, got {raw}") from None


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.rstrip()
        while position < len(text):
            match = TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise ValueError(f"unexpected character at column {position + 1}")
            kind = match.lastgroup
            assert kind is not None
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ValueError("the filter ends too early")
        self.at += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].lower() == word:
            self.at += 1
            return True
        return False

    def expression(self) -> Predicate:
        terms = [self.term()]
        while self.keyword("or"):
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else lambda r: any(t(r) for t in terms)

    def term(self) -> Predicate:
        factors = [self.factor()]
        while self.keyword("and"):
            factors.append(self.factor())
        return factors[0] if len(factors) == 1 else lambda r: all(f(r) for f in factors)

    def factor(self) -> Predicate:
        kind, text = self.take()
        if kind == "open":
            inner = self.expression()
            if self.take()[0] != "close":
                raise ValueError("a parenthesis is not closed")
            return inner
        if kind != "word":
            raise ValueError(f"expected an attribute name, got {text}")
        path = text
        operator = self.take()[1].lower()
        if operator == "pr":
            return lambda r: any(v not in (None, "", []) for v in values_at(r, path))
        if operator not in COMPARE:
            raise ValueError(f"unknown operator {operator!r}")
        compare, wanted = COMPARE[operator], _fold(_value(self.take()[1]))
        return lambda r: any(compare(_fold(v), wanted) for v in values_at(r, path))


def parse(text: str) -> Predicate:
    """A predicate over a resource's JSON; ``ValueError`` for a filter that does not parse."""
    parser = _Parser(text)
    if not parser.tokens:
        raise ValueError("the filter is empty")
    predicate = parser.expression()
    rest = parser.peek()
    if rest is not None:
        raise ValueError(f"unexpected {rest[1]!r} after the filter")
    return predicate
