{#-
    The ledger per source dataset: every input record ends in exactly one place.
    input_records = exported + quarantined + exact_duplicates + filtered. `filtered` counts
    input records a curation or quality gate kept out (the `filtered` mart). Preference pairs
    the warehouse built from a dataset's conversations are not input records: `built_pairs`
    reports them beside the ledger.
    Transcripts and sessions (int_voice_conversations) turn one input record into several
    conversations (a document into passages, a session into windows) and several input records
    into one (utterance rows into a session), so for them
    input_records - merged_into_session + derived_records
        = exported + quarantined + exact_duplicates + near_duplicates + filtered
    (both extra columns are 0 for every other dataset; docs/dataset_contract.md).
-#}
with

registry as (

    select * from {{ ref('source_registry') }}

),

files as (

    select * from {{ ref('stg_lake__files') }}

),

records as (

    select * from {{ ref('stg_lake__records') }}

),

conversations as (

    select * from {{ ref('conversations') }}

),

pairs as (

    select * from {{ ref('preference_pairs') }}
    where pair_origin = 'source'

),

built_pairs as (

    select * from {{ ref('preference_pairs') }}
    where pair_origin = 'built'

),

filtered as (

    select * from {{ ref('filtered') }}
    where record_kind in ('conversation', 'preference_pair')

),

quarantine as (

    select * from {{ ref('quarantine') }}

),

duplicates as (

    select * from {{ ref('exact_duplicates') }}

),

near_duplicates as (

    select * from {{ ref('near_duplicates') }}

),

{# `not materialized`: read twice below; DuckDB would copy every column (the messages too) #}
voice_segments as not materialized (

    select * from {{ ref('int_voice_conversations') }}
    where segment_kind is not null

),

session_rows as (

    select distinct
        voice_segments.source_dataset,
        voice_segments.segment_group,
        voice_segments.source_file,
        unnest(voice_segments.input_lines) as input_line
    from voice_segments
    where voice_segments.segment_kind = 'window'

),

merged_per_dataset as (

    select
        source_dataset,
        count(*) - count(distinct segment_group) as merged_into_session
    from session_rows
    group by source_dataset

),

derived_per_dataset as (

    select
        source_dataset,
        count(*) - count(distinct segment_group) as derived_records
    from voice_segments
    group by source_dataset

),

files_per_dataset as (

    select
        source_dataset,
        count(*) as files,
        sum(bytes) as bytes
    from files
    where source_dataset is not null
    group by source_dataset

),

inputs_per_dataset as (

    select
        source_dataset,
        count(*) as input_records
    from records
    group by source_dataset

),

exported_rows as (

    select source_dataset from conversations
    union all
    select source_dataset from pairs

),

exported_per_dataset as (

    select
        source_dataset,
        count(*) as exported
    from exported_rows
    group by source_dataset

),

quarantined_per_dataset as (

    select
        source_dataset,
        count(*) as quarantined
    from quarantine
    group by source_dataset

),

duplicates_per_dataset as (

    select
        source_dataset,
        count(*) as exact_duplicates
    from duplicates
    group by source_dataset

),

near_duplicates_per_dataset as (

    select
        source_dataset,
        count(*) as near_duplicates
    from near_duplicates
    group by source_dataset

),

filtered_per_dataset as (

    select
        source_dataset,
        count(*) as filtered
    from filtered
    group by source_dataset

),

built_pairs_per_dataset as (

    select
        source_dataset,
        count(*) as built_pairs
    from built_pairs
    group by source_dataset

),

ledger as (

    select
        registry.dataset as source_dataset,
        coalesce(files_per_dataset.files, 0) as files,
        coalesce(files_per_dataset.bytes, 0) as bytes,
        coalesce(inputs_per_dataset.input_records, 0) as input_records,
        coalesce(exported_per_dataset.exported, 0) as exported,
        coalesce(quarantined_per_dataset.quarantined, 0) as quarantined,
        coalesce(duplicates_per_dataset.exact_duplicates, 0) as exact_duplicates,
        coalesce(near_duplicates_per_dataset.near_duplicates, 0) as near_duplicates,
        coalesce(filtered_per_dataset.filtered, 0) as filtered,
        coalesce(built_pairs_per_dataset.built_pairs, 0) as built_pairs,
        coalesce(merged_per_dataset.merged_into_session, 0) as merged_into_session,
        coalesce(derived_per_dataset.derived_records, 0) as derived_records

    from registry
    left join files_per_dataset on registry.dataset = files_per_dataset.source_dataset
    left join inputs_per_dataset on registry.dataset = inputs_per_dataset.source_dataset
    left join exported_per_dataset on registry.dataset = exported_per_dataset.source_dataset
    left join quarantined_per_dataset on registry.dataset = quarantined_per_dataset.source_dataset
    left join duplicates_per_dataset on registry.dataset = duplicates_per_dataset.source_dataset
    left join near_duplicates_per_dataset on registry.dataset = near_duplicates_per_dataset.source_dataset
    left join filtered_per_dataset on registry.dataset = filtered_per_dataset.source_dataset
    left join built_pairs_per_dataset on registry.dataset = built_pairs_per_dataset.source_dataset
    left join merged_per_dataset on registry.dataset = merged_per_dataset.source_dataset
    left join derived_per_dataset on registry.dataset = derived_per_dataset.source_dataset

),

final as (

    select
        *,
        input_records - merged_into_session + derived_records
        = exported + quarantined + exact_duplicates + near_duplicates + filtered as is_balanced,
        files = 0 as matched_no_files

    from ledger

)

select * from final
