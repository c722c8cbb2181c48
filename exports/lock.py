"""The manifest's `config_lock`: the code and settings that produced an export."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from exports.warehouse import BuildMetadata

LOCKED_PACKAGES = ("duckdb", "pyarrow", "dbt-core", "dbt-duckdb", "pixel-data")
_CODE_DIR = Path(__file__).resolve().parent


def _git(*args: str) -> str | None:
    """Output of a git command run in this package's directory, or None if git cannot say."""
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=_CODE_DIR,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def git_state() -> tuple[str | None, bool | None]:
    """(HEAD commit, whether the worktree has changes) of the repo this code runs from."""
    head = _git("rev-parse", "--verify", "HEAD")
    status = _git("status", "--porcelain")
    commit = head.strip() if head else None
    dirty = bool(status.strip()) if status is not None else None
    return commit, dirty


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape the output; None when not installed."""
    versions: dict[str, str | None] = {}
    for name in LOCKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def config_lock(build: BuildMetadata) -> dict[str, Any]:
    """JSON-ready `config_lock` for the manifest."""
    commit, dirty = git_state()
    return {
        "git_commit": commit,
        "git_dirty": dirty,
        "seed": build.split_seed,
        "dbt_vars": build.dbt_vars,
        "registry_sha256": build.registry_sha256,
        "lake_root": build.lake_root,
        "package_versions": package_versions(),
    }
