{#-
    The voice conversations that go on to the warehouse: every unusable input record (to be
    quarantined where it was read) and every derived conversation that passes the voice gate
    (int_voice_conversations_scored: not an outlier among its speaker's records, or too few
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
        scores.voice_consistency,
        coalesce(scores.passes_voice_gate, true) as passes_voice_gate

    from voice
    left join scores
        on voice.source_file = scores.source_file
            and voice.source_line = scores.source_line

),

passing as (

    select * from with_scores
    where passes_voice_gate

)

select * from passing
