{#-
    The staging tables hold no raw line: their records' lines are in stg_lake__json_records
    (`raw_record_in_lake`), where quarantine reads them for the few records it shows. The voice
    conversations (built in Python) carry their own (for their quarantined input records).
-#}
{{ config(materialized='view') }}

with

{% set conversation_models = [
    'stg_lake__chatml_conversations',
    'stg_lake__sharegpt_conversations',
    'stg_lake__turn_pairs_conversations',
    'stg_lake__context_response_conversations',
    'stg_lake__instruction_conversations',
    'stg_lake__qa_csv_conversations',
    'stg_lake__cot_conversations',
    'int_voice_conversations_gated',
] %}

{%- for model_name in conversation_models %}
    {{ model_name }} as (

        select
            {{ lake_record_provenance() }},
            parse_error,
            messages,
            record_category,
            {% if model_name == 'int_voice_conversations_gated' -%}
                raw_record,
                false as raw_record_in_lake
            {%- else -%}
                null::varchar as raw_record,
                true as raw_record_in_lake
            {%- endif %}

        from {{ ref(model_name) }}

    ),

{% endfor -%}

registry as (

    select * from {{ ref('source_registry') }}

),

all_formats as (

    {%- for model_name in conversation_models %}
        select * from {{ model_name }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

with_registry_metadata as (

    select
        all_formats.*,
        registry.source_family,
        registry.tier,
        coalesce(nullif(trim(all_formats.record_category), ''), registry.category) as category,
        registry.stage_policy,
        registry.is_edge_case,
        registry.is_holdout,
        registry.license

    from all_formats
    inner join registry
        on all_formats.source_dataset = registry.dataset

)

select * from with_registry_metadata
