"""One row per input record of every registered lake file, load errors included."""

from ingestion.lake_access import LakeAccess
from ingestion.lake_reader import LakeFile, read_lake_records
from ingestion.record_shapes import is_one_record_per_file
from pixel_config.settings import duckdb_extension_dir


def model(dbt, session):
    dbt.config(materialized="table")
    listed = (
        dbt.ref("stg_lake__files")
        .filter("source_dataset is not null")
        .project("source_dataset, uri, bytes, listing_error")
        .order("source_dataset, uri")
        .fetchall()
    )
    # the registry row decides how a file is read: a `transcript` file is one document, a
    # message or turn list mapped to a path from "$" makes each file one conversation
    registry = dbt.ref("source_registry").project("dataset, format, field_map").fetchall()
    formats = {dataset: (fmt, field_map) for dataset, fmt, field_map in registry}
    files = [
        LakeFile(
            source_dataset=dataset,
            uri=uri,
            record_format=formats.get(dataset, (None, None))[0],
            whole_record=is_one_record_per_file(*formats.get(dataset, (None, None))),
            listing_error=listing_error,
        )
        for dataset, uri, _, listing_error in listed
    ]
    # A second cursor: the reader runs while this connection is busy writing the table. S3
    # credentials become a DuckDB secret inside it at run time, never part of compiled SQL.
    access = LakeAccess(
        cursor=session.cursor(),
        sizes={uri: size for _, uri, size, _ in listed},
        blob_max_bytes=int(dbt.config.get("lake_blob_max_bytes")),
        extension_dir=duckdb_extension_dir(),
    )
    return read_lake_records(
        files,
        max_record_bytes=int(dbt.config.get("max_record_bytes")),
        opener=access.open,
        parquet_reader=access.parquet_rows,
    )
