"""Run the GraphQL-over-HTTP audits of graphql-http against resourceful's GraphQLApp.

Usage: ``python -m tools.graphql_audit [--workdir DIR] [--require COUNT]``
(``tox -e graphql-audit`` runs it). The steps:

1. install the npm packages ``graphql-http`` and ``graphql`` into the work directory (once;
   it needs ``node`` and ``npm``);
2. serve ``tests/integration/apps/graphql_app.py`` with uvicorn on a free port of 127.0.0.1;
3. run graphql-http's ``auditServer`` (every MUST, SHOULD and MAY audit of its server
   audits) against it, and print each audit that did not pass and the total.
   ``--require COUNT`` makes fewer passed audits exit 1.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
APP_DIR = ROOT / "tests" / "integration" / "apps"
PACKAGES = ("graphql-http@1", "graphql@16")
#: Runs the audits and prints their results as one JSON list.
SCRIPT = """\
import { auditServer } from 'graphql-http';
const results = await auditServer({ url: process.argv[2] });
const kept = results.map(({ id, name, status, reason }) => ({ id, name, status, reason }));
console.log(JSON.stringify(kept));
"""


def summary(results: list[dict[str, Any]]) -> tuple[str, int]:
    """The audits that did not pass, one per line, then the total; and how many passed."""
    lines = [
        f"{result['status']}: {result['id']} {result['name']}: {result.get('reason') or ''}"
        for result in results
        if result["status"] != "ok"
    ]
    lines = [line.rstrip() for line in lines]
    passed = len(results) - len(lines)
    lines.append(f"{passed} of {len(results)} GraphQL-over-HTTP audits passed.")
    return "\n".join(lines), passed


def install(workdir: Path) -> None:
    """The npm packages of the audits, in ``workdir`` (installed once)."""
    if (workdir / "node_modules" / "graphql-http").is_dir():
        return
    if shutil.which("npm") is None or shutil.which("node") is None:
        msg = "The GraphQL audits need node and npm (Debian: apt install nodejs npm)."
        raise SystemExit(msg)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "package.json").write_text('{"private": true, "type": "module"}\n')
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", *PACKAGES], cwd=workdir, check=True
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served() -> Iterator[str]:
    """The audited app under uvicorn; yields its GraphQL URL."""
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(APP_DIR), "graphql_app:app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    msg = "uvicorn did not start the audited app."
                    raise SystemExit(msg) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / ".tox" / "graphql-audit-npm")
    parser.add_argument("--require", type=int, default=0, help="minimum audits passed")
    args = parser.parse_args(argv)
    install(args.workdir)
    (args.workdir / "audit.mjs").write_text(SCRIPT)
    with served() as url:
        output = subprocess.run(
            ["node", "audit.mjs", url], cwd=args.workdir, capture_output=True, text=True, check=True
        ).stdout
    text, passed = summary(json.loads(output))
    print(text)
    if passed < args.require:
        print(f"Fewer than the required {args.require}.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
