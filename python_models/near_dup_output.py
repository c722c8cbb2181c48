"""The near-dup stage's output on disk: a Parquet run folder, read by DuckDB, then removed.

``int_conversations_linked`` returns one row per conversation (``LINKS_SCHEMA``); held as one
Arrow table it was the stage's largest O(N) term at its end (~300 bytes a conversation: the
ids again, neighbour and nearest ids, and a 1 KiB vector for every conversation with a
near-copy). Instead the stage writes the table to ``<run folder>/links.parquet`` in row chunks
(:func:`python_models.near_duplicates.write_links`) and the model returns a DuckDB relation over
that file, which dbt-duckdb materializes with ``create table ... as select``: DuckDB reads the
file, the Python side holds none of it.

Where it lives and how it is cleaned: ``<result cache>/near_dup_links/run-<pid>-<random>/``
(``build/results/near_dup_links/`` by default; ``$PIXEL_RESULT_CACHE``). The folder is removed
when the relation is released, i.e. after dbt has created the table from it
(:func:`relation_over`, a ``weakref.finalize``, which also runs at the interpreter's exit), or
at once when the stage fails (:func:`run_folder`); a run folder whose process is gone (a build
killed mid-way) is removed by the next build's :func:`new_run`.
"""

from __future__ import annotations

import os
import shutil
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from python_models.result_cache import result_cache_root

RUNS = "near_dup_links"


def runs_root() -> Path:
    return result_cache_root() / RUNS


def new_run(root: Path | None = None) -> Path:
    """A fresh run folder under ``root`` (default :func:`runs_root`), after sweeping the
    folders of runs whose process is gone."""
    root = Path(root) if root is not None else runs_root()
    root.mkdir(parents=True, exist_ok=True)
    sweep(root)
    folder = root / f"run-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    return folder


@contextmanager
def run_folder(root: Path | None = None) -> Iterator[Path]:
    """A fresh run folder (:func:`new_run`) for the stage to write into. If the block raises,
    no relation will read the folder, so it is removed here; if it ends normally the folder
    stays for :func:`relation_over`, which removes it once DuckDB has read it."""
    folder = new_run(root)
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def sweep(root: Path) -> list[Path]:
    """Remove the run folders under ``root`` whose process no longer runs; returns them."""
    removed = []
    for folder in sorted(Path(root).glob("run-*")):
        pid = folder.name.split("-")[1] if folder.name.count("-") >= 2 else ""
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def relation_over(session, path: Path, folder: Path):
    """A DuckDB relation over the Parquet file ``path``; ``folder`` (its run folder) is removed
    once the relation is released (after dbt-duckdb has created the model's table from it), or
    at the interpreter's exit, whichever comes first."""
    relation = session.read_parquet(str(path))
    weakref.finalize(relation, shutil.rmtree, str(folder), True)
    return relation


__all__ = ["RUNS", "new_run", "relation_over", "run_folder", "runs_root", "sweep"]
