"""`$filter` text split into tokens: OData's literals, names, aliases, punctuation.

Anything the grammar does not know is a syntax error at its position, answered with
the OData parser's message (`odata_errors.syntax_error`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pocc.sandbox.dataverse import odata_errors

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<string>'(?:[^']|'')*')
    | (?P<dqstring>"(?:[^"\\]|\\.)*")
    | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}
        -[0-9a-fA-F]{12}(?![\w-]))
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?
        (?:Z|[+-]\d{2}:\d{2}))
    | (?P<date>\d{4}-\d{2}-\d{2}(?![\w:]))
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?(?![\w.]))
    | (?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)
    | (?P<alias>@[A-Za-z_]\w*)
    | (?P<punct>[(),=\[\]/])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`; anything the grammar does not know is a syntax error."""
    tokens = []
    position = 0

    while position < len(text):
        match = TOKEN.match(text, position)

        if match is None:
            raise odata_errors.syntax_error(text, position)

        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup or "", match.group(), position))

        position = match.end()

    tokens.append(Token("end", "", len(text)))
    return tokens
