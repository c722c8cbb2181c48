{#-
    One row per transcript document: a talk, lecture or book chapter as plain text or markdown,
    one file, one record (the lake reader reads a `transcript` file whole). The registry's
    field_map may name the dataset's speaker ({"speaker": "..."}); front matter and the file
    name can name it too (python_models/transcript_passages.py).
-#}
with

records as (

    select * from {{ ref('stg_lake__json_records') }}
    where record_format = 'transcript'

),

documents as (

    select
        {{ lake_record_provenance() }},
        case
            when record_error is not null then record_error
            when coalesce({{ trim_whitespace("raw_record ->> '$.text'") }}, '') = '' then 'missing_field'
        end as parse_error,
        case when record_error is null then raw_record ->> '$.text' end as document_text,
        case when record_error is null then raw_record ->> '$.title' end as file_title,
        json_extract_string(field_map, '$.speaker') as registry_speaker,
        raw_record

    from records

)

select * from documents
