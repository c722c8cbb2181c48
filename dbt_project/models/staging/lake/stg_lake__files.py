"""Every object under the lake root, with the registry dataset its path matches (if any)."""

import pyarrow as pa

from ingestion.lake import RegistryGlob, assign_datasets, list_lake, normalize_root


def model(dbt, session):
    dbt.config(materialized="table")
    lake_root = normalize_root(dbt.config.get("lake_root"))
    registry = [
        RegistryGlob(dataset=dataset, path_glob=path_glob)
        for dataset, path_glob in dbt.ref("source_registry")
        .project("dataset, path_glob")
        .order("dataset")
        .fetchall()
    ]
    rows = {
        name: []
        for name in (
            "lake_root",
            "uri",
            "relpath",
            "bytes",
            "source_dataset",
            "matched_datasets",
            "listing_error",
        )
    }
    for obj, dataset, matched in assign_datasets(list_lake(lake_root), registry):
        rows["lake_root"].append(lake_root)
        rows["uri"].append(obj.uri)
        rows["relpath"].append(obj.relpath)
        rows["bytes"].append(obj.size)
        rows["source_dataset"].append(dataset)
        rows["matched_datasets"].append(matched)
        rows["listing_error"].append(obj.problem)
    schema = pa.schema(
        [
            ("lake_root", pa.string()),
            ("uri", pa.string()),
            ("relpath", pa.string()),
            ("bytes", pa.int64()),
            ("source_dataset", pa.string()),
            ("matched_datasets", pa.list_(pa.string())),
            ("listing_error", pa.string()),
        ]
    )
    return pa.Table.from_pydict(rows, schema=schema)
