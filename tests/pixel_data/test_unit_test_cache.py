"""dbt's unit tests run once per project state: the key follows every input of their verdict."""

from __future__ import annotations

import shutil
from pathlib import Path

from pixel_config import settings
from pixel_data.unit_test_cache import (
    project_files,
    record_pass,
    unit_tests_key,
    unit_tests_passed,
)


def _project(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "dbt_project"
    shutil.copytree(
        settings.DBT_PROJECT_DIR,
        project,
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "__pycache__"),
    )
    shutil.copy(settings.PROFILES_DIR / "profiles.yml", tmp_path / "profiles.yml")
    return project, tmp_path


def test_the_key_changes_with_any_project_file_the_profile_or_the_vars(tmp_path) -> None:
    project, profiles = _project(tmp_path)
    vars_ = {"lake_root": "/lake", "engine": "local", "split_seed": 42}
    key = unit_tests_key(project, profiles, vars_)
    assert unit_tests_key(project, profiles, dict(reversed(vars_.items()))) == key
    assert unit_tests_key(project, profiles, {**vars_, "split_seed": 7}) != key

    # dbt's own output is not an input
    (project / "target").mkdir()
    (project / "target" / "run_results.json").write_text("{}")
    assert unit_tests_key(project, profiles, vars_) == key
    assert all(
        "target" not in p.relative_to(tmp_path).parts for p in project_files(project, profiles)
    )

    for edited in (
        next(project.glob("models/**/*.sql")),  # a model
        next(project.glob("models/**/_*__models.yml")),  # the YAML that holds unit tests
        next(project.glob("macros/*.sql")),
        next(project.glob("seeds/*.csv")),
        project / "dbt_project.yml",
        profiles / "profiles.yml",
    ):
        original = edited.read_bytes()
        edited.write_bytes(original + b"\n")
        assert unit_tests_key(project, profiles, vars_) != key, edited
        edited.write_bytes(original)
    assert unit_tests_key(project, profiles, vars_) == key

    # a file moved to another folder under the same name is another project
    model = next(project.glob("models/staging/**/*.sql"))
    model.rename(project / "models" / model.name)
    assert unit_tests_key(project, profiles, vars_) != key


def test_a_pass_is_recorded_under_its_key_only(tmp_path) -> None:
    assert not unit_tests_passed("k1", tmp_path)
    record_pass("k1", tmp_path)
    assert unit_tests_passed("k1", tmp_path)
    assert not unit_tests_passed("k2", tmp_path)
