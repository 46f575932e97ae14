"""The tool that runs graphql-http's GraphQL-over-HTTP audits: how it reports them."""

from __future__ import annotations

from typing import Any

from tools.graphql_audit import summary


def test_the_summary_lists_what_did_not_pass_and_counts_what_did() -> None:
    results: list[dict[str, Any]] = [
        {"id": "4655", "name": "MUST accept application/json", "status": "ok", "reason": None},
        {"id": "47DE", "name": "SHOULD accept */*", "status": "warn", "reason": "got 406"},
        {"id": "A5BF", "name": "MAY use 400 on no body", "status": "notice"},
    ]

    text, passed = summary(results)

    assert passed == 1
    assert text.splitlines() == [
        "warn: 47DE SHOULD accept */*: got 406",
        "notice: A5BF MAY use 400 on no body:",
        "1 of 3 GraphQL-over-HTTP audits passed.",
    ]
