{#-
    The exported conversations: the rows of int_conversations_gated that passed, with their
    redacted messages from int_conversations_scored (the gated rows are narrow) and their voice
    segment. The original messages are never exported.
-#}
with

conversations as (

    select * from {{ ref('int_conversations_gated') }}
    where gate_passed

),

redacted as (

    select
        conversation_id,
        redacted_messages

    from {{ ref('int_conversations_scored') }}

),

voice_segments as (

    select * from {{ ref('int_voice_conversations_gated') }}
    where segment_kind is not null

),

with_voice_segments as (

    select
        conversations.*,
        redacted.redacted_messages as messages,
        voice_segments.speaker,
        voice_segments.segment_kind,
        voice_segments.segment_index,
        voice_segments.segment_count,
        voice_segments.session_id,
        voice_segments.voice_consistency

    from conversations
    inner join redacted
        on conversations.conversation_id = redacted.conversation_id
    left join voice_segments
        on conversations.source_file = voice_segments.source_file
            and conversations.source_line = voice_segments.source_line

),

final as (

    select
        conversation_id,
        messages,
        source_dataset,
        source_family,
        tier,
        category,
        original_category,
        category_confidence,
        category_source,
        stage,
        stage_number,
        split,
        is_training_edge_case,
        is_holdout,
        license,
        record_format,
        source_file,
        source_line,
        num_turns,
        language,
        unsupported_scorers,
        duplicates_replaced,
        cluster_id,
        near_duplicates_replaced,
        speaker,
        segment_kind,
        segment_index,
        segment_count,
        session_id,
        voice_consistency,
        crisis_score,
        crisis_flag,
        crisis_evidence,
        crisis_user_turns,
        empathy_score,
        empathy_intensity,
        empathy_emotional_reactions as empathy_emotional_reactions_level,
        empathy_interpretations as empathy_interpretations_level,
        empathy_explorations as empathy_explorations_level,
        safety_score,
        bias_score,
        completeness_score,
        coherence_score,
        coherence_structure,
        coherence_relevance,
        pii_email,
        pii_phone,
        pii_ssn,
        pii_credit_card,
        pii_ip_address,
        pii_url,
        pii_address,
        pii_person,
        pii_handle,
        pii_iban,
        pii_national_id,
        pii_driver_license,
        pii_date_of_birth,
        pii_date,
        pii_organization,
        pii_location,
        pii_age,
        pii_total

    from with_voice_segments

)

select * from final
