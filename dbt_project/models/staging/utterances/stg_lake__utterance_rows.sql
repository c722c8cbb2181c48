{#-
    One row per utterance of a session transcript (one utterance per row: session id, speaker,
    timestamp, text; field names renamable through the registry's field_map, which may also
    carry a `speaker_roles` map from speaker names to roles).
-#}
with

records as (

    select * from {{ ref('stg_lake__json_records') }}
    where record_format = 'utterances'

),

field_paths as (

    select
        *,
        {{ field_path('session_id') }} as session_id_path,
        {{ field_path('speaker') }} as speaker_path,
        {{ field_path('timestamp') }} as timestamp_path,
        {{ field_path('text') }} as text_path

    from records

),

utterances as (

    select
        {{ lake_record_provenance() }},
        record_error as parse_error,
        case when record_error is null then json_extract_string(raw_record, session_id_path) end as session_id,
        case when record_error is null then json_extract_string(raw_record, speaker_path) end as speaker,
        case when record_error is null then json_extract_string(raw_record, timestamp_path) end as utterance_timestamp,
        case when record_error is null then json_extract_string(raw_record, text_path) end as utterance_text,
        json_extract(field_map, '$.speaker_roles')::varchar as speaker_roles,
        raw_record

    from field_paths

)

select * from utterances
