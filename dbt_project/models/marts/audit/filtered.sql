{#-
    Every record a curation or quality gate kept out of the export: which gate, why, and the
    score it was judged on (quality gates: `reason` is `kind:metric < threshold`, e.g.
    `quality:empathy_score < 0.5`; every failing gate is in int_conversations_gated; a record
    the unsupported_language_policy `filter` keeps out has reason `unsupported_language`).
    `record_kind` says what was filtered: an input record
    (`conversation`, `preference_pair`: counted in row_accounting's `filtered`) or a record the
    warehouse built itself (`built_preference_pair`: not an input record, so not in the ledger).
-#}
with

source_pairs as (

    select * from {{ ref('int_preference_pairs_normalized') }}
    where quarantine_reason is null and filter_reason is not null

),

built_pairs as (

    select * from {{ ref('int_preference_pairs_gated') }}
    where not is_gate_passed

),

voice_records as (

    select * from {{ ref('int_voice_conversations') }}
    where segment_kind is not null

),

voice_scores as (

    select * from {{ ref('int_voice_conversations_scored') }}

),

voice_gate_passed as (

    select * from {{ ref('int_voice_conversations_gated') }}

),

{# the voice gate's verdict lives in int_voice_conversations_gated: what it did not pass #}
inconsistent_voices as (

    select
        voice_records.source_dataset,
        voice_records.record_format,
        voice_records.source_file,
        voice_records.source_line,
        voice_scores.voice_consistency

    from voice_records
    inner join voice_scores
        on voice_records.source_file = voice_scores.source_file
            and voice_records.source_line = voice_scores.source_line
    anti join voice_gate_passed
        on voice_records.source_file = voice_gate_passed.source_file
            and voice_records.source_line = voice_gate_passed.source_line

),

gated_conversations as (

    select * from {{ ref('int_conversations_gated') }}
    where not gate_passed

),

all_filtered as (

    select
        'preference_pair' as record_kind,
        null::varchar as record_id,
        source_dataset,
        record_format,
        source_file,
        source_line,
        'preference_curation' as gate,
        'format' as gate_kind,
        filter_reason as reason,
        null::double as score
    from source_pairs

    union all

    select
        'built_preference_pair' as record_kind,
        pair_id as record_id,
        source_dataset,
        record_format,
        source_file,
        source_line,
        'empathy_margin' as gate,
        'quality' as gate_kind,
        gate_reason as reason,
        empathy_margin::double as score
    from built_pairs

    union all

    select
        'conversation' as record_kind,
        null::varchar as record_id,
        source_dataset,
        record_format,
        source_file,
        source_line,
        'voice_consistency' as gate,
        'quality' as gate_kind,
        'voice_inconsistent' as reason,
        voice_consistency::double as score
    from inconsistent_voices

    union all

    select
        'conversation' as record_kind,
        null::varchar as record_id,
        source_dataset,
        record_format,
        source_file,
        source_line,
        gate,
        gate_kind,
        case
            when gate = 'unsupported_language' then 'unsupported_language'
            else
                gate_kind || ':' || gate || (case gate_comparison when 'min' then ' < ' else ' > ' end)
                || gate_threshold::varchar
        end as reason,
        gate_score::double as score
    from gated_conversations

),

final as (

    select
        md5(record_kind || ':' || source_file || ':' || source_line || ':' || coalesce(record_id, ''))
            as filtered_id,
        *

    from all_filtered

)

select * from final
