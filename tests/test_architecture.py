"""The layer contract (.importlinter) holds, and it is a real check: an injected cycle or an
upward import breaks it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("pixel_data", "evaluation", "sample_lake", "exports", "ingestion", "python_models")
PACKAGES += ("pixel_config", "benchmarks")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and the contract, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(REPO / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def test_the_contract_is_kept(tree: Path) -> None:
    result = _lint(tree)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # the library importing the CLI
        ("python_models/canonical.py", "import pixel_data.cli", "not allowed to import pixel_data"),
        # runtime importing the sample-lake generator
        ("exports/layout.py", "import sample_lake", "not allowed to import sample_lake"),
        # a module cycle inside one package
        (
            "ingestion/objects.py",
            "from ingestion import lake_reader",
            "No cycles are allowed in ingestion",
        ),
    ],
)
def test_an_injected_violation_breaks_the_contract(tree: Path, module, line, broken) -> None:
    path = tree / module
    path.write_text(path.read_text() + f"\n{line}  # injected\n")
    result = _lint(tree)
    assert result.returncode != 0
    assert broken in result.stdout.replace("\n", " ")
