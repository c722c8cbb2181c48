"""Where the project is found (pixel_config.settings): the env var, the cwd or a parent, the
source checkout, else a clear error; and importing the module never fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pixel_config import settings
from pixel_config.settings import PROJECT_DIR_ENV, ProjectNotFound, find_project_root


def make_project(root: Path) -> Path:
    (root / "dbt_project").mkdir(parents=True)
    (root / "dbt_project" / "dbt_project.yml").write_text("name: pixel\n")
    return root


@pytest.fixture
def fresh_cache():
    settings.project_root.cache_clear()
    yield
    settings.project_root.cache_clear()


def test_the_env_var_wins_over_the_cwd(tmp_path: Path) -> None:
    chosen = make_project(tmp_path / "chosen")
    here = make_project(tmp_path / "here")
    assert find_project_root(cwd=here, env={PROJECT_DIR_ENV: str(chosen)}) == chosen.resolve()


def test_an_env_var_without_a_project_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFound, match=f"{PROJECT_DIR_ENV}=.*empty.*dbt_project.yml"):
        find_project_root(cwd=tmp_path, env={PROJECT_DIR_ENV: str(tmp_path / "empty")})


def test_the_cwd_or_a_parent_holding_dbt_project(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    deep = project / "build" / "export"
    deep.mkdir(parents=True)
    assert find_project_root(cwd=project, env={}) == project.resolve()
    assert find_project_root(cwd=deep, env={}) == project.resolve()


def test_outside_any_project_the_source_checkout(tmp_path: Path) -> None:
    checkout = Path(__file__).resolve().parents[2]
    assert find_project_root(cwd=tmp_path, env={}) == checkout


def test_no_project_anywhere_is_an_error_that_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "_SOURCE_CHECKOUT", tmp_path / "site-packages")
    with pytest.raises(ProjectNotFound, match=f"in {tmp_path}.*set {PROJECT_DIR_ENV}"):
        find_project_root(cwd=tmp_path, env={})


def test_the_path_constants_follow_the_project_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache
) -> None:
    project = make_project(tmp_path / "project").resolve()
    monkeypatch.setenv(PROJECT_DIR_ENV, str(project))
    monkeypatch.delenv("PIXEL_WAREHOUSE", raising=False)
    assert project == settings.PROJECT_ROOT
    assert project / "dbt_project" == settings.DBT_PROJECT_DIR
    assert project / "dbt_project" / "seeds" / "source_registry.csv" == settings.REGISTRY_CSV
    assert settings.warehouse_path() == project / "build" / "warehouse.duckdb"
    with pytest.raises(AttributeError):
        _ = settings.NOT_A_SETTING


def test_importing_works_outside_a_project_and_use_fails_clearly(tmp_path: Path) -> None:
    """An installed package run from elsewhere: the import succeeds, a path names the problem."""
    code = (
        "import pixel_config.settings as s\n"
        "try:\n    s.PROJECT_ROOT\nexcept s.ProjectNotFound as e:\n    print('error:', e)\n"
    )
    env = {"PATH": "/usr/bin:/bin", PROJECT_DIR_ENV: str(tmp_path / "nowhere")}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"error: {PROJECT_DIR_ENV}=")
