"""The source registry loads whatever line endings and BOM it has, and every problem names its
row and column (issue 17, item 6)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion.lake import RegistryGlob, assign_datasets
from ingestion.objects import LakeObject
from ingestion.registry import registry_problems
from pixel_config import settings
from tests.conftest import run_cli

HEADER = (
    "dataset,path_glob,format,field_map,source_family,tier,category,stage_policy,"
    "is_edge_case,is_holdout,license"
)
GOOD = "good_ds,good/*.jsonl,chatml,,community,3,,auto,false,false,mit"


def problems(tmp_path: Path, *rows: str) -> list[str]:
    path = tmp_path / "source_registry.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return registry_problems(
        path, settings.SEEDS_DIR / "_seeds.yml", settings.DBT_PROJECT_DIR / "dbt_project.yml"
    )


def test_the_project_registry_has_no_problems():
    assert (
        registry_problems(
            settings.REGISTRY_CSV,
            settings.SEEDS_DIR / "_seeds.yml",
            settings.DBT_PROJECT_DIR / "dbt_project.yml",
        )
        == []
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("bad_glob,curated/[z-a].jsonl,chatml,,c,3,,auto,false,false,mit",
         "row 3 (dataset bad_glob), column path_glob: 'curated/[z-a].jsonl' is not a valid glob"),
        ("bad_tier,x/*.jsonl,chatml,,c,seven,,auto,false,false,mit",
         "row 3 (dataset bad_tier), column tier: 'seven' is not an integer"),
        ("far_tier,x/*.jsonl,chatml,,c,9,,auto,false,false,mit",
         "row 3 (dataset far_tier), column tier: 9 is outside [1, 6]"),
        ("bad_format,x/*.jsonl,chatlm,,c,3,,auto,false,false,mit",
         "row 3 (dataset bad_format), column format: 'chatlm' is not one of chatml"),
        ("bad_map,x/*.jsonl,chatml,{not json},c,3,,auto,false,false,mit",
         "row 3 (dataset bad_map), column field_map: fails"),
        ("bad_flag,x/*.jsonl,chatml,,c,3,,auto,maybe,false,mit",
         "row 3 (dataset bad_flag), column is_edge_case: 'maybe' is not true/false"),
        (",x/*.jsonl,chatml,,c,3,,auto,false,false,mit", "row 3, column dataset: empty"),
        ("good_ds,y/*.jsonl,chatml,,c,3,,auto,false,false,mit",
         "row 3 (dataset good_ds), column dataset: 'good_ds' repeats row 2"),
        ("short_row,x/*.jsonl", "row 3: 2 fields, the header has 11"),
    ],
)  # fmt: skip
def test_every_registry_problem_names_its_row_and_column(tmp_path, row, message):
    found = problems(tmp_path, GOOD, row)
    assert len(found) == 1 and found[0].startswith(message), found


def test_an_invalid_glob_inside_dbt_names_the_dataset_not_a_bare_regex_error():
    registry = [RegistryGlob("bad_glob", "curated/[z-a].jsonl")]
    with pytest.raises(ValueError, match="registry dataset bad_glob, column path_glob"):
        list(assign_datasets([LakeObject("/l/a.jsonl", "a.jsonl", 1)], registry))


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The dbt project and profile copied, so a test may edit its registry."""
    root = tmp_path / "project"
    shutil.copytree(
        settings.DBT_PROJECT_DIR,
        root / "dbt_project",
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    shutil.copy(settings.PROJECT_ROOT / "profiles.yml", root / "profiles.yml")
    return root


def test_a_registry_with_mixed_line_endings_and_a_bom_loads(project_copy, tmp_path):
    registry = project_copy / "dbt_project" / "seeds" / "source_registry.csv"
    lines = registry.read_bytes().splitlines()
    # a BOM, the header and first rows LF, rows appended by Python's csv module CRLF
    mixed = b"\xef\xbb\xbf" + b"\n".join(lines[:3]) + b"\n" + b"\r\n".join(lines[3:]) + b"\r\n"
    registry.write_bytes(mixed)
    (tmp_path / "lake").mkdir()
    result = run_cli(
        "build", "--lake", str(tmp_path / "lake"), "--warehouse", str(tmp_path / "w.duckdb"),
        "--select", "resource_type:seed",
        # only the seeds and the tests on seeds alone
        env={"PIXEL_PROJECT_DIR": str(project_copy), "DBT_INDIRECT_SELECTION": "cautious"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        loaded = con.execute("select dataset, license from source_registry order by all").fetchall()
    expected = sorted(line.decode().split(",")[0] for line in lines[1:] if line.strip())
    assert [dataset for dataset, _ in loaded] == expected
    assert not any("\r" in license for _, license in loaded)


def test_a_registry_problem_stops_the_build_with_one_line(project_copy, tmp_path):
    registry = project_copy / "dbt_project" / "seeds" / "source_registry.csv"
    with registry.open("a") as handle:
        handle.write("bad_glob,curated/[z-a].jsonl,chatml,,c,3,,auto,false,false,mit\n")
    (tmp_path / "lake").mkdir()
    result = run_cli(
        "build", "--lake", str(tmp_path / "lake"), "--warehouse", str(tmp_path / "w.duckdb"),
        env={"PIXEL_PROJECT_DIR": str(project_copy)},
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "(dataset bad_glob), column path_glob" in lines[0], result.stderr


def test_a_seed_expression_reads_a_value_with_quotes_as_text() -> None:
    # the value is inlined as a quoted literal (a bound parameter made DuckDB import pandas)
    from ingestion.registry import _holds

    with duckdb.connect() as con:
        assert _holds(con, "x = 'it''s'", "x", "it's")
        assert not _holds(con, "x = 'a'", "x", "b' or 'a' = 'a")
        assert _holds(con, "x is null", "x", "")
