"""Query documents: parsed and validated once per text, within limits, then cached."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, cast

import attrs
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule


@attrs.frozen
class Limits:
    """What one query document may ask for; None turns a limit off.

    Attributes:
        max_length: characters of query text.
        max_tokens: lexical tokens (names, punctuation, values) in the document.
        max_depth: nesting of selections, fragments followed.
        max_aliases: aliased fields in the document.
        introspection: whether ``__schema`` and ``__type`` may be asked for.
    """

    max_length: int | None = 100_000
    max_tokens: int | None = 10_000
    max_depth: int | None = 15
    max_aliases: int | None = 30
    introspection: bool = True


@attrs.frozen
class Checked:
    """A query text after parsing and validation: its document, or why it was refused."""

    document: DocumentNode | None
    errors: Sequence[GraphQLError]


def _depth(
    selections: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    visiting: frozenset[str],
) -> int:
    if selections is None:
        return 0
    deepest = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            depth = 1 + _depth(selection.selection_set, fragments, visiting)
        elif isinstance(selection, InlineFragmentNode):
            depth = _depth(selection.selection_set, fragments, visiting)
        else:  # the only other kind: a fragment spread
            name = cast(FragmentSpreadNode, selection).name.value
            fragment = fragments.get(name)
            if fragment is None or name in visiting:  # unknown or cyclic: validation says so
                continue
            depth = _depth(fragment.selection_set, fragments, visiting | {name})
        deepest = max(deepest, depth)
    return deepest


def _limit_rules(limits: Limits) -> list[type[ValidationRule]]:
    rules: list[type[ValidationRule]] = []
    if limits.max_depth is not None:
        max_depth: int = limits.max_depth

        class MaxDepth(ValidationRule):
            def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
                fragments = {
                    definition.name.value: definition
                    for definition in self.context.document.definitions
                    if isinstance(definition, FragmentDefinitionNode)
                }
                depth = _depth(node.selection_set, fragments, frozenset())
                if depth > max_depth:
                    name = f"'{node.name.value}'" if node.name else "The operation"
                    msg = f"{name} is {depth} levels deep; at most {max_depth} are allowed."
                    self.report_error(GraphQLError(msg, node))

        rules.append(MaxDepth)
    if limits.max_aliases is not None:
        max_aliases: int = limits.max_aliases

        class MaxAliases(ValidationRule):
            def __init__(self, context: ValidationContext) -> None:
                super().__init__(context)
                self.aliases = 0

            def enter_field(self, node: FieldNode, *_: Any) -> None:
                if node.alias is not None:
                    self.aliases += 1
                    if self.aliases == max_aliases + 1:
                        msg = f"The document has more than {max_aliases} aliases."
                        self.report_error(GraphQLError(msg, node))

        rules.append(MaxAliases)
    if not limits.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules


class DocumentCache:
    """Parses and validates query texts against ``schema`` within ``limits``, keeping the
    outcome of the ``size`` most recent texts so that a repeated query costs a lookup."""

    def __init__(self, schema: GraphQLSchema, limits: Limits, size: int = 512) -> None:
        self.schema = schema
        self.limits = limits
        self.size = size
        self.rules = [*specified_rules, *_limit_rules(limits)]
        self._checked: OrderedDict[str, Checked] = OrderedDict()

    def check(self, query: str) -> Checked:
        """The document of ``query``, or the errors that refuse it."""
        checked = self._checked.get(query)
        if checked is not None:
            self._checked.move_to_end(query)
            return checked
        checked = self._check(query)
        self._checked[query] = checked
        if len(self._checked) > self.size:
            self._checked.popitem(last=False)
        return checked

    def _check(self, query: str) -> Checked:
        max_length = self.limits.max_length
        if max_length is not None and len(query) > max_length:
            msg = f"The query is {len(query)} characters long; at most {max_length} are allowed."
            return Checked(None, [GraphQLError(msg)])
        try:
            document = parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLError as error:
            return Checked(None, [error])
        errors = validate(self.schema, document, self.rules)
        return Checked(None, errors) if errors else Checked(document, ())
