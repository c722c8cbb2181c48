{#-
    Record-level accounting: every input record (file, line) ends in exactly one of exported
    conversations, exported preference pairs (curated from sources; built pairs are not input
    records), quarantine, exact duplicates or filtered. Returns records with no outcome or more
    than one.
    A transcript document or utterance row that went into derived conversations
    (int_voice_conversations: passages, session windows) is accounted by them: each of those
    conversations, under its own (file, line), has exactly one outcome. Also returns outcomes
    that belong to no input record.
-#}
with

records as (

    select
        source_dataset,
        source_file,
        source_line
    from {{ ref('stg_lake__records') }}

),

derived_units as (

    select
        source_file,
        source_line as unit_line,
        unnest(input_lines) as input_line
    from {{ ref('int_voice_conversations') }}
    where segment_kind is not null

),

record_units as (

    select
        records.source_dataset,
        records.source_file,
        records.source_line,
        coalesce(derived_units.unit_line, records.source_line) as unit_line
    from records
    left join derived_units
        on records.source_file = derived_units.source_file
            and records.source_line = derived_units.input_line

),

units as (

    select distinct
        source_dataset,
        source_file,
        unit_line
    from record_units

),

outcomes as (

    select
        source_file,
        source_line,
        'exported' as outcome
    from {{ ref('conversations') }}
    union all
    select
        source_file,
        source_line,
        'exported' as outcome
    from {{ ref('preference_pairs') }}
    where pair_origin = 'source'
    union all
    select
        source_file,
        source_line,
        'quarantined' as outcome
    from {{ ref('quarantine') }}
    union all
    select
        source_file,
        source_line,
        'exact_duplicate' as outcome
    from {{ ref('exact_duplicates') }}
    union all
    select
        source_file,
        source_line,
        'near_duplicate' as outcome
    from {{ ref('near_duplicates') }}
    union all
    select
        source_file,
        source_line,
        'filtered' as outcome
    from {{ ref('filtered') }}
    where record_kind in ('conversation', 'preference_pair')

),

outcomes_per_unit as (

    select
        units.source_dataset,
        units.source_file,
        units.unit_line as source_line,
        count(outcomes.outcome) as outcome_count

    from units
    left join outcomes
        on units.source_file = outcomes.source_file
            and units.unit_line = outcomes.source_line
    group by all

),

outcomes_without_input as (

    select
        null::varchar as source_dataset,
        outcomes.source_file,
        outcomes.source_line,
        0::bigint as outcome_count

    from outcomes
    left join units
        on outcomes.source_file = units.source_file
            and outcomes.source_line = units.unit_line
    where units.source_file is null

),

problems as (

    select * from outcomes_per_unit
    where outcome_count <> 1
    union all
    select * from outcomes_without_input

)

select * from problems
