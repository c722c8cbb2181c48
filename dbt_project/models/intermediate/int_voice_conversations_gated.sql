{#-
    The voice conversations that go on to the warehouse: every unusable input record (to be
    quarantined where it was read) and every derived conversation that passes the voice gate
    (consistency with its speaker's other records at least `voice_consistency_min`, or too few
    records of the speaker to judge). The rest are rows of `filtered` (gate voice_consistency).
-#}
with

voice as (

    select * from {{ ref('int_voice_conversations') }}

),

scores as (

    select * from {{ ref('int_voice_conversations_scored') }}

),

with_scores as (

    select
        voice.*,
        scores.voice_consistency

    from voice
    left join scores
        on voice.source_file = scores.source_file
            and voice.source_line = scores.source_line

),

passing as (

    select * from with_scores
    where segment_kind is null
        or voice_consistency is null
        or voice_consistency >= {{ var('voice_consistency_min', 0.0) }}

)

select * from passing
