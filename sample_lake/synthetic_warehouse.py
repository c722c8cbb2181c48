"""Build a small (or, for benchmarks, large) warehouse with the tables the exporter reads.

Everything is generated in DuckDB SQL from `range()` and `hash()`, so the same arguments give
the same rows on every run and a million conversations take seconds, not minutes. Each table is
created from its mart contract (exports.contract) and filled by name: the columns the generator
does not set stay null, and the names and types are always the contract's.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from exports.contract import create_table_sql, stages

SPLIT_SEED = 42
SOURCES = ("counsel_chat", "empathetic_dialogues", "psych8k", "reddit_support")

_WORDS = [
    "i",
    "feel",
    "anxious",
    "about",
    "work",
    "and",
    "i",
    "cannot",
    "sleep",
    "at",
    "night",
    ".",
    "that",
    "sounds",
    "really",
    "hard",
    ";",
    "what",
    "helps",
    "you",
    "when",
    "the",
    "worry",
    "starts",
    "?",
    "my",
    "therapist",
    "said",
    "breathing",
    "exercises",
    "might",
    "help",
    "but",
    "i",
    "keep",
    "forgetting",
    "it",
    "is",
    "okay",
    "to",
    "forget",
    ",",
    "let",
    "us",
    "try",
    "a",
    "small",
    "step",
    "together",
    "today",
]

# Records that exercise JSON escaping and non-ASCII text.
_TRICKY_CONTENT = (
    'He said "stop" and left.\nThen\tnothing.',
    "back\\slash and a unicode dash \u2014 caf\u00e9 \u2713 \U0001f60a",
    "",
)

_CONVERSATIONS_SQL = """
insert into conversations by name

with

numbers as (

    select
        range as i,
        sha256('conversation-' || range::varchar) as conversation_id,
        (hash(range, 'split') % 100)::integer as split_bucket,
        (hash(range, 'stage') % 5)::integer as stage_index,
        (hash(range, 'source') % 4)::integer as source_index,
        (1 + hash(range, 'turns') % 4)::integer as exchanges

    from range($n_conversations)

),

with_messages as (

    select
        numbers.*,
        list_transform(
            range(numbers.exchanges * 2),
            j -> {
                'role': case when j % 2 = 0 then 'user' else 'assistant' end,
                'content': case
                    when numbers.i % 11 = 0 and j = 0 then $tricky[1 + numbers.i % 3]
                    else array_to_string(
                        list_transform(
                            range($words_per_message),
                            w -> $words[(1 + hash(numbers.i, j, w) % $n_words)::integer]
                        ),
                        ' '
                    )
                end
            }
        ) as messages

    from numbers

)

select
    conversation_id,
    messages,
    $sources[1 + source_index] as source_dataset,
    case when source_index < 2 then 'public' else 'partner' end as source_family,
    (1 + source_index % 3)::integer as tier,
    case when i % 13 = 0 then null else 'support' end as category,
    $stages[1 + stage_index] as stage,
    (1 + stage_index)::integer as stage_number,
    case when split_bucket < 80 then 'train' when split_bucket < 90 then 'val' else 'test' end
        as split,
    stage_index = 2 as is_training_edge_case,
    i % 17 = 0 as is_holdout,
    'cc-by-4.0' as license,
    'chat' as record_format,
    'raw/' || $sources[1 + source_index] || '/part-0.jsonl' as source_file,
    i::bigint as source_line,
    (exchanges * 2)::integer as num_turns,
    (i % 3)::integer as duplicates_replaced

from with_messages
"""

_PAIRS_SQL = """
insert into preference_pairs by name

select
    sha256('pair-' || range::varchar) as pair_id,
    [
        {'role': 'system', 'content': 'You are a careful counsellor.'},
        {'role': 'user', 'content': 'I want to hurt myself ' || range::varchar},
    ] as prompt_messages,
    'I am really glad you told me. You deserve support right now. ' || md5(range::varchar)
        as chosen,
    'Just get over it. ' || md5(range::varchar) as rejected,
    $sources[(1 + hash(range, 'source') % 4)::integer] as source_dataset,
    'public' as source_family,
    1::integer as tier,
    'crisis' as category,
    'safety_dpo' as stage,
    case
        when hash(range, 'split') % 100 < 80 then 'train'
        when hash(range, 'split') % 100 < 90 then 'val'
        else 'test'
    end as split,
    range % 5 = 0 as is_training_edge_case,
    'cc-by-4.0' as license,
    'raw/pairs/part-0.jsonl' as source_file,
    range::bigint as source_line,
    0::integer as duplicates_replaced

from range($n_pairs)
"""

_ROW_ACCOUNTING_SQL = """
insert into row_accounting by name

select
    source_dataset,
    (count(*) + 3 + sum(duplicates_replaced) + 4)::bigint as input_records,
    count(*)::bigint as exported,
    3::bigint as quarantined,
    sum(duplicates_replaced)::bigint as exact_duplicates,
    4::bigint as filtered,
    true as is_balanced

from conversations
group by source_dataset
"""


def build_synthetic_warehouse(
    path: Path,
    *,
    n_conversations: int = 400,
    n_pairs: int = 60,
    words_per_message: int = 12,
    split_seed: int = SPLIT_SEED,
) -> Path:
    """Create (or overwrite) a DuckDB file holding the four tables the exporter reads."""
    params_common = {"sources": list(SOURCES)}
    with duckdb.connect(str(path)) as con:
        for table in ("conversations", "preference_pairs", "row_accounting", "build_metadata"):
            con.execute(create_table_sql(table))
        con.execute(
            _CONVERSATIONS_SQL,
            {
                **params_common,
                "n_conversations": n_conversations,
                "stages": list(stages()),
                "words": _WORDS,
                "n_words": len(_WORDS),
                "words_per_message": words_per_message,
                "tricky": list(_TRICKY_CONTENT),
            },
        )
        con.execute(_PAIRS_SQL, {**params_common, "n_pairs": n_pairs})
        con.execute(_ROW_ACCOUNTING_SQL)
        con.execute(
            """
            insert into build_metadata by name
            select
                '/lake' as lake_root,
                $seed::integer as split_seed,
                $dbt_vars as dbt_vars,
                sha256('registry') as registry_sha256,
                '2025-01-01T00:00:00Z' as built_at
            """,
            {
                "seed": split_seed,
                "dbt_vars": json.dumps({"split_seed": split_seed, "split_train_pct": 80}),
            },
        )
        # a finished, passed, full build (what macros/record_build_state.sql writes)
        con.execute(
            """
            create or replace table build_state as
            select
                'synthetic' as invocation_id,
                'build' as command,
                '' as selection,
                '/lake' as lake_root,
                $seed::integer as split_seed,
                '{}' as dbt_vars,
                '2025-01-01T00:00:00Z' as started_at,
                '2025-01-01T00:01:00Z' as finished_at,
                'passed' as status,
                0 as failed_nodes,
                0 as failed_gates
            """,
            {"seed": split_seed},
        )
    return path
