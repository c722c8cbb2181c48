{#-
    The voice gate (seeds/quality_thresholds.csv, stage voice, `voice_consistency_*` rows):
    a derived conversation fails when its voice consistency (int_voice_conversations_scored) is
    below its speaker's floor, the median consistency of the speaker's records minus
    `outlier_mads` scaled MADs (MAD x 1.4826, at least `mad_floor`), never below `min`. Relative,
    not absolute: how consistent a speaker's records are depends on the speaker and the record
    length. A speaker with fewer than `min_records` scored records is not judged (its records
    pass, unscored), nor is an unscored record. Every unusable input record (to be quarantined
    where it was read) goes on. Rows that fail are in `filtered` (gate voice_consistency).
-#}
with

voice as (

    select * from {{ ref('int_voice_conversations') }}

),

scores as (

    select * from {{ ref('int_voice_conversations_scored') }}

),

thresholds as (

    select * from {{ ref('quality_thresholds') }}
    where stage = 'voice' and comparison = 'parameter'

),

gate_settings as (

    select
        max(threshold) filter (where metric = 'voice_consistency_outlier_mads') as outlier_mads,
        max(threshold) filter (where metric = 'voice_consistency_mad_floor') as mad_floor,
        max(threshold) filter (where metric = 'voice_consistency_min') as min_score,
        max(threshold) filter (where metric = 'voice_consistency_min_records') as min_records

    from thresholds

),

scored_records as (

    select
        source_file,
        source_line,
        speaker,
        voice_consistency,
        {# the scorer rounds to 4 places: judge that number, not its float approximation #}
        round(voice_consistency::double, 4) as judged_consistency,
        count(*) over (partition by speaker) as speaker_records,
        median(round(voice_consistency::double, 4)) over (partition by speaker) as speaker_median

    from scores
    where voice_consistency is not null and coalesce(speaker, '') <> ''

),

speaker_deviations as (

    select
        *,
        median(abs(judged_consistency - speaker_median)) over (partition by speaker) as speaker_mad

    from scored_records

),

judged_records as (

    select
        speaker_deviations.source_file,
        speaker_deviations.source_line,
        speaker_deviations.voice_consistency,
        speaker_deviations.judged_consistency,
        round(
            greatest(
                gate_settings.min_score,
                speaker_deviations.speaker_median
                - gate_settings.outlier_mads
                * 1.4826
                * greatest(speaker_deviations.speaker_mad, gate_settings.mad_floor)
            ),
            4
        ) as voice_floor

    from speaker_deviations
    cross join gate_settings
    where speaker_deviations.speaker_records >= gate_settings.min_records

),

with_verdicts as (

    select
        voice.*,
        judged_records.voice_consistency,
        judged_records.voice_floor,
        coalesce(judged_records.judged_consistency >= judged_records.voice_floor, true)
            as is_voice_gate_passed

    from voice
    left join judged_records
        on voice.source_file = judged_records.source_file
            and voice.source_line = judged_records.source_line

),

passing as (

    select * exclude (is_voice_gate_passed) from with_verdicts
    where is_voice_gate_passed

)

select * from passing
