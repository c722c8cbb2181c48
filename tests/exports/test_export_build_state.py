"""The export refuses anything but a finished, passed, full build of the lake it names."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from exports import ExportError, export_warehouse


def set_state(warehouse: Path, **columns: object) -> None:
    """Overwrite columns of the one `build_state` row (`None` drops the table)."""
    with duckdb.connect(str(warehouse)) as con:
        if not columns:
            con.execute("drop table build_state")
            return
        assignments = ", ".join(f"{name} = ?" for name in columns)
        con.execute(f"update build_state set {assignments}", list(columns.values()))


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ({"status": "started", "finished_at": None}, "did not finish: it was interrupted"),
        ({"status": "failed", "failed_nodes": 2, "failed_gates": 1}, "the last build failed"),
        ({"command": "run"}, r"was `dbt run`, which does not run every gate"),
        ({"selection": 'select=["stg_lake__records+"]'}, "the last build was partial"),
        ({"lake_root": "/another/lake"}, "was of lake /another/lake .* names lake /lake"),
        ({"split_seed": 7}, r"\(seed 7\) but build_metadata"),
        ({}, "records no build state"),
    ],
)
def test_an_unfinished_failed_or_foreign_build_is_refused(own_warehouse, tmp_path, state, reason):
    set_state(own_warehouse, **state)
    out = tmp_path / "out"
    with pytest.raises(ExportError, match=reason):
        export_warehouse(own_warehouse, out)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_finished_passed_build_exports(own_warehouse, tmp_path):
    manifest = export_warehouse(own_warehouse, tmp_path / "out", documents=False)
    assert manifest.files
