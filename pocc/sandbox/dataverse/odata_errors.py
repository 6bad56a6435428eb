"""The errors Dataverse's OData layer gives for query options it cannot accept.

Current Dataverse answers these with HTTP 400 and code 0x80060888 (older servers sent
"0x0"); the messages are those of Microsoft's OData URI parser, which clients and
people search for, so they are kept word for word in shape.
"""

from __future__ import annotations

from pocc.sandbox.dataverse.errors import UNSUPPORTED_QUERY_OPTION, DataverseError


def query_error(message: str) -> DataverseError:
    return DataverseError(400, UNSUPPORTED_QUERY_OPTION, message)


def syntax_error(text: str, position: int) -> DataverseError:
    return query_error(f"Syntax error at position {position} in '{text}'.")


def incompatible_types(left: str, right: str, operator_kind: str) -> DataverseError:
    return query_error(
        "A binary operator with incompatible types was detected. Found operand "
        f"types '{left}' and '{right}' for operator kind '{operator_kind}'."
    )


def unknown_function(name: str) -> DataverseError:
    return query_error(
        f"An unknown function with name '{name}' was found. This may also be a "
        "function import or a key lookup on a navigation property, which is not "
        "allowed."
    )


def bad_literal(text: str, edm: str) -> DataverseError:
    return query_error(f"The value '{text}' is not a valid {edm}.")


def too_deep() -> DataverseError:
    """A query nested deeper than the parser (or the database under it) follows."""
    return query_error("The recursion limit has been exceeded.")
