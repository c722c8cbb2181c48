"""The CLI's one policy for outcomes: exit codes and one-line error messages (docs/cli.md).

0 ok; 1 the work ran and said no (a failed gate, a failed verify, a refused export or upload);
2 the command could not start (a usage error, a missing lake, warehouse or real-data folder).
An expected failure is one line on stderr that names the thing, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer

OK = 0
FAILED = 1
USAGE = 2


def report(message: str) -> None:
    """Print ``error: message`` as one line on stderr."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)


def fail(message: str, code: int = FAILED) -> NoReturn:
    """Inside a command: report ``message`` and exit with ``code``."""
    report(message)
    raise typer.Exit(code)


def require_warehouse(warehouse: Path) -> Path:
    """The warehouse file, or exit 2 naming the path it looked at."""
    if not warehouse.is_file():
        fail(f"no warehouse at {warehouse}: run `pixel-data build` first", USAGE)
    return warehouse


def examples(*lines: str) -> str:
    """A command's ``--help`` epilog: one example command a line."""
    return "Examples:\n\n" + "\n\n".join(f"  $ {line}" for line in lines)
