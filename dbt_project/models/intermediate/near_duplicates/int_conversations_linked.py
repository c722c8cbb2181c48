"""One row per kept conversation: its near-duplicate component, neighbours and nearest one.

Thin: the library is python_models/near_duplicates.py (docs/near_duplicates.md). Conversations
are read in conversation-id order so the ANN index is built the same way on every run; texts
stream in Arrow batches: every text is MinHash-signed, and only conversations missing from the
embedding cache are embedded.
Which member of a component is kept, and the cluster id, are SQL (int_conversations_clustered).
The index persists between builds (python_models/near_dup_index.py, var result_cache): a rebuild
searches only conversations it has not seen, against every earlier one.
With var engine `ray` the texts are embedded by Ray Data (python_models/embeddings/backends.py
RayEmbedder: the same model, the same vectors in the same order, the embedding cache read and
written here on the driver); the search stays in this process (docs/scaling.md).
The links table is not returned as an Arrow table: the stage writes it as Parquet in row chunks
into a run folder and the model returns a DuckDB relation over the file, removed once dbt has
created the table from it (python_models/near_dup_output.py).
"""

import pyarrow as pa

from pixel_config.values import flag, optional_number
from python_models.near_dup_index import IndexRun, link_with_index
from python_models.near_dup_output import relation_over, run_folder
from python_models.near_dup_partitions import Budget, compact_ids, id_strings
from python_models.near_dup_partitions import text_batches as budget_text_batches
from python_models.near_duplicates import NearDupConfig, Timings, link_conversations
from python_models.ray_stages import engine_connection

TEXT_BATCH_ROWS = 50_000  # at most, below the budget's characters
TEXT_READ_ROWS = 2_048


def model(dbt, session):
    dbt.config(materialized="table")
    config = NearDupConfig(
        enabled=flag(dbt.config.get("near_dup_enabled")),
        backend=str(dbt.config.get("near_dup_backend")),
        threshold=optional_number(dbt.config.get("near_dup_threshold")),
        side_threshold=optional_number(dbt.config.get("near_dup_side_threshold")),
        lexical=flag(dbt.config.get("near_dup_lexical")),
        lexical_threshold=optional_number(dbt.config.get("near_dup_lexical_threshold")),
        lexical_side_threshold=optional_number(dbt.config.get("near_dup_lexical_side_threshold")),
        neighbours=int(dbt.config.get("near_dup_neighbours")),
        progress=flag(dbt.config.get("near_dup_progress")),
        memory_budget_mib=int(dbt.config.get("near_dup_memory_budget_mib")),
    )
    texts = dbt.ref("int_conversations_embedding_texts")
    # the ids as one bytes array (64 bytes a content hash), the Arrow table they came in
    # dropped: held beside them it was another ~68 bytes a conversation for the whole stage
    ids = compact_ids(
        texts.project("conversation_id")
        .order("conversation_id")
        .to_arrow_table()
        .column("conversation_id")
    )

    def text_batches():
        # small Arrow reads, handed on in batches sized by the memory budget's characters. A
        # generator: the query starts at the first batch asked for (an incremental build asks
        # for none) and its reader is closed when the batches end or are dropped. A reader left
        # open holds DuckDB's checkpoint lock on the table it streams, and the commit of this
        # model's table, when it checkpoints, then waited on it forever (a rebuild into a new
        # warehouse with warm caches, 20k records, hung here).
        reader = texts.project("conversation_id, embedding_text").fetch_arrow_reader(TEXT_READ_ROWS)
        try:
            max_chars = Budget(config.memory_budget_mib).text_chars()
            yield from budget_text_batches(reader, max_chars, TEXT_BATCH_ROWS)
        finally:
            reader.close()

    def texts_of_ids(ids, part):
        wanted = session.from_arrow(
            pa.table({"wanted_id": pa.array(ids, pa.string()), "position": range(len(ids))})
        )
        column = {"whole": "embedding_text", "user": "user_text", "assistant": "assistant_text"}[
            part
        ]
        found = (
            texts.join(wanted, "conversation_id = wanted_id")
            .order("position")
            .project(column)
            .to_arrow_table()
        )
        return found.column(column).to_pylist()

    engine = str(dbt.config.get("engine"))
    # read outside any `or`, which dbt's parser does not look into
    ray_batch_rows = int(dbt.config.get("ray_batch_rows"))
    scoring_workers = int(dbt.config.get("scoring_workers"))
    timings = Timings()
    mode = str(dbt.config.get("result_cache"))
    # the run folder is removed at once if the stage fails; else by relation_over, once read
    with run_folder() as folder, engine_connection(engine):
        embedder = None  # the backend's own, in this process
        if engine == "ray" and config.enabled:
            from python_models.embeddings.backends import RayEmbedder

            embedder = RayEmbedder(
                config.backend, batch_rows=ray_batch_rows, workers=scoring_workers
            )
        if mode == "off":
            path = link_conversations(
                id_strings(ids),
                text_batches(),
                texts_of_ids,
                config,
                embedder=embedder,
                timings=timings,
                output=folder,
            )
        else:
            run = IndexRun()
            path = link_with_index(
                ids,
                text_batches(),
                texts_of_ids,
                config,
                refresh=mode == "refresh",
                embedder=embedder,
                timings=timings,
                run=run,
                output=folder,
            )
            print(run.summary(), flush=True)
    print(f"near-duplicates: {timings.steps}", flush=True)
    return relation_over(session, path, folder)
