"""The exporter and the synthetic warehouse take their columns from the marts' dbt contracts."""

from __future__ import annotations

import shutil

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

import exports.contract
from exports import ExportError, export_warehouse
from exports.contract import PUBLISHED_MARTS, mart_columns, stages
from exports.warehouse import duckdb_type, required_columns, table_columns
from sample_lake.synthetic_warehouse import build_synthetic_warehouse


def contract_columns(con, mart: str) -> list[tuple[str, str]]:
    return [(c.name, duckdb_type(con, c.data_type)) for c in mart_columns(mart)]


def test_the_exporter_requires_exactly_the_contract_columns():
    for mart in PUBLISHED_MARTS:
        assert required_columns()[mart] == mart_columns(mart)
    names = [c.name for c in mart_columns("conversations")]
    assert names[:3] == ["conversation_id", "messages", "source_dataset"]
    assert {"stage", "split", "is_training_edge_case", "is_holdout"} <= set(names)


@pytest.mark.parametrize("mart", PUBLISHED_MARTS)
def test_the_synthetic_warehouse_has_the_contract_columns_and_types(warehouse, mart):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert table_columns(con, mart) == contract_columns(con, mart)


@pytest.mark.parametrize(
    ("mart", "folder"), [("conversations", "data"), ("preference_pairs", "preference_pairs")]
)
def test_the_exported_shards_hold_the_contract_columns(exported, mart, folder):
    out, _ = exported
    shard = next((out / folder).glob("*/**/part-00000.parquet"))
    assert set(pq.read_schema(shard).names) == {c.name for c in mart_columns(mart)}


def test_a_column_of_another_type_than_the_contract_is_refused(own_warehouse, tmp_path):
    with duckdb.connect(str(own_warehouse)) as con:
        con.execute("alter table conversations alter column tier type varchar")
    with pytest.raises(ExportError, match=r"main\.conversations has other types: tier \(VARCHAR"):
        export_warehouse(own_warehouse, tmp_path / "out")


def test_changing_the_contract_changes_the_synthetic_warehouse_and_the_exporter(
    tmp_path, monkeypatch
):
    marts = tmp_path / "marts"
    shutil.copytree(exports.contract.marts_dir(), marts)
    path = marts / "training_data" / "_training_data__models.yml"
    document = yaml.safe_load(path.read_text())
    conversations = next(m for m in document["models"] if m["name"] == "conversations")
    conversations["columns"].append({"name": "reviewer_note", "data_type": "varchar"})
    path.write_text(yaml.safe_dump(document))
    monkeypatch.setattr(exports.contract, "marts_dir", lambda: marts)
    exports.contract._contracted_models.cache_clear()
    try:
        warehouse = build_synthetic_warehouse(tmp_path / "w.duckdb", n_conversations=20)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            assert table_columns(con, "conversations")[-1] == ("reviewer_note", "VARCHAR")
        assert required_columns()["conversations"][-1].name == "reviewer_note"
    finally:
        exports.contract._contracted_models.cache_clear()


def test_the_stages_come_from_the_stage_policy_seed():
    assert stages() == ("foundation", "reasoning", "edge_cases", "voice", "safety_dpo")
