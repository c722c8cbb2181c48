"""The CLI's one policy (docs/cli.md): exit 0 ok, 1 a failed gate/verify/refused export, 2 a usage
error or missing input; an expected failure is one line on stderr naming the thing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pixel_data import cli
from pixel_data.commands import demo as demo_commands
from tests.conftest import run_cli


def assert_one_line_error(result, code: int, *names: str) -> None:
    """Exit ``code``, one stderr line naming each of ``names``, no traceback."""
    assert result.returncode == code, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stdout + result.stderr
    for name in names:
        assert name in lines[0]


def test_summary_on_a_missing_warehouse_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing.duckdb"
    assert_one_line_error(run_cli("summary", "--warehouse", str(missing)), 2, str(missing))


def test_summary_on_a_warehouse_that_is_not_built_names_the_path(tmp_path: Path) -> None:
    import duckdb

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert_one_line_error(run_cli("summary", "--warehouse", str(empty)), 2, str(empty))


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--out", "{tmp}/e", "--warehouse", "{tmp}/missing.duckdb"],
        ["qa-report", "{tmp}/qa", "--warehouse", "{tmp}/missing.duckdb"],
    ],
)
def test_commands_that_read_a_warehouse_exit_2_when_it_is_missing(args, tmp_path: Path) -> None:
    result = run_cli(*(a.format(tmp=tmp_path) for a in args))
    assert_one_line_error(result, 2, str(tmp_path / "missing.duckdb"), "pixel-data build")


def test_a_missing_lake_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    lake = tmp_path / "nope"
    result = run_cli("build", "--lake", str(lake), "--warehouse", str(tmp_path / "w.duckdb"))
    assert_one_line_error(result, 2, str(lake), "does not exist")
    assert_one_line_error(run_cli("inventory", str(lake)), 2, str(lake))


@pytest.mark.parametrize("destination", ["/tmp/exports", "gs://bucket/v1"])
def test_a_destination_that_is_not_s3_is_a_usage_error(destination: str, tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "manifest.json").write_text("{}")
    result = run_cli("upload", str(tmp_path / "export"), destination)
    assert_one_line_error(result, 2, destination, "s3://")
    result = run_cli("export", "--out", str(tmp_path / "e"), "--upload", destination)
    assert_one_line_error(result, 2, destination, "s3://")


def test_verify_of_a_missing_export_is_a_usage_error(tmp_path: Path) -> None:
    assert_one_line_error(run_cli("verify", str(tmp_path / "none")), 2, str(tmp_path / "none"))


@pytest.mark.parametrize(
    "args",
    [
        ["eval", "scorers", "--only", "pii"],
        ["eval", "neardup"],
        ["eval", "fit", "crisis"],
        ["eval", "fit", "empathy"],
        ["eval", "fit", "behaviour"],
        ["eval", "scorers", "--only", "behaviour"],
    ],
)
def test_missing_realdata_exits_2_in_every_eval_command(args, tmp_path: Path) -> None:
    absent = tmp_path / "absent"
    result = run_cli(*args, "--realdata", str(absent))
    assert_one_line_error(result, 2, str(absent))


def test_sample_lake_refuses_a_folder_holding_a_users_file(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.txt").write_text("years of work")
    result = run_cli("sample-lake", str(folder), "--records", "200")
    assert_one_line_error(result, 2, str(folder), "--force")
    assert (folder / "thesis.txt").read_text() == "years of work"
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.txt"]


def test_sample_lake_writes_into_an_empty_folder_and_force_replaces(tmp_path: Path) -> None:
    folder = tmp_path / "lake"
    folder.mkdir()
    first = run_cli("sample-lake", str(folder), "--records", "200")
    assert first.returncode == 0, first.stderr
    written = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    (folder / "stray.txt").write_text("x")
    again = run_cli("sample-lake", str(folder), "--records", "200", "--force")
    assert again.returncode == 0, again.stderr
    assert not (folder / "stray.txt").exists()
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == written


COMMANDS = [
    ["build"],
    ["summary"],
    ["export"],
    ["qa-report"],
    ["upload"],
    ["verify"],
    ["sample-lake"],
    ["inventory"],
    ["demo"],
    ["demo-s3"],
    ["score"],
    ["eval", "scorers"],
    ["eval", "neardup"],
    ["eval", "fit", "crisis"],
    ["eval", "fit", "empathy"],
    ["eval", "fit", "behaviour"],
    ["eval", "fit", "safety"],
    ["eval", "fit", "coherence"],
    ["eval", "fit", "category"],
    ["s3", "start"],
    ["s3", "env"],
    ["s3", "stop"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_help_shows_an_example(command: list[str]) -> None:
    result = CliRunner().invoke(cli.app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    examples = result.output.split("Examples:", 1)[-1]
    assert "Examples:" in result.output and f"pixel-data {' '.join(command)}" in examples


def test_demo_reports_a_refused_export_in_one_line(monkeypatch, tmp_path: Path) -> None:
    from exports import writer

    def refuse(*_args, **_kwargs):
        raise writer.ExportError("warehouse built with seed 1, export asked for seed 42")

    monkeypatch.setattr(demo_commands, "write_sample_lake", lambda *a, **k: None)
    monkeypatch.setattr(demo_commands, "build_warehouse", lambda *a, **k: True)
    monkeypatch.setattr(writer, "export_warehouse", refuse)
    result = CliRunner().invoke(cli.app, ["demo"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip().splitlines() == [
        f"error: export to {demo_commands.settings.DEFAULT_EXPORT_DIR} refused: "
        "warehouse built with seed 1, export asked for seed 42"
    ]


def test_demo_has_two_seeds() -> None:
    result = CliRunner().invoke(cli.app, ["demo", "--help"], env={"COLUMNS": "200"})
    assert "--lake-seed" in result.output and "--seed" in result.output


def test_no_project_found_is_a_usage_error_naming_what_was_searched(tmp_path: Path) -> None:
    result = run_cli("summary", env={"PIXEL_PROJECT_DIR": str(tmp_path)})
    assert_one_line_error(result, 2, "PIXEL_PROJECT_DIR", str(tmp_path))


def test_an_export_out_of_duckdb_memory_is_one_line_and_publishes_nothing(
    built_warehouse, tmp_path: Path
) -> None:
    """DuckDB running out of its memory limit (PIXEL_DUCKDB_MEMORY_LIMIT, shared with the
    build) is an expected failure: exit 1, one line naming the limit and the setting, and no
    export folder (at the old 1 GB default a 1 M-record export failed so, with a traceback)."""
    out = tmp_path / "export"
    result = run_cli(
        "export", "--out", str(out), "--warehouse", str(built_warehouse.warehouse),
        env={"PIXEL_DUCKDB_MEMORY_LIMIT": "1MB"},
    )  # fmt: skip
    assert_one_line_error(result, 1, str(out), "memory limit (1MB)", "PIXEL_DUCKDB_MEMORY_LIMIT")
    assert not out.exists()
