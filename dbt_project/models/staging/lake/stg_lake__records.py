"""One row per input record of every registered lake file, load errors included."""

from python_models.lake_reader import LakeFile, read_lake_records


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
        result = cursor.execute(
            "select file_row_number + 1, json_remove(to_json(src), '$.file_row_number') "
            "from read_parquet(?, file_row_number = true) as src order by file_row_number",
            [uri],
        )
        while chunk := result.fetchmany(10_000):
            yield from chunk

    return read_lake_records(
        files,
        max_record_bytes=int(dbt.config.get("max_record_bytes")),
        parquet_reader=parquet_rows,
    )
