"""One row per input record of every registered lake file, load errors included."""

from ingestion.lake_access import LakeAccess
from ingestion.lake_reader import LakeFile, read_lake_records
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
    # the registry format decides how a file is read: a `transcript` file is one document
    formats = dict(dbt.ref("source_registry").project("dataset, format").fetchall())
    files = [
        LakeFile(
            source_dataset=dataset,
            uri=uri,
            record_format=formats.get(dataset),
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
