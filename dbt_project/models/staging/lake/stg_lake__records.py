"""One row per input record of every registered lake file, load errors included."""

from python_models.lake_reader import LakeFile, duckdb_parquet_rows, read_lake_records


def model(dbt, session):
    dbt.config(materialized="table")
    files = [
        LakeFile(source_dataset=dataset, uri=uri)
        for dataset, uri in dbt.ref("stg_lake__files")
        .filter("source_dataset is not null")
        .project("source_dataset, uri")
        .order("source_dataset, uri")
        .fetchall()
    ]
    # A second cursor: the reader runs while this connection is busy writing the table.
    cursor = session.cursor()

    def parquet_rows(uri):
        yield from duckdb_parquet_rows(cursor, uri)

    return read_lake_records(
        files,
        max_record_bytes=int(dbt.config.get("max_record_bytes")),
        parquet_reader=parquet_rows,
    )
