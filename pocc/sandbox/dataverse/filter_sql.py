"""A checked `$filter` tree as SQL: fixed text from the schema, values bound.

Text columns are stored `COLLATE NOCASE`, so comparisons and `IN` are
case-insensitive as Dataverse's are. The string functions become `LIKE` with the
client's text bound as a parameter and no escaping, because Dataverse passes `%` and
`_` through as wildcards (notes 2.3).
"""

from __future__ import annotations

from pocc.sandbox.dataverse import filter_tree as tree
from pocc.sandbox.dataverse.sql_text import Fragment, column_ref, identifier

SQL_OPERATORS = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}

LIKE_PATTERNS = {
    "contains": "'%' || ? || '%'",
    "startswith": "? || '%'",
    "endswith": "'%' || ?",
}
# Terms of one `and`/`or` run written side by side before the run is halved.
FLAT_RUN = 64


def compile_filter(node: tree.Node, alias: str) -> Fragment:
    """The WHERE condition for `node`, on rows of the table aliased `alias`."""
    if isinstance(node, tree.Logical):
        terms = [compile_filter(term, alias).wrapped() for term in chain(node)]
        return balanced(f" {node.operator.upper()} ", terms)

    if isinstance(node, tree.Negation):
        inner = compile_filter(node.operand, alias).wrapped()
        return Fragment(f"NOT {inner.text}", inner.params)

    if isinstance(node, tree.Comparison):
        return _comparison(node, alias)

    if isinstance(node, tree.TextMatch):
        target = operand(node.target, alias)
        pattern = LIKE_PATTERNS[node.function]
        return Fragment(f"{target.text} LIKE {pattern}", [*target.params, node.pattern])

    if isinstance(node, tree.Membership):
        return _membership(node, alias)

    if isinstance(node, tree.Range):
        target = operand(node.target, alias)
        keyword = "NOT BETWEEN" if node.negated else "BETWEEN"
        text = f"{target.text} {keyword} ? AND ?"
        return Fragment(text, [*target.params, node.low, node.high])

    target = operand(node.target, alias)
    keyword = "IS NOT NULL" if node.negated else "IS NULL"
    return Fragment(f"{target.text} {keyword}", target.params)


def chain(node: tree.Logical) -> list[tree.Node]:
    """The terms of a run of one operator (`a or b or c`, however parenthesised),
    left to right, gathered without recursion: a client's list of 1,500 `or`s
    is one run, not 1,500 nested calls."""
    terms: list[tree.Node] = []
    pending: list[tree.Node] = [node]

    while pending:
        current = pending.pop()

        if isinstance(current, tree.Logical) and current.operator == node.operator:
            pending.extend((current.right, current.left))
        else:
            terms.append(current)

    return terms


def balanced(separator: str, terms: list[Fragment]) -> Fragment:
    """`terms` joined by `separator`, in halves once there are many of them.

    SQLite refuses an expression more than 1,000 operators deep, and `a OR b OR c`
    is a chain as deep as it is long; halving keeps the depth near the log of it.
    """
    if len(terms) <= FLAT_RUN:
        return Fragment.join(separator, terms)

    middle = len(terms) // 2
    halves = (terms[:middle], terms[middle:])
    return Fragment.join(
        separator, [balanced(separator, half).wrapped() for half in halves]
    )


def _comparison(node: tree.Comparison, alias: str) -> Fragment:
    left, right = operand(node.left, alias), operand(node.right, alias)
    params = [*left.params, *right.params]

    # `eq null` is SQL's IS NULL. Against a value, `ne` leaves out rows that hold
    # null, as Dataverse's SQL does.
    if node.operator == "eq" and _is_null(node):
        return Fragment(f"{left.text} IS {right.text}", params)

    if node.operator == "ne" and _is_null(node):
        return Fragment(f"{left.text} IS NOT {right.text}", params)

    return Fragment(f"{left.text} {SQL_OPERATORS[node.operator]} {right.text}", params)


def _is_null(node: tree.Comparison) -> bool:
    return any(
        isinstance(side, tree.Literal) and side.value is None
        for side in (node.left, node.right)
    )


def _membership(node: tree.Membership, alias: str) -> Fragment:
    target = operand(node.target, alias)
    marks = ", ".join("?" for _ in node.values)
    keyword = "NOT IN" if node.negated else "IN"
    return Fragment(
        f"{target.text} {keyword} ({marks})", [*target.params, *node.values]
    )


def operand(side: tree.PropertyRef | tree.Literal, alias: str) -> Fragment:
    if isinstance(side, tree.Literal):
        return Fragment("?", [side.value])

    if side.navigation is None:
        return Fragment(column_ref(alias, side.column.logical_name))

    return _related_column(side, alias)


def _related_column(side: tree.PropertyRef, alias: str) -> Fragment:
    """A column of the row a lookup points at, as a correlated subquery."""
    relationship = side.navigation

    if relationship is None:
        raise ValueError("a related column needs its relationship")

    target = identifier(relationship.referenced_table)
    column = column_ref("related", side.column.logical_name)
    key = column_ref("related", side.target_primary_id or "")
    lookup = column_ref(alias, relationship.referencing_column)
    lookup_type = column_ref(alias, f"{relationship.referencing_column}__type")
    text = (
        f"(SELECT {column} FROM {target} AS related WHERE {key} = {lookup} "
        f"AND {lookup_type} = ?)"
    )

    # A subquery's value loses its column's collation; text stays case-insensitive.
    if side.is_text:
        text = f"{text} COLLATE NOCASE"

    return Fragment(text, [relationship.referenced_table])
