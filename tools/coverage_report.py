"""Combine the test envs' coverage and require 100%, excusing only code no Python here runs.

Every test env records the Python it ran on as a static coverage context (``python3.12``).
Code that runs only on some Pythons says where with a pragma on its first line, such as
``if sys.version_info < (3, 11):  # pragma: python<3.11``. When none of the Pythons that took
part runs such a block, the block is excluded; when all of them run it, the branch that skips
it may stay untaken. With every supported Python present nothing is excused, so a line
excluded on one machine is always measured where it can run.

Usage: ``python -m tools.coverage_report CONFIG DATA_DIR``.
"""

from __future__ import annotations

import operator
import re
import sys
from collections.abc import Callable, Iterable

import coverage
from coverage.results import should_fail_under

Version = tuple[int, int]

SUPPORTED: tuple[Version, ...] = ((3, 10), (3, 11), (3, 12), (3, 13))
COMPARISONS: dict[str, Callable[[Version, Version], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}
_CONTEXT = re.compile(r"python(\d+)\.(\d+)")


def pragma(comparison: str, version: Version) -> str:
    """The regex of the pragma that marks a block running on Pythons ``comparison version``."""
    return rf"#\s*pragma: python{re.escape(comparison)}{version[0]}\.{version[1]}(?!\d)"


def pythons_that_ran(contexts: Iterable[str]) -> set[Version]:
    """The Python versions named by the coverage contexts the test envs recorded."""
    matches = (_CONTEXT.fullmatch(context) for context in contexts)
    return {(int(match[1]), int(match[2])) for match in matches if match}


def excused(ran: set[Version]) -> tuple[list[str], list[str]]:
    """The pragmas to exclude, and those whose skipping branch may stay untaken, given ``ran``."""
    excluded: list[str] = []
    partial: list[str] = []
    for comparison, compare in COMPARISONS.items():
        for version in SUPPORTED:
            runs_on = {python for python in SUPPORTED if compare(python, version)}
            if not runs_on or runs_on == set(SUPPORTED):
                continue  # no condition on the supported Pythons: such a block is measured
            if not runs_on & ran:
                excluded.append(pragma(comparison, version))
            elif ran <= runs_on:
                partial.append(pragma(comparison, version))
    return excluded, partial


def number_option(cov: coverage.Coverage, name: str) -> float:
    """A numeric option of the coverage configuration."""
    value = cov.get_option(name)
    if not isinstance(value, int | float):
        msg = f"The coverage option {name} must be a number, not {value!r}."
        raise TypeError(msg)
    return value


def main(argv: list[str]) -> int:
    config, data_dir = argv
    cov = coverage.Coverage(config_file=config)
    cov.combine([data_dir])
    cov.save()
    ran = pythons_that_ran(cov.get_data().measured_contexts())
    if not ran:
        print(f"No coverage data with a Python context was found in {data_dir}.")
        return 1
    excluded, partial = excused(ran)
    for regex in excluded:
        cov.exclude(regex)
    for regex in partial:
        cov.exclude(regex, which="partial")
    names = ", ".join(f"{major}.{minor}" for major, minor in sorted(ran))
    print(f"Measured on Python {names}.")
    total = cov.report()
    fail_under = number_option(cov, "report:fail_under")
    precision = int(number_option(cov, "report:precision"))
    if should_fail_under(total, fail_under, precision):
        print(f"Coverage is {total:.{precision}f}%, under the required {fail_under:g}%.")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
