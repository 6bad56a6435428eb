"""`$filter`: a tokenizer and recursive-descent parser that checks names and types.

The grammar is OData's, in the part Dataverse supports (notes 2.3): comparisons
`eq ne gt ge lt le`, `and`/`or`/`not` with parentheses, `null`, `contains`,
`startswith` and `endswith`, lookups as `_x_value`, one hop through a single-valued
lookup (`primarycontactid/fullname`), parameter aliases `@p1`, and the
`Microsoft.Dynamics.CRM.` query functions In, NotIn, Between, NotBetween, Null and
NotNull. The result is a `filter_tree` whose properties are schema columns; client
text never becomes SQL (see `filter_sql`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from pocc.sandbox.dataverse import errors, odata_errors
from pocc.sandbox.dataverse import filter_tree as tree
from pocc.sandbox.dataverse.filter_tokens import Token, tokenize
from pocc.sandbox.dataverse.filter_values import literal_value, text_value
from pocc.sandbox.dataverse.model import Schema, Table

logger = logging.getLogger(__name__)

COMPARISON_OPERATORS = frozenset(tree.OPERATOR_KINDS)
TEXT_FUNCTIONS = frozenset({"contains", "startswith", "endswith"})
CRM_NAMESPACE = "Microsoft.Dynamics.CRM."
# How deep parentheses and `not` may nest. Microsoft's URI parser allows 800 before
# "The recursion limit has been exceeded."; the sandbox stops sooner, because its
# parser recurses in Python and SQLite's own parser nests only about 40 levels.
MAX_NESTING = 100


def parse_filter(
    text: str,
    table: Table,
    schema: Schema,
    aliases: Mapping[str, str] | None = None,
) -> tree.Node:
    """The checked expression tree of a `$filter` on `table`."""
    parser = _Parser(text, table, schema, aliases or {})
    node = parser.expression()
    parser.expect_end()

    return node


class _Parser:
    def __init__(
        self, text: str, table: Table, schema: Schema, aliases: Mapping[str, str]
    ) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.table = table
        self.schema = schema
        self.aliases = aliases
        self.depth = 0

    # Token access.

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def accept(self, text: str) -> bool:
        if self.peek().text == text and self.peek().kind in ("name", "punct"):
            self.advance()
            return True

        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise self.error()

    def expect_end(self) -> None:
        if self.peek().kind != "end":
            raise self.error()

    def error(self, token: Token | None = None) -> Exception:
        return odata_errors.syntax_error(self.text, (token or self.peek()).position)

    def enter(self) -> None:
        self.depth += 1

        if self.depth > MAX_NESTING:
            raise odata_errors.too_deep()

    # Grammar: or > and > not > comparison > operand.

    def expression(self) -> tree.Node:
        node = self.conjunction()

        while self.accept("or"):
            node = tree.Logical("or", node, self.conjunction())

        return node

    def conjunction(self) -> tree.Node:
        node = self.unary()

        while self.accept("and"):
            node = tree.Logical("and", node, self.unary())

        return node

    def unary(self) -> tree.Node:
        if self.accept("not"):
            self.enter()
            node = tree.Negation(self.unary())
            self.depth -= 1
            return node

        return self.comparison()

    def comparison(self) -> tree.Node:
        if self.accept("("):
            self.enter()
            node = self.expression()
            self.expect(")")
            self.depth -= 1
            return node

        left = self.operand()
        operator = self.peek()

        if operator.kind == "name" and operator.text in COMPARISON_OPERATORS:
            self.advance()
            return self.compare(operator.text, left, self.operand())

        if isinstance(left, (tree.Comparison, tree.TextMatch, tree.Membership)):
            return left

        if isinstance(left, (tree.Range, tree.NullTest)):
            return left

        if isinstance(left, tree.PropertyRef) and left.edm == "Edm.Boolean":
            return tree.Comparison("eq", left, tree.Literal(1, "Edm.Boolean"))

        raise self.error(operator)

    def operand(self) -> Any:
        token = self.peek()

        if token.kind == "alias":
            self.advance()
            return self.alias_literal(token)

        if token.kind == "name" and self.tokens[self.index + 1].text == "(":
            return self.function()

        if token.kind == "name" and token.text not in ("true", "false", "null"):
            return self.property_path()

        return self.literal()

    def literal(self) -> tree.Literal:
        token = self.advance()
        literal = literal_value(token.kind, token.text)

        if literal is None:
            raise self.error(token)

        return literal

    def alias_literal(self, token: Token) -> tree.Literal:
        value = self.aliases.get(token.text)

        if value is None:
            raise self.error(token)

        tokens = tokenize(value)
        literal = literal_value(tokens[0].kind, tokens[0].text)

        if literal is None or tokens[1].kind != "end":
            raise self.error(token)

        return literal

    def compare(self, operator: str, left: Any, right: Any) -> tree.Comparison:
        if not all(
            isinstance(side, (tree.PropertyRef, tree.Literal)) for side in (left, right)
        ):
            raise self.error()

        kind = tree.OPERATOR_KINDS[operator]

        # Dataverse turns each comparison into a condition on a column, so two
        # literals (`1 eq 1`) have nothing to stand on.
        if not any(isinstance(side, tree.PropertyRef) for side in (left, right)):
            raise odata_errors.query_error(
                f"The '{kind}' comparison needs a column on one side."
            )

        if not tree.comparable(left.edm, right.edm):
            raise odata_errors.incompatible_types(left.edm, right.edm, kind)

        left, right = self.fit(left, right), self.fit(right, left)
        return tree.Comparison(operator, left, right)

    def fit(self, side: Any, other: Any) -> Any:
        """A literal in the storage form of the column it is compared with."""
        if isinstance(side, tree.Literal) and isinstance(other, tree.PropertyRef):
            if side.value is None:
                return side

            return tree.Literal(text_value(other.column, side.value), other.edm)

        return side

    # Properties.

    def property_path(self) -> tree.PropertyRef:
        token = self.advance()

        if self.peek().text != "/":
            return self.resolve(self.table, token.text)

        self.advance()
        relationship = self.navigation(token.text)
        target_name = self.advance()
        target = self.schema.table(relationship.referenced_table)

        if target is None or target_name.kind != "name":
            raise self.error(target_name)

        column = self.resolve(target, target_name.text).column
        return tree.PropertyRef(column, relationship, target.primary_id)

    def navigation(self, name: str) -> Any:
        for relationship in self.schema.one_to_many.values():
            if (
                relationship.referencing_table == self.table.logical_name
                and relationship.referencing_navigation == name
            ):
                return relationship

        raise errors.unknown_property(self.table.logical_name, name)

    def resolve(self, table: Table, name: str) -> tree.PropertyRef:
        return tree.PropertyRef(resolve_column(table, name))

    # Functions.

    def function(self) -> tree.Node:
        name = self.advance()
        self.expect("(")

        if name.text in TEXT_FUNCTIONS:
            return self.text_function(name.text)

        if name.text.startswith(CRM_NAMESPACE):
            return self.crm_function(name.text.removeprefix(CRM_NAMESPACE), name)

        raise odata_errors.unknown_function(name.text)

    def text_function(self, function: str) -> tree.TextMatch:
        target = self.operand()
        self.expect(",")
        pattern = self.operand()
        self.expect(")")

        if not isinstance(target, tree.PropertyRef) or not isinstance(
            pattern, tree.Literal
        ):
            raise self.error()

        if not target.is_text or pattern.edm != "Edm.String":
            raise odata_errors.query_error(
                f"No function signature for the function with name '{function}' "
                f"matches the specified arguments. The function signatures "
                f"considered are: {function}(Edm.String Nullable=true, "
                "Edm.String Nullable=true)."
            )

        return tree.TextMatch(function, target, pattern.value)

    def crm_function(self, name: str, token: Token) -> tree.Node:
        arguments = self.named_arguments()
        property_name = arguments.get("PropertyName")

        if not isinstance(property_name, str):
            raise self.error(token)

        target = self.resolve(self.table, property_name)
        values = [text_value(target.column, item) for item in _as_list(arguments)]

        if name in ("In", "NotIn") and values:
            return tree.Membership(target, tuple(values), negated=name == "NotIn")

        if name in ("Between", "NotBetween") and len(values) == 2:
            negated = name == "NotBetween"
            return tree.Range(target, values[0], values[1], negated=negated)

        if name in ("Null", "NotNull") and not values:
            return tree.NullTest(target, negated=name == "NotNull")

        if name in ("In", "NotIn", "Between", "NotBetween", "Null", "NotNull"):
            raise self.error(token)

        raise odata_errors.unknown_function(token.text)

    def named_arguments(self) -> dict[str, Any]:
        arguments: dict[str, Any] = {}

        while not self.accept(")"):
            if arguments:
                self.expect(",")

            name = self.advance()

            if name.kind != "name":
                raise self.error(name)

            self.expect("=")
            arguments[name.text] = self.argument_value()

        return arguments

    def argument_value(self) -> Any:
        token = self.peek()

        if token.kind == "alias":
            self.advance()
            return self.alias_argument(token)

        if self.accept("["):
            return self.array()

        literal = self.literal()
        return literal.value

    def alias_argument(self, token: Token) -> Any:
        value = self.aliases.get(token.text)

        if value is None:
            raise self.error(token)

        inner = _Parser(value, self.table, self.schema, {})
        result = inner.argument_value()
        inner.expect_end()

        return result

    def array(self) -> list[Any]:
        items: list[Any] = []

        while not self.accept("]"):
            if items:
                self.expect(",")

            token = self.advance()
            literal = literal_value(token.kind, token.text)

            if literal is None:
                raise self.error(token)

            items.append(literal.value)

        return items


def resolve_column(table: Table, name: str) -> Any:
    """The column a query names: a column, or a lookup written as `_x_value`."""
    lookup = re.fullmatch(r"_(\w+)_value", name)

    if lookup:
        column = table.column(lookup.group(1))

        if column is not None and column.is_lookup:
            return column

    column = table.column(name)

    if column is None or column.is_lookup or not column.valid_for_read:
        raise errors.unknown_property(table.logical_name, name)

    return column


def _as_list(arguments: Mapping[str, Any]) -> list[Any]:
    values = arguments.get("PropertyValues", arguments.get("PropertyValue", []))

    if not isinstance(values, list):
        return [values]

    return values
