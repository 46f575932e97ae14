"""Run Starlette's own test suite against resourceful and print how much of it passes.

Usage: ``python -m tools.starlette_suite [--version 1.10.0] [--workdir DIR] [--require PERCENT]
[PYTEST ARGS]``
(``tox -e starlette`` runs it). The steps:

1. download the sdist of the pinned Starlette release with pip, and unpack it;
2. collect its tests with the real Starlette: the list every figure is counted against;
3. delete its ``starlette`` package and run the tests with ``tools.starlette_alias`` loaded,
   which makes ``import starlette`` import resourceful, in parallel (pytest-xdist) and with a
   timeout per test (pytest-timeout), so that a hang costs one test, not the run;
4. print the tests passed per file and in total; a test that did not even load counts as
   failed. ``--require PERCENT`` makes a lower total exit 1.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

VERSION = "1.10.0"
ROOT = Path(__file__).resolve().parents[1]
#: Starlette's pytest settings minus the warning filters that name its own warning class.
PYTEST_INI = """\
[pytest]
addopts = -rfE --strict-config --strict-markers -p no:cacheprovider
xfail_strict = true
filterwarnings =
    error
    ignore: Use 'content=<...>' to upload raw bytes/text content.:DeprecationWarning
"""


def download(version: str, workdir: Path) -> Path:
    """The unpacked sdist of Starlette ``version`` under ``workdir`` (downloaded once)."""
    unpacked = workdir / f"starlette-{version}"
    if unpacked.is_dir():
        return unpacked
    workdir.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
    subprocess.run([*pip, "--dest", str(workdir), f"starlette=={version}"], check=True)
    with tarfile.open(workdir / f"starlette-{version}.tar.gz") as archive:
        archive.extractall(workdir, filter="data")
    return unpacked


def collect(directory: Path) -> list[str]:
    """The node ids of the tests in ``directory``, collected with the Starlette it holds and
    its own pytest settings."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-c", "pyproject.toml", "tests"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    ids = [line for line in result.stdout.splitlines() if "::" in line]
    if result.returncode != 0 or not ids:
        print(result.stdout[-3000:], result.stderr[-3000:])
        msg = "Starlette's own tests did not collect with Starlette itself."
        raise SystemExit(msg)
    return ids


def run_against_resourceful(directory: Path, report: Path, extra: list[str]) -> None:
    """Run the suite in ``directory`` (without its starlette package) on resourceful."""
    command = [sys.executable, "-m", "pytest", "-c", "pytest.ini", "-p", "tools.starlette_alias"]
    command += ["-n", "2", "--timeout", "30", "-q", f"--junitxml={report}", *extra, "tests"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, cwd=directory, check=False, env=environment)


def outcomes(report: Path) -> dict[str, str]:
    """Each test's outcome in the junit report: ``passed``, ``skipped`` or ``failed``."""
    found: dict[str, str] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        path, classes = _module_path(case.get("classname", ""))
        node = "::".join((path, *classes, case.get("name", "")))
        if case.find("skipped") is not None:
            found[node] = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            found[node] = "failed"
        else:
            found[node] = "passed"
    return found


def _module_path(classname: str) -> tuple[str, list[str]]:
    """``tests.middleware.test_base.TestX`` → (``tests/middleware/test_base.py``, [TestX])."""
    parts = classname.split(".")
    modules = [index for index, part in enumerate(parts) if part.startswith("test")]
    if not modules:
        return classname, []
    end = modules[-1] + 1
    return "/".join(parts[:end]) + ".py", parts[end:]


def tally(expected: list[str], found: dict[str, str]) -> dict[str, collections.Counter[str]]:
    """Per test file, how many of ``expected`` passed, were skipped and failed."""
    per_file: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for node in expected:
        per_file[node.partition("::")[0]][found.get(node, "failed")] += 1
    return dict(sorted(per_file.items()))


def table(per_file: dict[str, collections.Counter[str]]) -> tuple[str, float]:
    """The per-file pass counts as text, and the percentage passed in total."""
    lines = [f"{'file':<42} {'passed':>7} {'of':>5}"]
    total: collections.Counter[str] = collections.Counter()
    for path, counts in per_file.items():
        total.update(counts)
        lines.append(f"{path:<42} {counts['passed']:>7} {sum(counts.values()):>5}")
    count = sum(total.values())
    share = 100 * total["passed"] / count if count else 0.0
    lines.append(f"{'total':<42} {total['passed']:>7} {count:>5}  ({share:.1f}%)")
    if total["skipped"]:
        lines.append(f"skipped: {total['skipped']} (counted as not passed)")
    return "\n".join(lines), share


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".tox" / "starlette-suite")
    parser.add_argument("--require", type=float, default=0.0, help="minimum percent passed")
    args, pytest_args = parser.parse_known_args(argv)  # the others are pytest's
    unpacked = download(args.version, args.workdir)
    expected = collect(unpacked)
    suite = args.workdir / f"suite-{args.version}"
    shutil.rmtree(suite, ignore_errors=True)
    shutil.copytree(
        unpacked, suite, ignore=shutil.ignore_patterns("starlette", "__pycache__", "pyproject.toml")
    )
    (suite / "pytest.ini").write_text(PYTEST_INI)
    report = args.workdir / "report.xml"
    run_against_resourceful(suite, report, pytest_args)
    found = outcomes(report)
    if pytest_args:  # a chosen part of the suite: count only the tests that ran
        expected = [node for node in expected if node in found]
    text, share = table(tally(expected, found))
    print(f"\nStarlette {args.version}'s suite on resourceful:\n{text}")
    if share < args.require:
        print(f"Below the required {args.require:g}%.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
