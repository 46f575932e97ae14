"""The coverage report excuses version-marked blocks only where no Python that runs them ran."""

from __future__ import annotations

import re

from tools.coverage_report import excused, pragma, pythons_that_ran

ALL = {(3, 10), (3, 11), (3, 12), (3, 13)}
BEFORE_311 = "if sys.version_info < (3, 11):  # pragma: python<3.11 (the built-in exists)"
FROM_312 = "if sys.version_info >= (3, 12):  # pragma: python>=3.12"


def matches(regexes: list[str], line: str) -> bool:
    return any(re.search(regex, line) for regex in regexes)


def test_contexts_name_the_pythons_that_ran() -> None:
    contexts = ["", "python3.10", "python3.13", "python3.13", "httpx", "python3"]
    assert pythons_that_ran(contexts) == {(3, 10), (3, 13)}


def test_nothing_is_excused_when_every_python_ran() -> None:
    assert excused(ALL) == ([], [])


def test_a_block_for_a_python_that_did_not_run_is_excluded() -> None:
    excluded, partial = excused({(3, 11)})
    assert matches(excluded, BEFORE_311)
    assert not matches(partial, BEFORE_311)


def test_a_block_every_python_that_ran_runs_may_leave_its_skip_untaken() -> None:
    excluded, partial = excused({(3, 10)})
    assert not matches(excluded, BEFORE_311)
    assert matches(partial, BEFORE_311)
    assert matches(excluded, FROM_312)


def test_a_block_some_of_the_pythons_that_ran_run_is_measured_in_full() -> None:
    excluded, partial = excused({(3, 10), (3, 12)})
    for line in (BEFORE_311, FROM_312):
        assert not matches(excluded, line)
        assert not matches(partial, line)


def test_a_pragma_that_sets_no_condition_on_the_supported_pythons_excuses_nothing() -> None:
    for line in ("# pragma: python>=3.10", "# pragma: python<3.10", "# pragma: python>3.13"):
        for ran in ({(3, 10)}, {(3, 13)}):
            excluded, partial = excused(ran)
            assert not matches(excluded + partial, line)


def test_a_pragma_names_one_version_exactly() -> None:
    assert re.search(pragma("<", (3, 1)), "# pragma: python<3.11") is None
    assert re.search(pragma("<=", (3, 11)), "# pragma: python<3.11") is None
    assert re.search(pragma("<", (3, 11)), "#pragma: python<3.11") is not None
